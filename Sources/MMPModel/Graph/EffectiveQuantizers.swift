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
    /// Sorted quantizer indices per op output.
    private let perOutput: [[[Int]]]
    private let graph: SimGraph

    public init(_ graph: SimGraph) {
        self.graph = graph
        var perOutput = Array(repeating: [[Int]](), count: graph.ops.count)
        func tensor(_ id: Int) -> [Int] {
            guard case .op(let p, let j) = graph.source[id: id], j < perOutput[p].count else { return [] }
            return perOutput[p][j]
        }
        for k in graph.topologicalOrder {
            let outputs = graph.outputSlots[k], inputs = graph.inputSlots[k]
            var outs: [[Int]] = []
            outs.reserveCapacity(outputs.count)
            var through: [Int]? = nil
            for j in outputs.indices {
                if let q = outputs[j] {
                    outs.append([q])
                    continue
                }
                if through == nil {
                    // A transparent op passes on what governs its inputs: their union.
                    func governing(_ i: Int) -> [Int] { inputs[i].map { [$0] } ?? tensor(graph.inputTensor(op: k, input: i)) }
                    if inputs.count == 1 {
                        through = governing(0)
                    } else {
                        var union: [Int] = []
                        for i in inputs.indices { union += governing(i) }
                        union.sortAndRemoveDuplicates()
                        through = union
                    }
                }
                outs.append(through ?? [])
            }
            perOutput[k] = outs
        }
        self.perOutput = perOutput
    }

    /// `eff(T)`: the quantizers that last quantized tensor `T`.
    public func of(tensor: String) -> [Int] {
        guard case .op(let p, let j)? = graph.source[tensor] else { return [] }
        return perOutput[p][j]
    }

    /// `eff(T)` for the tensor with id `tensorID`.
    public func of(tensorID: Int) -> [Int] {
        guard case .op(let p, let j) = graph.source[id: tensorID] else { return [] }
        return perOutput[p][j]
    }

    /// `eff(L, i)`: the quantizers governing what op `L` reads at input `i`.
    public func of(op: Int, input: Int) -> [Int] {
        if let q = graph.inputSlots[op][input] { return [q] }
        guard case .op(let p, let j) = graph.source[id: graph.inputTensor(op: op, input: input)] else { return [] }
        return perOutput[p][j]
    }
}
