/// The ids of a graph's ops, quantizers, tensors and edges (see ``TypedID``).

/// An op (leaf layer) of a graph: its position in op order.
public struct OpID: TypedID {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
}

/// A quantizer of a graph: its position in the `quantizers` list.
public struct QuantizerID: TypedID {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
}

/// A tensor of a graph: model inputs first, then each op's outputs in op order.
public struct TensorID: TypedID {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
}

/// An activation input edge of a graph (op `k`, input `i`): every op's inputs in op order,
/// numbered as one list.
public struct EdgeID: TypedID {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
}
