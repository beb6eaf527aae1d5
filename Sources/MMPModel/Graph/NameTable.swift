/// Names — of ops, tensors, quantizers, modules, params, op types — each distinct spelling
/// stored once in one byte arena and known by its number, a ``NameID``.
///
/// A million-quantizer sim file holds some six million names. As `String`s each would be
/// a heap object to allocate, count references to and free, and hashing them into
/// dictionaries was a quarter of reading such a file. Here a name is bytes appended to
/// one array, found again through an open-addressing table of numbers; the graph's own
/// lookups (the tensor an edge reads, the quantizer a slot names) then index flat arrays
/// by name number, with no hashing at all.
///
/// The hash is seeded once per process: a file crafted so that its names collide under
/// one seed does not under another, so no input can make the table quadratic. The seed
/// never shows in a result: numbers are handed out in the order names are first seen.
public struct NameTable: Sendable {
    /// The names read first.
    private var main = NameSegment()
    /// Names absorbed from another table, numbered from `extraBase` on. A name of `extra`
    /// that `main` holds too keeps `main`'s number: its number in `extra` is never handed
    /// out (lookups try `main` first), so every spelling still has one number.
    private var extra: NameSegment?
    private var extraBase = 0

    /// At most this many names (a bucket's low 32 bits hold a number plus one).
    public static let capacityLimit = Int(UInt32.max) - 1

    public init() {}

    /// The number of names, counting the numbers an absorbed table's repeated names
    /// would have had: arrays indexed by name number are this long.
    public var count: Int { extra.map { extraBase + $0.count } ?? main.count }

    /// Room for `names` more names of `bytes` bytes in all.
    public mutating func reserveCapacity(names: Int, bytes byteCount: Int) {
        if extra == nil {
            main.reserveCapacity(names: names, bytes: byteCount)
        } else {
            extra?.reserveCapacity(names: names, bytes: byteCount)
        }
    }

    /// The number of the name spelt `name`, added if new; nil only past ``capacityLimit``.
    public mutating func intern(_ name: UnsafeBufferPointer<UInt8>) -> NameID? {
        let h = NameSegment.hash(name)
        if let found = find(name, hash: h) { return found }
        guard count < Self.capacityLimit else { return nil }
        guard var more = extra else { return main.add(name, hash: h) }
        extra = nil  // so that `more` is the only owner, and grows in place
        let id = more.add(name, hash: h)
        extra = more
        return NameID(extraBase + id.rawValue)
    }

    /// The number of `name`, added if new; nil only past ``capacityLimit``.
    public mutating func intern(_ name: String) -> NameID? {
        var name = name
        return name.withUTF8 { intern($0) }
    }

    /// The number of the name spelt `name`, if it is in the table.
    public func find(_ name: UnsafeBufferPointer<UInt8>) -> NameID? { find(name, hash: NameSegment.hash(name)) }

    /// The number of `name`, if it is in the table.
    public func find(_ name: String) -> NameID? {
        var name = name
        return name.withUTF8 { find($0) }
    }

    private func find(_ name: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> NameID? {
        if let found = main.find(name, hash: h) { return found }
        return extra?.find(name, hash: h).map { NameID(extraBase + $0.rawValue) }
    }

    /// The segment holding name `id`, and its number there.
    @inline(__always)
    private func locate(_ id: NameID) -> (NameSegment, NameID) {
        guard let extra, id.rawValue >= extraBase else { return (main, id) }
        return (extra, NameID(id.rawValue - extraBase))
    }

    /// The spelling of name `id`.
    public subscript(id: NameID) -> String {
        let (segment, local) = locate(id)
        return segment[local]
    }

    /// Whether name `id` is spelt `name`.
    public func spells(_ id: NameID, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let (segment, local) = locate(id)
        return segment.spells(local, name)
    }

    /// Calls `body` with the bytes of name `id` (valid only inside the call).
    public func withSpelling<R>(of id: NameID, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let (segment, local) = locate(id)
        return try segment.withSpelling(of: local, body)
    }

    /// The length of name `id` in UTF-8 bytes.
    public func utf8Count(of id: NameID) -> Int {
        let (segment, local) = locate(id)
        return segment.utf8Count(of: local)
    }

    /// Takes in every name of `other` and returns, for each of `other`'s numbers, the
    /// number it has here: how two readers' tables become one.
    ///
    /// The first time, `other`'s names are kept as they are, as a second segment: each is
    /// only looked up here (on all cores — the lookups only read), never placed again. A
    /// table that has absorbed one already adds the names one by one.
    public mutating func absorb(_ other: NameTable) -> [NameID]? {
        guard count + other.count <= Self.capacityLimit else { return nil }
        guard extra == nil, other.extra == nil else {
            var remap: [NameID] = []
            remap.reserveCapacity(other.count)
            for k in 0..<other.count {
                guard let id = other.withSpelling(of: NameID(k), { intern($0) }) else { return nil }
                remap.append(id)
            }
            return remap
        }
        let theirs = other.main, mine = main, base = main.count
        let runs = Parallel.chunks(theirs.count, parts: theirs.count >= 1 << 14 ? 4 : 1)
        let parts = Parallel.map(runs.count) { r in
            runs[r].map { k -> NameID in
                let name = NameID(k)
                return theirs.withSpelling(of: name) { mine.find($0, hash: theirs.hashes[k]) } ?? NameID(base + k)
            }
        }
        extra = theirs
        extraBase = base
        return parts.flatMap { $0 }
    }
}

/// One table of names: the bytes, the ends, the hashes and the index. A ``NameTable`` is
/// one segment, or two after it absorbed another reader's table.
struct NameSegment: Sendable {
    /// The spellings, one after another: name `k` is `bytes[start(k) ..< ends[k]]`.
    private(set) var bytes: [UInt8] = []
    private(set) var ends: [Int] = []
    /// The hash of each name, kept so that growing the table or absorbing another never
    /// reads a spelling again.
    private(set) var hashes: [UInt64] = []
    /// The table: per bucket, 0 when empty, else the high 32 bits of the name's hash and
    /// its number plus one in the low 32 (so most probes of another name stop without
    /// reading its spelling). Its count is a power of two, at most half full.
    private var buckets: [UInt64] = []

    /// The number of distinct names.
    var count: Int { ends.count }

    /// Room for `names` names of `bytes` bytes in all.
    mutating func reserveCapacity(names: Int, bytes byteCount: Int) {
        bytes.reserveCapacity(byteCount)
        ends.reserveCapacity(names)
        hashes.reserveCapacity(names)
        if 2 * names > buckets.count { rehash(minimumBuckets: 2 * names) }
    }

    /// The spelling of name `id`.
    subscript(id: NameID) -> String {
        let range = self.range(id)
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Whether name `id` is spelt `name`.
    func spells(_ id: NameID, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let range = self.range(id)
        guard range.count == name.count else { return false }
        return bytes.withUnsafeBufferPointer { Self.equal(UnsafeBufferPointer(rebasing: $0[range]), name) }
    }

    /// Calls `body` with the bytes of name `id` (valid only inside the call).
    func withSpelling<R>(of id: NameID, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let range = self.range(id)
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The length of name `id` in UTF-8 bytes.
    func utf8Count(of id: NameID) -> Int { range(id).count }

    // MARK: The table

    func range(_ id: NameID) -> Range<Int> {
        precondition(id.rawValue >= 0 && id.rawValue < ends.count, "NameSegment: no name \(id.rawValue)")
        return (id.rawValue == 0 ? 0 : ends[id.rawValue - 1])..<ends[id.rawValue]
    }

    func find(_ name: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> NameID? {
        guard !buckets.isEmpty else { return nil }
        let tag = h & Self.tagMask
        return buckets.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { arena in
                let mask = table.count - 1
                var b = Int(truncatingIfNeeded: h) & mask
                while true {
                    let entry = table[b]
                    if entry == 0 { return nil }
                    if entry & Self.tagMask == tag {
                        let k = Int(entry & Self.numberMask) - 1
                        let start = k == 0 ? 0 : ends[k - 1]
                        if ends[k] - start == name.count, Self.equal(UnsafeBufferPointer(rebasing: arena[start..<ends[k]]), name) {
                            return NameID(k)
                        }
                    }
                    b = (b + 1) & mask
                }
            }
        }
    }

    mutating func add(_ name: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> NameID {
        if 2 * (count + 1) > buckets.count { rehash(minimumBuckets: max(64, 4 * (count + 1))) }
        let k = count
        bytes.append(contentsOf: name)
        ends.append(bytes.count)
        hashes.append(h)
        place(k, hash: h)
        return NameID(k)
    }

    private mutating func place(_ k: Int, hash h: UInt64) {
        let entry = (h & Self.tagMask) | UInt64(k + 1)
        buckets.withUnsafeMutableBufferPointer { table in
            let mask = table.count - 1
            var b = Int(truncatingIfNeeded: h) & mask
            while table[b] != 0 { b = (b + 1) & mask }
            table[b] = entry
        }
    }

    private mutating func rehash(minimumBuckets: Int) {
        var size = 64
        while size < minimumBuckets { size <<= 1 }
        guard size > buckets.count else { return }
        buckets = Array(repeating: 0, count: size)
        for k in 0..<count { place(k, hash: hashes[k]) }
    }

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000
    private static let numberMask: UInt64 = 0x0000_0000_FFFF_FFFF

    // MARK: Hashing

    /// Chosen once per process (see the type's comment).
    private static let seed = UInt64.random(in: 1...UInt64.max)

    /// A 64-bit hash of the bytes, eight at a time: multiply-and-fold mixing, finished so
    /// that both the bucket (low bits) and the tag (high bits) depend on every byte.
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = seed ^ (UInt64(b.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = b.baseAddress else { return finish(h) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < b.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < b.count {
                tail |= UInt64(b[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        return finish(h)
    }

    private static func finish(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }

    /// Whether two spellings of equal length are equal, eight bytes at a time.
    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        assert(a.count == b.count, "NameTable.equal: lengths differ")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return a.count == b.count }
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var i = 0
        while i + 8 <= a.count {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < a.count {
            if pa[i] != pb[i] { return false }
            i += 1
        }
        return true
    }
}

/// The number of a name in a ``NameTable``.
public struct NameID: Hashable, Sendable, Comparable {
    public let rawValue: Int
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public static func < (a: NameID, b: NameID) -> Bool { a.rawValue < b.rawValue }
}
