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
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read '\(path)'") }
        return [UInt8](data)
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

    /// Writes every `(name, contents)` into `directory`: all to temporary files first, then
    /// each renamed over its destination. Refuses to overwrite any of `inputs`.
    public static func writeAll(_ files: [(name: String, contents: String)], into directory: String,
                                protecting inputs: [String]) throws(MMPError) {
        let protected = Set(inputs.map(canonical))
        for f in files where protected.contains(canonical(directory + "/" + f.name)) {
            throw .io("refusing to write '\(directory)/\(f.name)': it is one of the inputs")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create output directory '\(directory)': \(error.localizedDescription)")
        }
        var staged: [(tmp: String, final: String)] = []
        let tag = "\(ProcessInfo.processInfo.processIdentifier)"
        do {
            for f in files {
                let final = directory + "/" + f.name
                let tmp = directory + "/." + f.name + ".tmp-" + tag
                staged.append((tmp, final))
                try Data(f.contents.utf8).write(to: URL(fileURLWithPath: tmp))
            }
        } catch {
            for s in staged { try? FileManager.default.removeItem(atPath: s.tmp) }
            throw .io("cannot write into '\(directory)': \(error.localizedDescription)")
        }
        for s in staged where rename(s.tmp, s.final) != 0 {
            let reason = String(cString: strerror(errno))
            for s in staged { try? FileManager.default.removeItem(atPath: s.tmp) }
            throw .io("cannot write '\(s.final)': \(reason)")
        }
    }

    /// Removes `name` from `directory` if present (a stale output of an earlier run).
    public static func removeStale(_ name: String, in directory: String, protecting inputs: [String]) {
        let path = directory + "/" + name
        guard !Set(inputs.map(canonical)).contains(canonical(path)) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
