import Foundation
import MMPModel

/// A regular input file mapped read-only into memory, instead of read into an array.
///
/// A 1M-quantizer sim file is some 400 MB. Read into an array, those bytes sit in the
/// process's own memory from the read to the write-back — a quarter of the peak. Mapped,
/// they are the kernel's page cache: the reader gives back the pages it has passed
/// (``release(_:)``), and the write-back maps them again as it copies them.
///
/// The file is not expected to change while mmp runs (it is an input: no output may
/// replace it). Were it rewritten in place, the mapping would show the new bytes.
public final class MappedFile: @unchecked Sendable {
    /// The mapping; immutable, so threads may read it at once.
    private let base: UnsafeRawPointer
    /// The file's size in bytes, at least 1.
    public let count: Int
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps the regular file `path`, or nil when it is not one, is empty or larger than
    /// `limit`, or cannot be mapped (the caller then reads it, and reports why not).
    package init?(path: String, limit: Int) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0, st.st_size <= limit else { return nil }
        let size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        base = UnsafeRawPointer(p)
        count = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }

    /// Calls `body` with the file's bytes, valid only during the call.
    package func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// Gives back the memory of the whole pages inside `range`: they are dropped from the
    /// process and mapped again from the page cache if read again, with the same bytes.
    package func release(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "MappedFile.release: range outside the file")
        let page = Self.pageSize
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound == count ? count : range.upperBound / page * page
        guard start < end else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// The bytes as an array (for the general parser, when the streaming reader declines).
    package var array: [UInt8] { withBytes { Array($0) } }
}
