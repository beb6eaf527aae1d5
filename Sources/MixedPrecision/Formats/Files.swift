import Foundation

/// Reading inputs and writing outputs: inputs are only ever read, outputs are written
/// to a temporary file beside their destination and renamed into place, so a failed run
/// leaves no partial file behind.
public enum Files {
    public static func read(_ path: String) throws(MMPError) -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .io("cannot read '\(path)': no such file")
        }
        guard !isDir.boolValue else { throw .io("cannot read '\(path)': it is a directory") }
        // FileHandle rather than FileManager.contents, so pipes (`<(…)`, /dev/stdin) work too.
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io("cannot read '\(path)': permission denied") }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw .io("cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    public static func readText(_ path: String) throws(MMPError) -> String {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .io("'\(path)' is not UTF-8 text") }
        return text
    }

    /// The canonical form of a path, for telling whether two paths are one file.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Replaces the outputs in `directory` as one step: writes every `(name, contents)` and
    /// removes every name in `removing` (a stale output of an earlier run), or — if any
    /// step fails — leaves the directory as it was. Refuses to touch any of `inputs`.
    ///
    /// New contents go to temporary files first; existing outputs are moved aside, the
    /// new files renamed into place, and the moved-aside ones deleted only at the end.
    public static func replaceOutputs(_ files: [(name: String, contents: [UInt8])], removing: [String] = [],
                                      in directory: String, protecting inputs: [String]) throws(MMPError) {
        let protected = Set(inputs.map(canonical))
        for name in files.map(\.name) + removing where protected.contains(canonical(directory + "/" + name)) {
            throw .io("refusing to write '\(directory)/\(name)': it is one of the inputs")
        }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create output directory '\(directory)': \(error.localizedDescription)")
        }
        let tag = "\(ProcessInfo.processInfo.processIdentifier)"
        func path(_ name: String) -> String { directory + "/" + name }
        func temp(_ name: String) -> String { directory + "/." + name + ".tmp-" + tag }
        func aside(_ name: String) -> String { directory + "/." + name + ".old-" + tag }

        var written: [String] = []
        do {
            for f in files {
                try Data(f.contents).write(to: URL(fileURLWithPath: temp(f.name)))
                written.append(f.name)
            }
        } catch {
            for name in written { try? fm.removeItem(atPath: temp(name)) }
            throw .io("cannot write into '\(directory)': \(error.localizedDescription)")
        }

        var movedAside: [String] = [], placed: [String] = []
        func rollBack() {
            for name in placed { try? fm.removeItem(atPath: path(name)) }
            for name in movedAside { _ = rename(aside(name), path(name)) }
            for f in files { try? fm.removeItem(atPath: temp(f.name)) }
        }
        for name in files.map(\.name) + removing where fm.fileExists(atPath: path(name)) {
            guard rename(path(name), aside(name)) == 0 else {
                let reason = String(cString: strerror(errno))
                rollBack()
                throw .io("cannot replace '\(path(name))': \(reason)")
            }
            movedAside.append(name)
        }
        for f in files {
            guard rename(temp(f.name), path(f.name)) == 0 else {
                let reason = String(cString: strerror(errno))
                rollBack()
                throw .io("cannot write '\(path(f.name))': \(reason)")
            }
            placed.append(f.name)
        }
        for name in movedAside { try? fm.removeItem(atPath: aside(name)) }
    }

    /// Writes one file atomically (temporary file, then rename). Refuses to overwrite any of `inputs`.
    public static func write(_ contents: String, to path: String, protecting inputs: [String]) throws(MMPError) {
        let url = URL(fileURLWithPath: path)
        try replaceOutputs([(url.lastPathComponent, Array(contents.utf8))], in: url.deletingLastPathComponent().path, protecting: inputs)
    }
}
