/// Requests turned into targets (contract §5): which ops each request selected, which
/// targets survive the per-origin override, which were overridden and by whom.
public struct Resolution: Sendable {
    /// A target replaced by a later request on the same origin.
    public struct Overridden: Sendable, Equatable {
        public var target: Target
        public var by: RequestID
    }

    public let requests: IDArray<RequestID, Request>
    /// Surviving targets, ordered by request then by the order they were produced.
    public let targets: [Target]
    public let overridden: [Overridden]
    /// The ops each `set_precision` request selected (empty for the model-level requests).
    public let selectedOps: IDArray<RequestID, [OpID]>
    /// Things worth telling about each request: params skipped because they are not
    /// quantized, inputs that have no quantizer.
    public let notes: IDArray<RequestID, [String]>
    /// Things the user most likely got wrong but that do not stop the plan, per request:
    /// a param name that no selected op has. Printed on stderr as well as reported.
    public let warnings: IDArray<RequestID, [String]>
    /// Every warning, each naming its request, for printing.
    public var warningLines: [String] {
        requests.indices.flatMap { r in warnings[r].map { "request \(r) (\(echo(requests[r].description, limit: 300))): \($0)" } }
    }
    /// Ops that keep their inputs as their latest `set_precision` spelled them out (see
    /// ``HomogeneityGroup``).
    public let inputsAsSpelled: Set<OpID>

    /// Resolves `requests` against `graph`.
    public init(requests: [Request], graph: SimGraph, effective: EffectiveQuantizers) throws(MMPError) {
        try self.init(requests: requests, graph: graph, effective: effective, selection: LayerSelection(graph))
    }

    /// Resolves `requests` against `graph`, selecting layers with `selection` (built for `graph`).
    ///
    /// Each request is expanded on its own — on all cores, as a list of steps — and the
    /// steps are then applied in request order, which is where later requests override
    /// earlier ones.
    package init(requests list: [Request], graph: SimGraph, effective: EffectiveQuantizers, selection: LayerSelection) throws(MMPError) {
        let requests = IDArray<RequestID, Request>(list)
        self.requests = requests
        var selection = selection
        selection.prepare(for: list)
        // Without "did you mean" hints: many requests may name unknown paths, and only the
        // first is reported (with its hints, below).
        selection.suggestsPaths = false
        let prepared = selection
        // What each layer writes, once for all requests: only layer requests that set
        // activations need it.
        let setsActivations = list.contains { request in
            if case .setPrecision(_, .some, _) = request { return true }
            return false
        }
        let writers = setsActivations ? OutputWriters(graph) : nil
        let runs = Parallel.runs(requests.count)
        let expanded = Parallel.map(runs.count) { run in
            var out: [Result<Expansion, MMPError>] = []
            out.reserveCapacity(runs[run].count)
            for r in Range<RequestID>(ids: runs[run]) {
                out.append(
                    Result { () throws(MMPError) in
                        try Expansion(
                            request: requests[r], index: r, graph: graph, effective: effective, selection: prepared,
                            writers: writers)
                    })
            }
            return out
        }.joined()

        var latest = LatestTargets(graph)  // origin → index into `all`
        var all: [Target] = []
        var overridden: [Overridden] = []
        var selected = IDArray<RequestID, [OpID]>()
        var notes = IDArray<RequestID, [String]>()
        var warnings = IDArray<RequestID, [String]>()
        selected.reserveCapacity(requests.count)
        notes.reserveCapacity(requests.count)
        warnings.reserveCapacity(requests.count)
        for (r, result) in zip(requests.indices, expanded) {
            if case .failure = result {
                // The error reported, made again with its hints.
                var hinted = prepared
                hinted.suggestsPaths = true
                _ = try Expansion(
                    request: requests[r], index: r, graph: graph, effective: effective, selection: hinted, writers: writers)
            }
            let expansion = try result.get()
            for step in expansion.steps {
                switch step {
                case .add(let t):
                    if let old = latest.updateValue(all.count, forKey: t.origin) { overridden.append(.init(target: all[old], by: r)) }
                    all.append(t)
                case .dropDerived(let origin):
                    // A later request on the layer that sets no output target still replaces
                    // an earlier request's derived one: the later request wins the layer.
                    if let old = latest[origin], all[old].tier == .derived {
                        overridden.append(.init(target: all[old], by: r))
                        latest[origin] = nil
                    }
                }
            }
            selected.append(expansion.ops)
            notes.append(expansion.notes)
            warnings.append(expansion.warnings)
        }
        var surviving = Array(repeating: false, count: all.count)
        for k in latest.targets { surviving[k] = true }
        self.targets = all.indices.filter { surviving[$0] }.map { all[$0] }
        self.overridden = overridden
        self.selectedOps = selected
        self.notes = notes
        self.warnings = warnings
        self.inputsAsSpelled = Self.opsKeepingInputsAsSpelled(requests, selected: selected, opCount: graph.opCount)
    }

    /// The ops whose latest `set_precision` that sets activations spelled their inputs out
    /// with a list holding `null` or several dtypes. Such a layer was told what to read at
    /// each input, and `null` means "leave this one alone": homogeneity must not pull
    /// those inputs along (contract §6).
    private static func opsKeepingInputsAsSpelled(
        _ requests: IDArray<RequestID, Request>, selected: IDArray<RequestID, [OpID]>, opCount: Int
    ) -> Set<OpID> {
        func spellsOut(_ a: ActivationPrecision?) -> Bool? {
            guard let a else { return nil }  // sets no activation: says nothing about inputs
            guard case .each(let list) = a else { return false }
            return list.contains(nil) || Set(list.compactMap { $0 }).count > 1
        }
        // Most request files hold no such list: then no op needs a mark.
        guard requests.contains(where: { if case .setPrecision(_, let a, _) = $0 { spellsOut(a) == true } else { false } }) else {
            return []
        }
        var marked = IDArray<OpID, Bool>(repeating: false, count: opCount)
        for (r, request) in zip(requests.indices, requests) {
            guard case .setPrecision(_, let a, _) = request, let spelled = spellsOut(a) else { continue }
            for k in selected[r] { marked[k] = spelled }
        }
        return Set(marked.indices.filter { marked[$0] })
    }

    /// What one request says on its own, before overrides: the ops it selected, notes,
    /// and the targets it sets, in order.
    private struct Expansion {
        enum Step {
            case add(Target)
            /// The request covers this output but sets no target on it.
            case dropDerived(Target.Origin)
        }

        var ops: [OpID] = []
        var notes: [String] = []
        var warnings: [String] = []
        var steps: [Step] = []

        init(
            request: Request, index r: RequestID, graph: SimGraph, effective: EffectiveQuantizers,
            selection: LayerSelection, writers: OutputWriters?
        ) throws(MMPError) {
            func context() -> String { "request \(r) (\(echo(request.description, limit: 300)))" }
            func add(_ t: Target) { steps.append(.add(t)) }
            switch request {
            case let .setPrecision(selector, activation, params):
                var selection = selection
                do { ops = try selection.ops(for: selector) } catch { throw .invalidRequest("\(context()): \(error.message)") }
                if ops.isEmpty, case .moduleType(let t) = selector {
                    let near = selection.typeSuggestions(for: t)
                    if !near.isEmpty {
                        warnings.append(
                            "module_type '\(echo(t))' selects no op; did you mean " + near.map { "'\($0)'" }.joined(separator: ", ") + "?")
                    }
                }
                // A param no selected op has is most likely a typo, but AIMET applies the rest
                // of such a request (its own tests pass `weight` for an `Add`): so does mmp.
                for p in params where !ops.isEmpty && !ops.contains(where: { k in graph.paramSlot(op: k, named: p.name) != nil }) {
                    warnings.append(
                        "no selected op has a param named '\(echo(p.name))'" + Resolution.closestParams(to: p.name, of: ops, in: graph))
                }
                for k in ops {
                    // Fields are read where they are: copying a whole op costs a reference
                    // count per field, for every op a request selects.
                    func name() -> String { graph.opName(k) }
                    if let activation {
                        let inputCount = graph.inputCount(op: k)
                        if case .each(let list) = activation, list.count != inputCount {
                            throw .invalidRequest(
                                "\(context()): 'activation' lists \(list.count) dtypes but op '\(name())' has \(inputCount) activation inputs"
                            )
                        }
                        for i in 0..<inputCount {
                            guard let d = activation.dtype(at: i) else { continue }
                            let qs = effective.of(op: k, input: i)
                            if qs.isEmpty { notes.append("op '\(name())' input \(i) is not quantized"); continue }
                            add(Target(origin: .edge(op: k, input: i), quantizers: qs, dtype: d, tier: .explicit, request: r))
                        }
                        // The outputs follow the layer — its own output quantizer, or the fused
                        // group's after it: demoted with it, or set when they write a model output.
                        // The layer's outputs are claimed either way (contract §5).
                        let d = Resolution.outputDType(activation)
                        for j in graph.outputSlots[k].indices {
                            if let d, let out = writers?[op: k, output: j],
                                graph.isModelOutput(tensor: out.tensor) || d < graph.dtypes[out.quantizer]
                            {
                                add(
                                    Target(
                                        origin: .output(op: k, output: j), quantizers: [out.quantizer], dtype: d, tier: .derived, request: r
                                    ))
                            } else {
                                steps.append(.dropDerived(.output(op: k, output: j)))
                            }
                        }
                    }
                    for p in params {
                        guard let slot = graph.paramSlot(op: k, named: p.name) else { continue }
                        guard let q = graph.paramSlots[k][slot] else {
                            notes.append("op '\(name())' param '\(p.name)' is not quantized; skipped")
                            continue
                        }
                        add(Target(origin: .param(op: k, name: p.name), quantizers: [q], dtype: p.dtype, tier: .explicit, request: r))
                    }
                }
            case .setModelInputPrecision(let activation):
                // A request that can reach nothing must not read as honoured.
                if graph.inputs.isEmpty { throw .invalidRequest("\(context()): the model has no inputs") }
                if case .each(let list) = activation, list.count != graph.inputs.count {
                    throw .invalidRequest("\(context()): lists \(list.count) dtypes but the model has \(graph.inputs.count) inputs")
                }
                for (k, t) in graph.inputs.enumerated() {
                    guard let d = activation.dtype(at: k) else { continue }
                    let edges = graph.quantizedReaders(ofModelInput: k)
                    if edges.isEmpty { throw .invalidRequest("\(context()): model input \(k) '\(t)' is not quantized") }
                    for e in edges {
                        guard let q = graph.inputSlots[e.op][e.input] else { preconditionFailure("a quantized reader without a quantizer") }
                        add(Target(origin: .edge(op: e.op, input: e.input), quantizers: [q], dtype: d, tier: .explicit, request: r))
                    }
                }
            case .setModelOutputPrecision(let activation):
                if graph.outputs.isEmpty { throw .invalidRequest("\(context()): the model has no outputs") }
                if case .each(let list) = activation, list.count != graph.outputs.count {
                    throw .invalidRequest("\(context()): lists \(list.count) dtypes but the model has \(graph.outputs.count) outputs")
                }
                for (k, t) in graph.outputs.enumerated() {
                    guard let d = activation.dtype(at: k) else { continue }
                    if case .op(let p, let j)? = graph.source[t], let q = graph.outputSlots[p][j] {
                        add(Target(origin: .output(op: p, output: j), quantizers: [q], dtype: d, tier: .explicit, request: r))
                    } else {
                        let qs = effective.of(tensor: t)
                        if qs.isEmpty { throw .invalidRequest("\(context()): model output \(k) '\(t)' is not quantized") }
                        add(Target(origin: .modelOutput(k), quantizers: qs, dtype: d, tier: .explicit, request: r))
                    }
                }
            }
        }
    }

    /// The latest target of each origin, in one flat array with a slot per input edge,
    /// output, param and model output: a large model has a million origins, too many to hash.
    private struct LatestTargets {
        private let graph: SimGraph
        private let outputStart: [Int], paramStart: [Int]
        private let outputBase: Int, paramBase: Int, modelOutputBase: Int
        private var slots: [Int]

        init(_ graph: SimGraph) {
            self.graph = graph
            func starts(_ table: SlotTable) -> [Int] {
                var s = [0]
                s.reserveCapacity(table.count + 1)
                for row in table { s.append(s[s.count - 1] + row.count) }
                return s
            }
            outputStart = starts(graph.outputSlots)
            paramStart = starts(graph.paramSlots)
            outputBase = graph.edgeCount
            paramBase = outputBase + (outputStart.last ?? 0)
            modelOutputBase = paramBase + (paramStart.last ?? 0)
            slots = Array(repeating: -1, count: modelOutputBase + graph.outputs.count)
        }

        private func slot(_ origin: Target.Origin) -> Int {
            switch origin {
            case let .edge(op, input): return graph.edge(op: op, input: input).rawValue
            case let .output(op, output): return outputBase + outputStart[op.rawValue] + output
            case let .param(op, name):
                // A param origin is made from one of the op's params: it is always there.
                guard let p = graph.paramSlot(op: op, named: name) else {
                    preconditionFailure("param origin '\(name)' of op \(op), which has no such param")
                }
                return paramBase + paramStart[op.rawValue] + p
            case let .modelOutput(k): return modelOutputBase + k
            }
        }

        subscript(origin: Target.Origin) -> Int? {
            get { let k = slots[slot(origin)]; return k >= 0 ? k : nil }
            set { slots[slot(origin)] = newValue ?? -1 }
        }

        /// Sets the latest target of `origin`, returning the one it replaces.
        mutating func updateValue(_ target: Int, forKey origin: Target.Origin) -> Int? {
            let s = slot(origin)
            let old = slots[s]
            slots[s] = target
            return old >= 0 ? old : nil
        }

        /// Every origin's latest target.
        var targets: [Int] { slots.filter { $0 >= 0 } }
    }

    /// `; closest: 'a', 'b'` — up to three param names of `ops` nearest to `name` — or
    /// a note that they have none.
    package static func closestParams(to name: String, of ops: [OpID], in graph: SimGraph) -> String {
        var names = Set<String>()
        for k in ops { for p in graph.ops[k].params { names.insert(p.name) } }
        if names.isEmpty { return "; the selected ops have no params" }
        let near = LayerSelection.closest(to: Array(name.utf8.prefix(512)), among: names, limit: Int.max) { Array($0.utf8.prefix(512)) }
        return "; closest: " + near.map { "'\($0)'" }.joined(separator: ", ")
    }

    /// The dtype a layer's outputs are asked for: the single dtype, or the one dtype every
    /// non-null list entry agrees on. Mixed lists say nothing about outputs.
    package static func outputDType(_ a: ActivationPrecision) -> DType? {
        switch a {
        case .all(let d): return d
        case .each(let list):
            let named = Set(list.compactMap { $0 })
            return named.count == 1 ? named.first : nil
        }
    }
}

extension MMPError {
    /// The message without the category prefix.
    package var message: String {
        switch self {
        case .invalidSim(let m), .invalidRequest(let m), .invalidModel(let m), .invalidConfig(let m), .io(let m), .solver(let m): return m
        }
    }
}
