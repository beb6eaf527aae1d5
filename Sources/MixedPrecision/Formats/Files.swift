import Foundation

/// Reading inputs and writing outputs: inputs are only ever read, outputs are written
/// to a temporary file beside their destination and renamed into place, so a failed run
/// leaves no partial file behind.
public enum Files {
    /// What an input may be, for the bound on how much of it is read.
    public enum InputKind: Sendable {
        /// A sim graph: JSON text, at most 2 GiB.
        case sim
        /// An ONNX model, or any binary input: at most 2 GiB (protobuf's own limit).
        case binary
        /// A request file or a quantsim config: text, at most 64 MiB (a million requests
        /// take about 60 MB).
        case text

        /// The most bytes read before giving up.
        public var limit: Int {
            switch self {
            case .sim, .binary: return 2 << 30
            case .text: return 64 << 20
            }
        }

        /// Whether the input is text (so a NUL byte means it is not what it should be).
        var isText: Bool { self != .binary }
    }

    /// Reads the file at `path` whole, refusing one larger than `kind`'s limit.
    ///
    /// A regular file is checked by its size before anything is read. Anything else — a
    /// pipe, a FIFO, a device like `/dev/zero` — is read until it ends or passes the limit;
    /// a text input whose first bytes hold a NUL byte is refused at once (`/dev/zero`,
    /// `/dev/urandom` or a binary file are not JSON or YAML).
    public static func read(_ path: String, as kind: InputKind = .binary) throws(MMPError) -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK {
                throw .io("cannot read '\(path)': it is a symbolic link that leads nowhere (or in a loop)")
            }
            throw .io("cannot read '\(path)': no such file")
        }
        guard !isDir.boolValue else { throw .io("cannot read '\(path)': it is a directory") }
        // POSIX reads straight into the array: no intermediate copy of a large file, and
        // pipes (`<(…)`, /dev/stdin) work too.
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io("cannot read '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let limit = kind.limit
        func tooLarge() -> MMPError {
            .io("cannot read '\(path)': it is larger than \(limit >> 20) MB, the most mmp reads from one input")
        }
        var size = 1 << 16
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            if st.st_size > limit { throw tooLarge() }
            size = Int(st.st_size) + 1
        }
        var bytes = [UInt8](repeating: 0, count: min(size, limit + 1))
        var count = 0
        while true {
            if count == bytes.count {
                // One byte past the limit is enough to know the input is too large.
                if count > limit { throw tooLarge() }
                bytes.append(contentsOf: [UInt8](repeating: 0, count: min(bytes.count, limit + 1 - bytes.count)))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                posixRead(fd, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read '\(path)': \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            // The first bytes tell a text file from a binary one or a device.
            if kind.isText, count < 4096, bytes[count..<min(count + n, 4096)].contains(0) {
                // An ONNX model starts with its IR version (protobuf field 1, a varint).
                let hint = kind == .sim && bytes[0] == 0x08 ? "; it looks like an ONNX model: read it with --onnx" : ""
                throw .io("cannot read '\(path)': it is not a text file (it holds NUL bytes)\(hint)")
            }
            count += n
        }
        if count > limit { throw tooLarge() }
        bytes.removeSubrange(count...)
        return bytes
    }

    public static func readText(_ path: String, as kind: InputKind = .text) throws(MMPError) -> String {
        let bytes = try read(path, as: kind)
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
        try replaceOutputs(files.map { ($0.name, OutputContents.bytes($0.contents)) }, removing: removing, in: directory, protecting: inputs)
    }

    /// What goes into an output file: bytes in memory, bytes made when the file is
    /// written, or a producer that hands them over in chunks (so a large file need not be
    /// held whole).
    public enum OutputContents: Sendable {
        case bytes([UInt8])
        /// Encoded by the thread that writes the file, so files encode and write in parallel.
        case encoded(@Sendable () -> [UInt8])
        /// Calls its argument with each chunk in order; the argument returns false on a write error.
        case chunks(@Sendable (_ emit: (UnsafeBufferPointer<UInt8>) -> Bool) -> Void)
    }

    public static func replaceOutputs(_ files: [(name: String, contents: OutputContents)], removing: [String] = [],
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

        // The temporary files are independent: written on all cores, in the order given
        // (callers put the largest first, so the longest write starts first).
        let jobs = files.map { (path: temp($0.name), contents: $0.contents) }
        let failures = Parallel.map(jobs.count) { k in writeContents(jobs[k].contents, to: jobs[k].path) }
        // The first failure in file order, whichever thread met it first.
        if let reason = failures.lazy.compactMap({ $0 }).first {
            for f in files { try? fm.removeItem(atPath: temp(f.name)) }
            throw .io("cannot write into '\(directory)': \(reason)")
        }

        var movedAside: [String] = [], placed: [String] = []
        func rollBack() {
            for name in placed { try? fm.removeItem(atPath: path(name)) }
            for name in movedAside { _ = rename(aside(name), path(name)) }
            for f in files { try? fm.removeItem(atPath: temp(f.name)) }
        }
        // Only regular files (or links) are ever replaced: a directory in the way is an error,
        // never something to move aside and delete.
        for name in files.map(\.name) + removing {
            var st = stat()
            if lstat(path(name), &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                for f in files { try? fm.removeItem(atPath: temp(f.name)) }
                throw .io("cannot write '\(path(name))': it is a directory")
            }
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
        for name in movedAside { _ = unlink(aside(name)) }
    }

    /// Writes `contents` to a new file at `path`; the reason on failure.
    static func writeContents(_ contents: OutputContents, to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var failure: String? = nil
        func emit(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
            guard failure == nil, let base = buffer.baseAddress else { return failure == nil }
            var offset = 0
            while offset < buffer.count {
                let n = posixWrite(fd, UnsafeRawPointer(base + offset), buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return false
                }
                offset += n
            }
            return true
        }
        switch contents {
        case .bytes(let bytes): _ = bytes.withUnsafeBufferPointer(emit)
        case .encoded(let encode): _ = encode().withUnsafeBufferPointer(emit)
        case .chunks(let produce): produce(emit)
        }
        return failure
    }

    /// Writes one file atomically (temporary file, then rename). Refuses to overwrite any of `inputs`.
    public static func write(_ contents: String, to path: String, protecting inputs: [String]) throws(MMPError) {
        let url = URL(fileURLWithPath: path)
        try replaceOutputs([(url.lastPathComponent, Array(contents.utf8))], in: url.deletingLastPathComponent().path, protecting: inputs)
    }
}

/// POSIX `write`, named apart from ``Files/write(_:to:protecting:)``.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// POSIX `read` into a buffer (nil only for an empty buffer).
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    guard let buffer else { return 0 }
    return read(fd, buffer, count)
}
