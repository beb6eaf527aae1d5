/// Who quantizes what an op sees (contract §4).
///
/// `eff(op, i)` is the op's own input quantizer when it has one. Otherwise it is whatever
/// quantized the tensor last: the producer's output quantizer, or — when the producer has
/// none in that slot (a fused group member, a reshape, a functional op) — the union of
/// the producer's own effective input quantizers, recursively. A model input without a
/// quantizer contributes nothing.
///
/// Computed once for the whole graph in topological order, so it costs one pass and
/// never recurses.
public struct EffectiveQuantizers: Sendable {
    /// Sorted quantizer indices per tensor.
    private let perTensor: [String: [Int]]
    private let graph: SimGraph

    public init(_ graph: SimGraph) {
        self.graph = graph
        var perTensor: [String: [Int]] = [:]
        perTensor.reserveCapacity(graph.source.count)
        for t in graph.inputs { perTensor[t] = [] }
        for k in graph.topologicalOrder {
            let op = graph.ops[k]
            var seen: [Int]? = nil
            for (j, t) in op.outputs.enumerated() {
                if let q = graph.outputSlots[k][j] {
                    perTensor[t] = [q]
                } else {
                    if seen == nil {
                        var union = Set<Int>()
                        for i in op.inputs.indices {
                            if let q = graph.inputSlots[k][i] { union.insert(q) } else { union.formUnion(perTensor[op.inputs[i]] ?? []) }
                        }
                        seen = union.sorted()
                    }
                    perTensor[t] = seen
                }
            }
        }
        self.perTensor = perTensor
    }

    /// `eff(T)`: the quantizers that last quantized tensor `T`.
    public func of(tensor: String) -> [Int] { perTensor[tensor] ?? [] }

    /// `eff(L, i)`: the quantizers governing what op `L` reads at input `i`.
    public func of(op: Int, input: Int) -> [Int] {
        if let q = graph.inputSlots[op][input] { return [q] }
        return of(tensor: graph.ops[op].inputs[input])
    }
}
