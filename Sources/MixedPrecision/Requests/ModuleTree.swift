/// Every module path of a graph — each op's module paths and all their ancestors — as a
/// tree, built once with one entry per distinct path, so that "every op under `M`" costs
/// the size of the answer, not of the graph.
struct ModuleTree: Sendable {
    /// Node of each path; node 0 is the root `""`.
    private(set) var node: [String: Int] = ["": 0]
    private(set) var paths: [String] = [""]
    private var children: [[Int]] = [[]]
    /// Ops whose module path is exactly the node's path.
    private var own: [[Int]] = [[]]

    init(_ graph: SimGraph) {
        // Most ops have a path of their own: room for that many nodes, and their parents.
        let expected = graph.ops.count + graph.ops.count / 4 + 16
        node.reserveCapacity(expected)
        paths.reserveCapacity(expected)
        children.reserveCapacity(expected)
        own.reserveCapacity(expected)
        // Only the module lists are touched (not whole ops): another thread reads the ops too.
        for k in graph.ops.indices {
            for m in graph.ops[k].modules {
                let n = intern(m)
                if own[n].last != k { own[n].append(k) }
            }
        }
    }

    /// The parent last looked up: ops come in model order, so siblings follow each other
    /// and most parents are found without hashing.
    private var lastParent: (path: String, node: Int) = ("", 0)

    private mutating func intern(_ path: String) -> Int {
        if path.isEmpty { return 0 }
        let parentPath = path.utf8.lastIndex(of: UInt8(ascii: ".")).map { path[..<$0] } ?? ""
        let parent: Int
        if parentPath == lastParent.path {
            parent = lastParent.node
        } else {
            let p = String(parentPath)
            parent = intern(p)
            lastParent = (p, parent)
        }
        // Most paths are new: one hash to insert; a known one is put back as it was.
        let n = paths.count
        if let old = node.updateValue(n, forKey: path) {
            node[path] = old
            return old
        }
        paths.append(path)
        children.append([])
        own.append([])
        children[parent].append(n)
        return n
    }

    /// Every module path, for patterns and suggestions: the root `""` only when some op
    /// sits there itself (a pattern never stands for the whole model; `module: ""` does).
    var namedPaths: ArraySlice<String> { own[0].isEmpty ? paths.dropFirst() : paths[...] }

    /// Whether `path` is a module path of the graph (or `""`).
    func contains(_ path: String) -> Bool { node[path] != nil }

    /// The ops whose module path is exactly `path`.
    func ownOps(of path: String) -> [Int] { node[path].map { own[$0] } ?? [] }

    /// The ops at `path` or under it, in graph order; nil for an unknown path.
    func ops(under path: String) -> [Int]? {
        guard let start = node[path] else { return nil }
        var out: [Int] = []
        var stack = [start]
        while let n = stack.popLast() {
            out += own[n]
            stack += children[n]
        }
        out.sort()
        var unique: [Int] = []
        unique.reserveCapacity(out.count)
        for k in out where unique.last != k { unique.append(k) }
        return unique
    }
}
