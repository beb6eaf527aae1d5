import CFileSupport
import Foundation
import MMPModel

/// Reading inputs and writing outputs: inputs are only ever read, and never more of
/// them than a model can be; outputs are checked, staged and put in place all at once
/// (``OutputCommit``), so a failed or killed run leaves no partial file behind.
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
        package var isText: Bool { self != .binary }
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
        // Read into room that is not zeroed first (a sim file is hundreds of megabytes:
        // zeroing it would be a pass over all of it before the read's own). A regular file
        // fits the first room; a pipe, or a file that grew, gets a larger one.
        var bytes: [UInt8] = []
        var room = min(size, limit + 1)
        var failure: Int32? = nil, holdsNul = false
        while true {
            let old = bytes
            var ended = false
            bytes = [UInt8](unsafeUninitializedCapacity: room) { buffer, initialized in
                var filled = buffer.initialize(fromContentsOf: old)
                while filled < buffer.count, let base = buffer.baseAddress {
                    let n = posixRead(fd, base + filled, buffer.count - filled)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        break
                    }
                    if n == 0 {
                        ended = true
                        break
                    }
                    // The first bytes tell a text file from a binary one or a device.
                    if kind.isText, filled < 4096, buffer[filled..<min(filled + n, 4096)].contains(0) {
                        holdsNul = true
                        filled += n
                        break
                    }
                    filled += n
                }
                initialized = filled
            }
            if let failure { throw .io("cannot read '\(path)': \(String(cString: strerror(failure)))") }
            if holdsNul {
                // An ONNX model starts with its IR version (protobuf field 1, a varint).
                let hint = kind == .sim && bytes[0] == 0x08 ? "; it looks like an ONNX model: read it with --onnx" : ""
                throw .io("cannot read '\(path)': it is not a text file (it holds NUL bytes)\(hint)")
            }
            if ended { break }
            // One byte past the limit is enough to know the input is too large.
            if bytes.count > limit { throw tooLarge() }
            room = bytes.count + min(bytes.count, limit + 1 - bytes.count)
        }
        let count = bytes.count
        if count > limit { throw tooLarge() }
        // A UTF-8 byte-order mark (editors on Windows write one) is not part of the text.
        if kind.isText, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes
    }

    /// The regular file at `path` mapped instead of read (see ``MappedFile``), or nil when
    /// ``read(_:as:)`` should read it: not a regular file, empty, over `kind`'s limit, or a
    /// text input whose first bytes hold a NUL byte or a byte-order mark — that reader
    /// reports or handles each of these.
    public static func map(_ path: String, as kind: InputKind) -> MappedFile? {
        guard let file = MappedFile(path: path, limit: kind.limit) else { return nil }
        if kind.isText {
            let unusual = file.withBytes { b in b.prefix(4096).contains(0) || b.starts(with: [0xEF, 0xBB, 0xBF]) }
            if unusual { return nil }
        }
        return file
    }

    public static func readText(_ path: String, as kind: InputKind = .text) throws(MMPError) -> String {
        let bytes = try read(path, as: kind)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .io("'\(path)' is not UTF-8 text") }
        return text
    }

    /// The canonical form of a path, for telling whether two paths are one file.
    package static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
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

    /// Writes every `(path, contents)` and removes every path in `removing` (a stale
    /// output of an earlier run) — all of them, or, if any step fails, none: the files
    /// are as they were. Refuses to touch any of `inputs`, to write one file twice, and to
    /// replace anything that is not a regular file.
    ///
    /// How the files are put in place is ``OutputCommit``'s: the directory's set is
    /// replaced in one atomic step. A destination that is a device or a pipe (`/dev/null`,
    /// `/dev/stdout`) is written through, last, never replaced; a symbolic link is
    /// followed, so the file it names is replaced and the link stays.
    ///
    /// `creating` names a directory to create first (with its parents), once every
    /// destination has been checked; on failure the directories it made are removed again.
    public static func commit(
        _ files: [(path: String, contents: OutputContents)], removing: [String] = [],
        creating directory: String? = nil, protecting inputs: [String]
    ) throws(MMPError) {
        let kinds = try destinations(files.map(\.path), protecting: inputs)
        var replaced: [(path: String, contents: OutputContents)] = [], through: [(path: String, contents: OutputContents)] = []
        for (f, kind) in zip(files, kinds) {
            switch kind {
            case .replaced(let real): replaced.append((real, f.contents))
            case .writtenThrough: through.append((f.path, f.contents))
            }
        }
        let protected = Set(inputs.map(canonical))
        var stale: [String] = []
        for path in removing {
            let real = canonical(path)
            if protected.contains(real) { throw .io("refusing to remove '\(path)': it is one of the inputs") }
            var st = stat()
            if lstat(real, &st) == 0 {
                guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io("cannot remove '\(path)': it is not a regular file") }
                stale.append(real)
            }
        }
        try OutputCommit(replaced: replaced, through: through, stale: stale, directory: directory.map(canonical)).run()
    }

    /// How a destination is written: a regular file (or a new one) is replaced at its
    /// canonical path; a device, pipe or socket is written through.
    package enum Destination {
        case replaced(String)
        case writtenThrough
    }

    /// Checks that `paths` may be written by one run — none is an input, none is named
    /// twice, none is a directory, a dangling link or another kind of file that cannot be
    /// replaced — and says how each is written. Callers that must make something costly
    /// first (the SVG) check before making it.
    public static func checkDestinations(_ paths: [String], protecting inputs: [String]) throws(MMPError) {
        _ = try destinations(paths, protecting: inputs)
    }

    package static func destinations(_ paths: [String], protecting inputs: [String]) throws(MMPError) -> [Destination] {
        let protected = Set(inputs.map(canonical))
        var seen = Set<String>()
        var out: [Destination] = []
        for path in paths {
            let real = canonical(path)
            if protected.contains(real) { throw .io("refusing to write '\(path)': it is one of the inputs") }
            if !seen.insert(real).inserted { throw .io("refusing to write '\(path)' twice: two outputs of this run name it") }
            var st = stat()
            if stat(path, &st) == 0 {
                switch st.st_mode & S_IFMT {
                case S_IFREG: out.append(.replaced(real))
                case S_IFDIR: throw .io("cannot write '\(path)': it is a directory")
                case S_IFCHR, S_IFIFO, S_IFSOCK: out.append(.writtenThrough)
                default: throw .io("cannot write '\(path)': it is not a regular file")
                }
            } else if lstat(path, &st) == 0 {
                throw .io("cannot write '\(path)': it is a symbolic link that leads nowhere")
            } else {
                out.append(.replaced(real))
            }
        }
        return out
    }

    /// Writes `contents` to a new file at `path`; the reason on failure.
    ///
    /// A new file's data is flushed to disk before it returns (`fdatasync`): it is about to
    /// replace the old one, and a crash must not leave an empty file in its place.
    package static func writeContents(_ contents: OutputContents, to path: String, create: Bool = true) -> String? {
        let fd = create ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644) : open(path, O_WRONLY)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var failure: String? = nil
        // Bytes written, and how far writeback to disk has been started: a new file's
        // pages go to disk as it grows, so its closing fdatasync waits for the last few.
        var written = 0, flushed = 0
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
            written += buffer.count
            if create, written - flushed >= writebackStep {
                mmp_start_writeback(fd, Int64(flushed), Int64(written - flushed))
                flushed = written
            }
            return true
        }
        switch contents {
        case .bytes(let bytes): _ = bytes.withUnsafeBufferPointer(emit)
        case .encoded(let encode): _ = encode().withUnsafeBufferPointer(emit)
        case .chunks(let produce): produce(emit)
        }
        if create, failure == nil, fdatasync(fd) != 0 { failure = String(cString: strerror(errno)) }
        return failure
    }
}

/// How many bytes of a new output file are written before their writeback to disk is started.
private let writebackStep = 8 << 20

/// POSIX `write`, named apart from Swift's `write` functions in scope.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// POSIX `read` into a buffer (nil only for an empty buffer).
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    guard let buffer else { return 0 }
    return read(fd, buffer, count)
}
