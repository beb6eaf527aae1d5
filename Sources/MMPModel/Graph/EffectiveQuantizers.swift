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
    /// What last quantized each tensor (by tensor id), in one integer: -1 for nothing, a
    /// quantizer index for one quantizer — nearly every tensor — and `-2 - u` for the
    /// union `unions[u]` of two or more. An array per tensor would be a million small heap
    /// objects for a million-quantizer graph.
    private let perTensor: IDArray<TensorID, Int>
    /// The sets of two or more quantizers, sorted.
    private let unions: [[QuantizerID]]
    private let graph: SimGraph

    public init(_ graph: SimGraph) {
        self.graph = graph
        var perTensor = IDArray<TensorID, Int>(repeating: -1, count: graph.source.count)
        var unions: [[QuantizerID]] = []
        func decode(_ code: Int) -> [QuantizerID] { code >= 0 ? [QuantizerID(code)] : code == -1 ? [] : unions[-2 - code] }
        for k in graph.topologicalOrder {
            let outputs = graph.outputSlots[k], inputs = graph.inputSlots[k]
            var through: Int? = nil
            for j in outputs.indices {
                let id = graph.outputTensor(op: k, output: j)
                if let q = outputs[j] {
                    perTensor[id] = q.rawValue
                    continue
                }
                if through == nil {
                    // A transparent op passes on what governs its inputs: their union.
                    func governing(_ i: Int) -> Int { inputs[i]?.rawValue ?? perTensor[graph.inputTensor(op: k, input: i)] }
                    if inputs.count == 1 {
                        through = governing(0)
                    } else {
                        var union: [QuantizerID] = []
                        for i in inputs.indices { union += decode(governing(i)) }
                        union.sortAndRemoveDuplicates()
                        switch union.count {
                        case 0: through = -1
                        case 1: through = union[0].rawValue
                        default:
                            unions.append(union)
                            through = -1 - unions.count
                        }
                    }
                }
                perTensor[id] = through ?? -1
            }
        }
        self.perTensor = perTensor
        self.unions = unions
    }

    /// The set a code of ``perTensor`` stands for.
    private func decode(_ code: Int) -> [QuantizerID] {
        if code >= 0 { return [QuantizerID(code)] }
        return code == -1 ? [] : unions[-2 - code]
    }

    /// `eff(T)`: the quantizers that last quantized tensor `T`.
    public func of(tensor: String) -> [QuantizerID] {
        guard let id = graph.source.index[tensor] else { return [] }
        return decode(perTensor[id])
    }

    /// `eff(T)` for tensor `tensorID`.
    public func of(tensorID: TensorID) -> [QuantizerID] { decode(perTensor[tensorID]) }

    /// `eff(L, i)`: the quantizers governing what op `L` reads at input `i`.
    public func of(op: OpID, input: Int) -> [QuantizerID] {
        if let q = graph.inputSlots[op, input] { return [q] }
        return decode(perTensor[graph.inputTensor(op: op, input: input)])
    }

    /// Appends `eff(L, i)` to `out`, making no array of its own: passes over every op
    /// gather the quantizers of all its inputs into one reused array.
    package func append(op: OpID, input: Int, to out: inout [QuantizerID]) {
        if let q = graph.inputSlots[op, input] {
            out.append(q)
            return
        }
        let code = perTensor[graph.inputTensor(op: op, input: input)]
        if code >= 0 {
            out.append(QuantizerID(code))
        } else if code != -1 {
            out += unions[-2 - code]
        }
    }
}
