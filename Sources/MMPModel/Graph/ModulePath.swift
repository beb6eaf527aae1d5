/// Module paths are dotted (`layer1.0.conv1`); a path's ancestors are its dotted prefixes
/// (`layer1.0`, `layer1`). The one walk up the module tree, for the graph's list of paths,
/// the module tree requests select from, and the inspection's indentation.
package enum ModulePath {
    /// The parent of `path` (`layer1.0` for `layer1.0.conv1`), or nil for a top-level path.
    package static func parent(of path: String) -> Substring? {
        path.utf8.lastIndex(of: UInt8(ascii: ".")).map { path[..<$0] }
    }

    /// The same for a path that is itself a slice.
    package static func parent(of path: Substring) -> Substring? {
        path.utf8.lastIndex(of: UInt8(ascii: ".")).map { path[..<$0] }
    }

    /// `a.b.c`, `a.b`, `a`: the path itself, then each ancestor.
    package static func selfAndAncestors(_ path: String) -> [Substring] {
        var out = [Substring(path)]
        var p = Substring(path)
        while let up = parent(of: p) {
            p = up
            out.append(p)
        }
        return out
    }
}
