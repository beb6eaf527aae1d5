/// A typed number of one kind of thing: an op, a quantizer, a tensor or an input edge of a
/// ``SimGraph`` (`GraphIDs.swift`), or a request (``RequestID``). Each kind is its own
/// type, so a quantizer can never index the ops, and a function taking an op and a
/// quantizer cannot be called with them swapped — what raw `Int`s allowed everywhere. The
/// number is a position in a list, as swift-collections' `_HeapNode` wraps a heap offset;
/// it costs nothing at run time.
///
/// Ids are `Strideable`, so `graph.ops.indices` and `OpID(0)..<OpID(n)` are ranges to
/// iterate, and integer literals make ids, so tests and fixtures can name the quantizer
/// `3` as they read it in a file listing.
public protocol TypedID: Hashable, Strideable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral
where Stride == Int, IntegerLiteralType == Int {
    /// The position in the list of this kind.
    var rawValue: Int { get }
    init(_ rawValue: Int)
}

extension TypedID {
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    @inlinable public func distance(to other: Self) -> Int { other.rawValue - rawValue }
    @inlinable public func advanced(by n: Int) -> Self { Self(rawValue + n) }
    @inlinable public init(integerLiteral value: Int) { self.init(value) }
    /// The id `n` places after `id`.
    @inlinable public static func + (id: Self, n: Int) -> Self { Self(id.rawValue + n) }
    /// The bare number, as messages and logs have always printed it.
    public var description: String { "\(rawValue)" }
}

/// An array indexed by one kind of id: `dtypes[q]` takes a ``QuantizerID`` and nothing
/// else. A plain array underneath, so passes over every quantizer cost what they did.
public struct IDArray<ID: TypedID, Element>: RandomAccessCollection, MutableCollection {
    public typealias Index = ID
    public typealias Indices = Range<ID>

    /// The elements in id order.
    public var elements: [Element]

    @inlinable public init(_ elements: [Element]) { self.elements = elements }
    @inlinable public init() { elements = [] }
    @inlinable public init(repeating value: Element, count: Int) { elements = Array(repeating: value, count: count) }

    @inlinable public var startIndex: ID { ID(0) }
    @inlinable public var endIndex: ID { ID(elements.count) }
    @inlinable public var count: Int { elements.count }
    @inlinable public var indices: Range<ID> { startIndex..<endIndex }
    @inlinable public func index(after i: ID) -> ID { ID(i.rawValue + 1) }
    @inlinable public func index(before i: ID) -> ID { ID(i.rawValue - 1) }

    @inlinable public subscript(id: ID) -> Element {
        get { elements[id.rawValue] }
        set { elements[id.rawValue] = newValue }
    }

    /// Appends `element`, returning its id.
    @inlinable @discardableResult public mutating func append(_ element: Element) -> ID {
        elements.append(element)
        return ID(elements.count - 1)
    }

    @inlinable public mutating func append(contentsOf other: some Sequence<Element>) { elements.append(contentsOf: other) }
    @inlinable public mutating func reserveCapacity(_ n: Int) { elements.reserveCapacity(n) }
}

extension IDArray: Sendable where Element: Sendable {}
extension IDArray: Equatable where Element: Equatable {}
extension IDArray: Hashable where Element: Hashable {}

extension IDArray: ExpressibleByArrayLiteral {
    @inlinable public init(arrayLiteral elements: Element...) { self.elements = elements }
}

extension IDArray: CustomStringConvertible {
    public var description: String { elements.description }
}

extension Range where Bound: TypedID {
    /// The ids numbered `raw`: a run of a ``Parallel/runs(_:)`` split, as ids.
    @inlinable public init(ids raw: Range<Int>) { self = Bound(raw.lowerBound)..<Bound(raw.upperBound) }
}
