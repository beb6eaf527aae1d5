/// The quantizer in each slot of one kind — inputs, outputs or params — of every op:
/// `table[op][slot]` is a quantizer, or nil for an unquantized slot.
///
/// Stored flat, one array of slots and one of where each op's begin, rather than an array
/// per op: a million-op graph has three tables, and an array per op and table would be
/// three million small heap objects to allocate, count references to and free.
public struct SlotTable: Sendable, RandomAccessCollection {
    public typealias Indices = Range<OpID>
    /// Op `k`'s slots are `slots[start[k] ..< start[k + 1]]`.
    private var start: [Int] = [0]
    /// The quantizer index of each slot; `none` for an empty slot.
    private var slots: [Int] = []
    private static let none = -1

    public init() {}

    /// Room for `ops` ops of `slots` slots in all.
    package mutating func reserveCapacity(ops: Int, slots count: Int) {
        start.reserveCapacity(ops + 1)
        slots.reserveCapacity(count)
    }

    /// Appends the slots of the next op.
    package mutating func append<S: Sequence<QuantizerID?>>(op quantizers: S) {
        for q in quantizers {
            precondition(q.map { $0.rawValue >= 0 } ?? true, "SlotTable: a quantizer index is never negative")
            slots.append(q?.rawValue ?? Self.none)
        }
        start.append(slots.count)
    }

    public var startIndex: OpID { 0 }
    public var endIndex: OpID { OpID(start.count - 1) }

    /// The slots of op `op`.
    public subscript(op: OpID) -> Slots {
        precondition(op >= startIndex && op < endIndex, "SlotTable: op \(op) out of range")
        return Slots(slots: slots, range: start[op.rawValue]..<start[op.rawValue + 1])
    }

    /// The quantizer in slot `slot` of op `op`, to read or to set.
    public subscript(op: OpID, slot: Int) -> QuantizerID? {
        get {
            let e = start[op.rawValue] + slot
            precondition(slot >= 0 && e < start[op.rawValue + 1], "SlotTable: op \(op) has no slot \(slot)")
            let q = slots[e]
            return q == Self.none ? nil : QuantizerID(q)
        }
        set {
            let e = start[op.rawValue] + slot
            precondition(slot >= 0 && e < start[op.rawValue + 1], "SlotTable: op \(op) has no slot \(slot)")
            precondition(newValue.map { $0.rawValue >= 0 } ?? true, "SlotTable: a quantizer index is never negative")
            slots[e] = newValue?.rawValue ?? Self.none
        }
    }

    /// One op's slots, numbered from 0: a view into the table, not a copy.
    public struct Slots: Sendable, RandomAccessCollection, Equatable {
        fileprivate let slots: [Int]
        fileprivate let range: Range<Int>

        public var startIndex: Int { 0 }
        public var endIndex: Int { range.count }

        public subscript(slot: Int) -> QuantizerID? {
            precondition(slot >= 0 && slot < range.count, "SlotTable: slot \(slot) out of range")
            let q = slots[range.lowerBound + slot]
            return q == SlotTable.none ? nil : QuantizerID(q)
        }

        public static func == (a: Slots, b: Slots) -> Bool { a.elementsEqual(b) }
    }
}
