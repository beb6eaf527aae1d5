/// Names for the parts of a plan in the graph's own vocabulary, shared by the JSON
/// plan and the text log.
extension Plan {
    func quantizerName(_ q: Int) -> String { graph.quantizers[q].name }

    func opName(_ k: Int) -> String { graph.ops[k].name }

    /// `input 0 of op 'conv1'`, `param 'weight' of op 'conv1'`, `model output 0 'y'`.
    func describe(_ origin: Target.Origin) -> String {
        switch origin {
        case let .edge(op, i): return "input \(i) of op '\(opName(op))'"
        case let .param(op, name): return "param '\(name)' of op '\(opName(op))'"
        case let .output(op, j): return "output \(j) of op '\(opName(op))'"
        case let .modelOutput(k): return "model output \(k) '\(graph.outputs[k])'"
        }
    }

    func json(_ origin: Target.Origin) -> JSONValue {
        switch origin {
        case let .edge(op, i): return .object([("kind", .string("edge")), ("op", .string(opName(op))), ("input", .int(i))])
        case let .param(op, name): return .object([("kind", .string("param")), ("op", .string(opName(op))), ("param", .string(name))])
        case let .output(op, j): return .object([("kind", .string("output")), ("op", .string(opName(op))), ("output", .int(j))])
        case let .modelOutput(k): return .object([("kind", .string("model-output")), ("index", .int(k)), ("tensor", .string(graph.outputs[k]))])
        }
    }

    /// Why quantizer `q` changed when no request asked it to: each rule or preference
    /// that would break if `q` alone went back to its given dtype.
    public func ruleReasons(for q: Int) -> [String] {
        var reverted = dtypes
        reverted[q] = previous[q]
        var why: [String] = []
        for g in problem.homogeneity where g.quantizers.contains(q) {
            if Set(g.quantizers.map { reverted[$0] }).count > 1 {
                why.append("keeps op '\(opName(g.op))' reading its inputs at one dtype")
            }
        }
        for kc in problem.kernels where kc.activations.contains(q) || kc.weight == q {
            let w = kc.weight.map { reverted[$0] }
            if kc.activations.contains(where: { !kc.allows(activation: reverted[$0], weight: kc.weight == $0 ? reverted[$0] : w) }) {
                let pair = "(\(kc.activations.map { dtypes[$0].description }.joined(separator: "/")), \(kc.weight.map { dtypes[$0].description } ?? "-"))"
                why.append("op '\(opName(kc.op))' needs a supported kernel: runs \(pair)")
            }
        }
        return why.isEmpty ? ["no request asked; an equally good plan"] : why
    }
}
