/// A position in a read-only byte buffer: the sim reader's one window on the file's bytes.
/// Every byte it looks at is read here, through accessors that check the position (with
/// `assert`s in debug builds and bounds-checked reads everywhere), in the manner of
/// swift-collections' `Heap` keeping its unsafe handle apart from its logic.
struct ByteCursor {
    /// The whole file. The buffer outlives the cursor: the reader runs inside
    /// `withUnsafeBufferPointer` of the bytes it was given.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read; `bytes.count` at the end.
    private(set) var position: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int = 0) {
        precondition(position >= 0 && position <= bytes.count, "cursor outside its buffer")
        self.bytes = bytes
        self.position = position
    }

    var count: Int { bytes.count }
    var atEnd: Bool { position >= bytes.count }

    /// The byte at the position plus `offset`, or nil past the end.
    func peek(_ offset: Int = 0) -> UInt8? {
        let k = position + offset
        return k < bytes.count ? bytes[k] : nil
    }

    /// Moves past `n` bytes, which must exist.
    mutating func advance(by n: Int = 1) {
        assert(n >= 0 && position + n <= bytes.count, "cursor moved past its buffer")
        position += n
    }

    /// Moves to `offset` (a place another reader found), within the buffer.
    mutating func move(to offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count, "cursor moved outside its buffer")
        position = offset
    }

    /// Moves past whitespace.
    mutating func skipSpace() {
        while let c = peek(), c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
    }

    /// Moves past bytes while `predicate` holds.
    mutating func skip(while predicate: (UInt8) -> Bool) {
        while let c = peek(), predicate(c) { position += 1 }
    }

    /// The length of the plain string starting at the position plus `offset` — ASCII
    /// without escapes or control bytes — up to its closing quote (not included); nil when
    /// a byte that is none of these comes first, or the buffer ends. Eight bytes are
    /// looked at in one step: names are most of a sim file.
    func plainStringLength(from offset: Int) -> Int? {
        let start = position + offset
        guard start >= 0, let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var k = start
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while k + 8 <= bytes.count {
            let w = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            // A byte of `x` is zero exactly when its bit in `zero(x)` is set (no false
            // positives below the first zero byte, which is all the scan needs).
            func zero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
            let special = zero(w ^ (ones &* 0x22)) | zero(w ^ (ones &* 0x5C)) | ((w &- ones &* 0x20) & ~w & highs) | (w & highs)
            if special != 0 {
                let at = k + special.trailingZeroBitCount / 8
                return bytes[at] == 0x22 ? at - start : nil
            }
            k += 8
        }
        while k < bytes.count {
            let byte = bytes[k]
            if byte == 0x22 { return k - start }
            if byte == 0x5C || byte < 0x20 || byte >= 0x80 { return nil }
            k += 1
        }
        return nil
    }

    /// The bytes from `start` up to the position.
    func slice(from start: Int) -> UnsafeBufferPointer<UInt8> {
        assert(start >= 0 && start <= position, "slice outside what the cursor read")
        return UnsafeBufferPointer(rebasing: bytes[start..<position])
    }

    /// The bytes of `range`, which lies within the buffer.
    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        assert(range.lowerBound >= 0 && range.upperBound <= bytes.count, "slice outside the buffer")
        return UnsafeBufferPointer(rebasing: bytes[range])
    }
}
