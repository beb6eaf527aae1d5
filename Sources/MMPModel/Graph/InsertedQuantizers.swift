/// An input quantizer a plan adds to an edge whose slot was empty (`--insert-converts`,
/// contract §11): the convert that lets a request on that edge hold without changing the
/// shared quantizer upstream, which every other reader of the tensor sees.
public struct InsertedQuantizer: Sendable, Equatable {
    /// The op whose input slot it fills, and which input.
    public var op: OpID
    public var input: Int
    /// `<op>.input_quantizers.<input>`, or — when a quantizer of the sim already has that
    /// name — the same with `#2`, `#3`, … appended.
    public var name: String
    /// The quantizer it requantizes: the first of those that quantized the tensor the edge
    /// reads. A write-back copies its settings (all but the dtype) into the new one.
    public var requantizes: QuantizerID

    public init(op: OpID, input: Int, name: String, requantizes: QuantizerID) {
        self.op = op
        self.input = input
        self.name = name
        self.requantizes = requantizes
    }
}

extension SimGraph {
    /// The same graph with a new input quantizer on each edge of `edges`: appended after
    /// the given quantizers (so every existing index keeps its meaning), each holding the
    /// given dtype of the quantizer it requantizes, and named by the edge's op slot.
    ///
    /// Every edge must have an empty input slot and read a quantized tensor
    /// (`effective.of(tensorID:)` not empty); the caller chooses them so, and a violation
    /// is a bug, not an input error. Nothing else of the graph changes: tensors, edges and
    /// the order stay valid as they are.
    package func inserting(
        inputQuantizersAt edges: [(op: OpID, input: Int)], effective: EffectiveQuantizers
    ) -> (graph: SimGraph, inserted: [InsertedQuantizer]) {
        var graph = self
        var inserted: [InsertedQuantizer] = []
        inserted.reserveCapacity(edges.count)
        for (op, input) in edges {
            precondition(graph.inputSlots[op][input] == nil, "an inserted quantizer needs an empty slot")
            guard let upstream = effective.of(tensorID: inputTensor(op: op, input: input)).first else {
                preconditionFailure("an inserted quantizer requantizes a quantized tensor")
            }
            let base = "\(opName(op)).input_quantizers.\(input)"
            var name = base, n = 1
            while graph.quantizerIndex[name] != nil {
                n += 1
                name = "\(base)#\(n)"
            }
            let q = graph.appendQuantizer(named: name, dtype: dtypes[upstream])
            graph.inputSlots[op, input] = q
            inserted.append(InsertedQuantizer(op: op, input: input, name: name, requantizes: upstream))
        }
        return (graph, inserted)
    }
}
