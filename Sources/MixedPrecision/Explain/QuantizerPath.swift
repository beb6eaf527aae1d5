import MMPFormats
import MMPModel
import MMPSolving

enum QuantizerPath {
    /// The steps from `origin` to quantizer `q`, which must be one of the origin's
    /// effective quantizers.
    static func trace(_ origin: Target.Origin, to q: QuantizerID, graph: SimGraph, effective: EffectiveQuantizers) -> [PathStep] {
        switch origin {
        case let .edge(op, input): return edge(op, input, q, graph, effective)
        case let .param(op, name): return [.param(op: op, name: name)]
        case let .output(op, output): return [.outputSlot(op: op, output: output)]
        case let .modelOutput(k): return [.modelOutput(index: k, tensor: graph.outputs[k])] + tensor(graph.outputs[k], q, graph, effective)
        }
    }

    private static func edge(_ op: OpID, _ input: Int, _ q: QuantizerID, _ graph: SimGraph, _ eff: EffectiveQuantizers) -> [PathStep] {
        if graph.inputSlots[op][input] == q { return [.inputSlot(op: op, input: input)] }
        let t = graph.inputTensorName(op: op, input: input)
        return [.reads(op: op, input: input, tensor: t)] + tensor(t, q, graph, eff)
    }

    /// Walks back from a tensor to the slot holding `q`, through transparent producers.
    private static func tensor(_ t: String, _ q: QuantizerID, _ graph: SimGraph, _ eff: EffectiveQuantizers) -> [PathStep] {
        var steps: [PathStep] = []
        var current = t
        // Each step moves to an earlier op in a finite acyclic graph, so this ends.
        while case .op(let p, let j)? = graph.source[current] {
            if graph.outputSlots[p][j] != nil {
                steps.append(.quantizedAt(op: p, output: j))
                return steps
            }
            guard let k = (0..<graph.inputCount(op: p)).first(where: { eff.of(op: p, input: $0).contains(q) }) else { return steps }
            steps.append(.transparent(op: p, input: k))
            if graph.inputSlots[p][k] == q {
                steps.append(.inputSlot(op: p, input: k))
                return steps
            }
            current = graph.inputTensorName(op: p, input: k)
            steps.append(.reads(op: p, input: k, tensor: current))
        }
        return steps
    }

    /// The steps as one readable phrase.
    static func describe(_ steps: [PathStep], graph: SimGraph) -> String {
        func name(_ k: OpID) -> String {
            let op = graph.ops[k]
            guard let module = op.modules.first, module != op.name else { return "'\(op.name)'" }
            return "'\(op.name)' (\(module))"
        }
        return steps.map { step -> String in
            switch step {
            case let .inputSlot(op, i): return "input \(i) of op \(name(op)) has its own quantizer"
            case let .reads(op, i, t): return "input \(i) of op \(name(op)) reads '\(t)'"
            case let .quantizedAt(op, j): return "written by op \(name(op)) (output \(j)), which quantizes it"
            case let .transparent(op, i):
                return "written by op \(name(op)) without an output quantizer, so it passes on what its input \(i) got"
            case let .param(op, n): return "param '\(n)' of op \(name(op))"
            case let .outputSlot(op, j): return "output \(j) of op \(name(op))"
            case let .modelOutput(k, t): return "model output \(k) is '\(t)'"
            }
        }.joined(separator: ", ")
    }
}
