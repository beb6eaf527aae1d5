/// The quantizer that writes what each op produces (contract §4): its own output
/// quantizer, or when it has none there, its *fused output*.
///
/// A `Conv` fused with the `Relu` after it has no output quantizer of its own; the
/// group's output quantizer sits on the `Relu`. The chain follows the tensor while its
/// only reader is an op with one activation input, one output, no input quantizer on
/// that edge and no quantized param, and answers the first such op's output
/// quantizer. It stops — no fused output — at a model output, at a tensor with several
/// readers (or none), and at a reader that quantizes its input or holds a quantized
/// param: what comes after is no longer this layer's output.
///
/// Computed for every op output at once, in reverse topological order: each output's
/// answer is its reader's, so a long chain of fused ops costs one pass, not one walk
/// per op (a whole-model request on a chain of a million would otherwise be quadratic).
public struct OutputWriters: Sendable {
    /// Per tensor: the writing quantizer and the tensor it writes, or nil.
    private let quantizer: IDArray<TensorID, QuantizerID?>
    private let written: IDArray<TensorID, TensorID?>
    private let graph: SimGraph

    public init(_ graph: SimGraph) {
        self.graph = graph
        var quantizer = IDArray<TensorID, QuantizerID?>(repeating: nil, count: graph.source.count)
        var written = IDArray<TensorID, TensorID?>(repeating: nil, count: graph.source.count)
        for k in graph.topologicalOrder.reversed() {
            for j in graph.outputSlots[k].indices {
                let t = graph.outputTensor(op: k, output: j)
                if let q = graph.outputSlots[k][j] {
                    quantizer[t] = q
                    written[t] = t
                    continue
                }
                guard !graph.isModelOutput(tensor: t) else { continue }
                let readers = graph.consumers[id: t]
                guard readers.count == 1, let r = readers.first?.op, Self.isFusedAfter(r, in: graph) else { continue }
                // The reader comes later in topological order: its answer is known.
                let next = graph.outputTensor(op: r, output: 0)
                quantizer[t] = quantizer[next]
                written[t] = written[next]
            }
        }
        self.quantizer = quantizer
        self.written = written
    }

    /// An op that a layer before it may be fused with: one input it does not quantize,
    /// one output, no quantized param.
    private static func isFusedAfter(_ r: OpID, in graph: SimGraph) -> Bool {
        graph.inputSlots[r].count == 1 && graph.outputSlots[r].count == 1 && graph.inputSlots[r][0] == nil
            && !graph.paramSlots[r].contains { $0 != nil }
    }

    /// The quantizer writing op `op`'s output `output`, with the id of the tensor it
    /// writes; nil when that output has neither its own quantizer nor a fused output.
    public subscript(op op: OpID, output output: Int) -> (quantizer: QuantizerID, tensor: TensorID)? {
        let t = graph.outputTensor(op: op, output: output)
        guard let q = quantizer[t], let w = written[t] else { return nil }
        return (q, w)
    }
}
