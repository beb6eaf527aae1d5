import MixedPrecision

/// Builds small sim graphs in tests. Quantizers are named after their slot:
/// `<op>.in<i>`, `<op>.out<j>`, `<op>.<param>`; all start at int8 unless given.
struct GraphBuilder {
    var inputs: [String]
    var outputs: [String] = []
    var ops: [SimGraph.Op] = []
    var quantizers: [SimGraph.Quantizer] = []

    init(inputs: [String] = ["x"]) { self.inputs = inputs }

    /// Registers a quantizer (once) and returns its name.
    @discardableResult
    mutating func quantizer(_ name: String, _ dtype: DType = .int8) -> String {
        if !quantizers.contains(where: { $0.name == name }) { quantizers.append(.init(name: name, dtype: dtype)) }
        return name
    }

    /// Adds an op and returns its first output tensor (`<name>:0`).
    ///
    /// - `quantizeInputs`: indices of inputs with their own input quantizer.
    /// - `inputQuantizers`/`outputQuantizers`: explicit names (for tied slots) override the flags.
    @discardableResult
    mutating func op(
        _ name: String, type: String = "Conv", className: String? = nil, module: String? = nil, modules: [String]? = nil,
        _ inputs: [String], outputs: Int = 1, quantizeInputs: [Int] = [], quantizeOutput: Bool = true,
        inputQuantizers: [String?]? = nil, outputQuantizers: [String?]? = nil,
        params: [String] = [], unquantizedParams: [String] = [], dtype: DType = .int8
    ) -> String {
        let outs = (0..<outputs).map { "\(name):\($0)" }
        let inQ = inputQuantizers ?? inputs.indices.map { quantizeInputs.contains($0) ? "\(name).in\($0)" : nil }
        let outQ = outputQuantizers ?? outs.indices.map { quantizeOutput ? "\(name).out\($0)" : nil }
        for q in inQ + outQ { if let q { quantizer(q, dtype) } }
        var ps: [SimGraph.Param] = []
        for p in params { ps.append(.init(p, quantizer("\(name).\(p)", dtype))) }
        for p in unquantizedParams { ps.append(.init(p, nil)) }
        ops.append(
            SimGraph.Op(
                name: name, type: type, className: className, modules: modules ?? module.map { [$0] }, inputs: inputs,
                outputs: outs, inputQuantizers: inQ, outputQuantizers: outQ, params: ps))
        return outs[0]
    }

    func build() throws -> SimGraph {
        try SimGraph(model: "test", inputs: inputs, outputs: outputs, ops: ops, quantizers: quantizers)
    }
}

extension Plan {
    /// The planned dtype of the quantizer named `name`.
    func dtype(_ name: String) -> DType? {
        graph.quantizerIndex[name].map { dtypes[$0] }
    }

    /// Names of the quantizers that changed, sorted.
    var changedNames: [String] { changed.map { graph.quantizers[$0].name }.sorted() }
}

/// Plans `requests` (request-file YAML) on `graph`.
func plan(
    _ graph: SimGraph, _ yaml: String, rules: KernelRules = .none, mode: Plan.Mode = .strict, options: Planner.Options = .init()
) throws -> Plan {
    let requests = try RequestFile.parse(yaml)
    return try Planner.plan(PlanningProblem(graph: graph, requests: requests, rules: rules), mode: mode, options: options)
}

extension JSONValue {
    var asArray: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
