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
