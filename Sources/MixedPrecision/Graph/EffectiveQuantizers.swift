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
        func tensor(_ t: String) -> [Int] {
            guard case .op(let p, let j)? = graph.source[t], j < perOutput[p].count else { return [] }
            return perOutput[p][j]
        }
        for k in graph.topologicalOrder {
            let op = graph.ops[k]
            var outs: [[Int]] = []
            outs.reserveCapacity(op.outputs.count)
            var through: [Int]? = nil
            for j in op.outputs.indices {
                if let q = graph.outputSlots[k][j] {
                    outs.append([q])
                    continue
                }
                if through == nil {
                    // A transparent op passes on what governs its inputs: their union.
                    let inputs = op.inputs.indices.map { i in graph.inputSlots[k][i].map { [$0] } ?? tensor(op.inputs[i]) }
                    if inputs.count == 1 {
                        through = inputs[0]
                    } else {
                        var union = Set<Int>()
                        for e in inputs { union.formUnion(e) }
                        through = union.sorted()
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

    /// `eff(L, i)`: the quantizers governing what op `L` reads at input `i`.
    public func of(op: Int, input: Int) -> [Int] {
        if let q = graph.inputSlots[op][input] { return [q] }
        return of(tensor: graph.ops[op].inputs[input])
    }
}
