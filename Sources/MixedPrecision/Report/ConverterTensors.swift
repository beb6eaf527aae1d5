import MMPFormats
import MMPModel
import MMPSolving

/// Which quantizer encodes each activation tensor of an ONNX model's plan, for the
/// converter files (`overrides.json`, `ort_quant_overrides.json`).
///
/// - A quantized tensor: its own quantizer (a model input's, tied across its readers; an
///   op output's).
/// - An output of a grid-preserving op without a quantizer of its own (``ConverterFacts/gridPreserving``:
///   a `Reshape`, a `MaxPool` the config leaves unquantized): it holds values of its
///   inputs, so it is on their grid — the quantizers its inputs are on, through any chain
///   of such ops. A converter that finds no entry there guesses (falls back to float, or
///   calibrates a new encoding); the files write the inputs' encoding instead.
/// - A tensor inside a supergroup (the `Conv` output a fused `Relu` reads): the group's
///   output quantizer (contract §4, the op's fused output), which ONNX Runtime needs
///   (it quantizes that tensor unless it removes the activation) and QNN does not (the
///   backend runs the group as one kernel).
/// - Any other tensor has no quantizer: the config leaves it in float.
struct ConverterTensors {
    enum Source: Equatable {
        case own(QuantizerID)
        /// The quantizers whose grid the tensor is on (sorted).
        case propagated([QuantizerID])
        /// The supergroup's output quantizer.
        case fused(QuantizerID)
    }

    /// Every activation tensor that has a source: model inputs, then each op's outputs,
    /// in topological order.
    let tensors: [(name: String, source: Source)]
    /// The quantizers in param slots (weights, biases), in quantizer order.
    let params: [QuantizerID]

    init(_ plan: Plan, facts: ConverterFacts) {
        let graph = plan.graph
        var tensors: [(name: String, source: Source)] = []
        /// The quantizers each tensor is on, for tensors on a known grid.
        var grid: [String: [QuantizerID]] = [:]
        var readersOf: [String: [QuantizerID]] = [:]
        for k in graph.opIDs {
            for (i, t) in graph.ops[k].inputs.enumerated() { if let q = graph.inputSlots[k][i] { readersOf[t, default: []].append(q) } }
        }
        for t in graph.inputs {
            var qs = readersOf[t] ?? []
            qs.sortAndRemoveDuplicates()
            // A model input is quantized in its readers' input slots, one tied quantizer.
            guard qs.count == 1 else { continue }
            grid[t] = qs
            tensors.append((t, .own(qs[0])))
        }
        let writers = OutputWriters(graph)
        for k in graph.topologicalOrder {
            let op = graph.ops[k]
            for (j, t) in op.outputs.enumerated() {
                if let q = graph.outputSlots[k][j] {
                    grid[t] = [q]
                    tensors.append((t, .own(q)))
                } else if facts.fused.contains(t) {
                    if let w = writers[op: k, output: j] { tensors.append((t, .fused(w.quantizer))) }
                } else if ConverterFacts.gridPreserving.contains(op.type) {
                    var on: [QuantizerID] = []
                    var known = !op.inputs.isEmpty
                    for (i, input) in op.inputs.enumerated() {
                        if let q = graph.inputSlots[k][i] {
                            on.append(q)
                        } else if let qs = grid[input] {
                            on += qs
                        } else {
                            known = false
                        }
                    }
                    guard known else { continue }
                    on.sortAndRemoveDuplicates()
                    grid[t] = on
                    tensors.append((t, .propagated(on)))
                }
            }
        }
        self.tensors = tensors
        var isParam = IDArray<QuantizerID, Bool>(repeating: false, count: graph.quantizerCount)
        for slots in graph.paramSlots { for q in slots { if let q { isParam[q] = true } } }
        params = isParam.indices.filter { isParam[$0] }
    }

    /// The quantizers a source speaks for.
    static func quantizers(_ source: Source) -> [QuantizerID] {
        switch source {
        case .own(let q), .fused(let q): return [q]
        case .propagated(let qs): return qs
        }
    }
}
