/// The (activation, weight) dtype pairs a backend can run, per op type (contract §6),
/// as an AIMET quantsim config's `supported_kernels` lists them.
public struct KernelRules: Sendable, Equatable {
    /// One supported kernel. `param` is nil when the config entry names no param.
    public struct Kernel: Hashable, Sendable, CustomStringConvertible {
        public var activation: DType
        public var param: DType?
        /// Per-input kernels (contract §6, an extension of AIMET's schema): one dtype per
        /// activation input in order, nil for any; nil for AIMET's form (input 0 only).
        public var inputs: [DType?]?
        /// The dtype of the op's output quantizer (or its fused output), if the entry names one.
        public var output: DType?
        public init(activation: DType, param: DType?, inputs: [DType?]? = nil, output: DType? = nil) {
            self.activation = activation
            self.param = param
            self.inputs = inputs
            self.output = output
        }
        /// Whether the entry is of the extended form (per input, or naming the output).
        public var isExtended: Bool { inputs != nil || output != nil }
        public var description: String {
            guard isExtended else { return "(\(activation), \(param?.description ?? "-"))" }
            let ins = (inputs ?? [activation]).map { $0?.description ?? "any" }.joined(separator: " × ")
            return "(\(ins); weight \(param?.description ?? "-")\(output.map { "; output \($0)" } ?? ""))"
        }
    }

    /// Kernels for op types without an entry of their own (`defaults.supported_kernels`).
    public var defaults: [Kernel]?
    /// Kernels per op type (`op_type.<type>.supported_kernels`).
    public var perType: [String: [Kernel]]

    public init(defaults: [Kernel]? = nil, perType: [String: [Kernel]] = [:]) {
        self.defaults = defaults
        self.perType = perType
    }

    /// No rules: every pair is allowed.
    public static let none = KernelRules()

    /// The kernel list governing ops of `type`, if any.
    public func kernels(forType type: String) -> [Kernel]? { perType[type] ?? defaults }
}

/// A kernel rule bound to one op of a graph: which quantizers it couples and which
/// dtype pairs are allowed.
public struct KernelConstraint: Sendable, Equatable {
    public var op: OpID
    /// `eff(op, 0)`: every quantizer that governs the op's first input; never empty.
    public var activations: [QuantizerID]
    /// The op's quantized `weight`, if any.
    public var weight: QuantizerID?
    /// The config's kernel list, as given (for reports).
    public var kernels: [KernelRules.Kernel]
    /// Pairs accepted: the config's kernels plus the pair(s) the op has in the given sim.
    public var allowed: Set<KernelRules.Kernel>
    /// For a list with per-input or output entries: the combinations the op may run, each
    /// slot's allowed dtypes (nil: any) — the config's entries and the given sim's own.
    public var combinations: [Combination]? = nil

    /// What one combination allows at each slot of the op: each activation input, the
    /// weight, the output.
    public struct Combination: Sendable, Equatable {
        public var inputs: [Set<DType>?]
        public var weight: Set<DType>?
        public var output: Set<DType>?
    }

    /// The quantizers of each slot a per-input rule reads: each input's `eff`, and the
    /// op's output quantizer or fused output.
    public var inputQuantizers: [[QuantizerID]] = []
    public var outputQuantizers: [QuantizerID] = []

    /// Every quantizer the rule binds (a quantizer may appear more than once): what parts,
    /// explanations and convert candidates couple through it.
    package var quantizers: [QuantizerID] {
        activations + (weight.map { [$0] } ?? []) + inputQuantizers.flatMap { $0 } + outputQuantizers
    }

    /// A per-input rule's slots as text, `(int8 × fp16; weight int8; output int16)`: each
    /// input's and the output's quantizers spelt by `slot`, the weight as `weight`.
    package func slotText(_ slot: ([QuantizerID]) -> String, weight: String) -> String {
        var text = "(" + inputQuantizers.map(slot).joined(separator: " × ") + "; weight \(weight)"
        if !outputQuantizers.isEmpty { text += "; output \(slot(outputQuantizers))" }
        return text + ")"
    }

    /// Whether an assignment keeps the rule: some allowed combination admits every
    /// quantizer of every slot (for AIMET's form, every pair of input 0 and weight).
    public func holds(_ dtype: (QuantizerID) -> DType) -> Bool {
        guard let combinations else {
            let w = weight.map(dtype)
            return activations.allSatisfy { allows(activation: dtype($0), weight: weight == $0 ? dtype($0) : w) }
        }
        return combinations.contains { c in
            func ok(_ qs: [QuantizerID], _ allowed: Set<DType>?) -> Bool {
                allowed.map { a in qs.allSatisfy { a.contains(dtype($0)) } } ?? true
            }
            return inputQuantizers.indices.allSatisfy { i in ok(inputQuantizers[i], i < c.inputs.count ? c.inputs[i] : nil) }
                && ok(weight.map { [$0] } ?? [], c.weight) && ok(outputQuantizers, c.output)
        }
    }

    /// Whether the dtypes `activation` (of one of ``activations``) and `weight` satisfy the rule.
    public func allows(activation: DType, weight w: DType?) -> Bool {
        allowed.contains(.init(activation: activation, param: w))
    }

    /// Binds `rules` to every op of `graph` that has a kernel list.
    public static func bind(
        _ rules: KernelRules, to graph: SimGraph, effective: EffectiveQuantizers, writers: OutputWriters? = nil
    ) -> [KernelConstraint] {
        var out: [KernelConstraint] = []
        // Fields are read in place: a copy of each op would retain and release its dozen
        // strings and arrays, a million times over.
        let weight = graph.names.find("weight")
        // Each op type's list, looked up once per type.
        var listOfType: [NameID: [KernelRules.Kernel]?] = [:]
        for k in graph.opIDs {
            let type = graph.opTypes[k]
            if listOfType[type] == nil { listOfType[type] = .some(rules.kernels(forType: graph.names[type])) }
            guard let kernels = listOfType[type] ?? nil else { continue }
            if kernels.contains(where: \.isExtended) {
                if let c = extended(kernels, op: k, graph: graph, effective: effective, writers: writers) { out.append(c) }
                continue
            }
            let acts = graph.inputCount(op: k) == 0 ? [] : effective.of(op: k, input: 0)
            let w = graph.paramSlot(op: k, named: weight).flatMap { graph.paramSlots[k][$0] }
            // A first input nobody quantizes runs a float kernel: the list does not apply.
            if acts.isEmpty { continue }
            var allowed: Set<KernelRules.Kernel> = []
            for kernel in kernels {
                // An entry without a param allows any weight dtype with that activation only
                // when the op has no weight; with a weight it cannot match.
                allowed.insert(w == nil ? .init(activation: kernel.activation, param: nil) : kernel)
            }
            let given = w.map { graph.dtypes[$0] }
            for a in acts { allowed.insert(.init(activation: graph.dtypes[a], param: given)) }
            out.append(KernelConstraint(op: k, activations: acts, weight: w, kernels: kernels, allowed: allowed))
        }
        return out
    }

    /// A list with per-input or output entries, bound to op `k`: every slot's quantizers
    /// and the allowed combinations, the given sim's own among them.
    private static func extended(
        _ kernels: [KernelRules.Kernel], op k: OpID, graph: SimGraph, effective: EffectiveQuantizers, writers: OutputWriters?
    ) -> KernelConstraint? {
        let op = graph.ops[k]
        // Only the slots some entry names are constrained (and couple quantizers): an
        // input past every entry's list or always null, a weight no entry names, an output
        // no entry names take any dtype.
        let lists = kernels.map { e -> [DType?] in e.inputs ?? [e.activation] }
        let inputs = op.inputs.indices.map { i -> [QuantizerID] in
            lists.contains { i < $0.count && $0[i] != nil } ? effective.of(op: k, input: i) : []
        }
        // No quantized input: the op runs a float kernel, the list does not apply.
        guard op.inputs.indices.contains(where: { !effective.of(op: k, input: $0).isEmpty }) else { return nil }
        let w = op.params.firstIndex { $0.name == "weight" }.flatMap { graph.paramSlots[k][$0] }
        let weightNamed = w != nil && kernels.contains { $0.param != nil }
        var outputs: [QuantizerID] = []
        if kernels.contains(where: { $0.output != nil }) {
            for j in op.outputs.indices {
                if let q = graph.outputSlots[k][j] ?? writers?[op: k, output: j]?.quantizer { outputs.append(q) }
            }
        }
        var combinations = kernels.map { e -> Combination in
            let ins: [DType?] = e.inputs ?? [e.activation]
            return Combination(
                inputs: inputs.indices.map { i in inputs[i].isEmpty || i >= ins.count ? nil : ins[i].map { [$0] } },
                weight: weightNamed ? e.param.map { [$0] } : nil, output: outputs.isEmpty ? nil : e.output.map { [$0] })
        }
        // The sim as configured is valid: its own dtypes are a combination too.
        let given = { (qs: [QuantizerID]) -> Set<DType>? in qs.isEmpty ? nil : Set(qs.map { graph.dtypes[$0] }) }
        combinations.append(
            Combination(
                inputs: inputs.map(given), weight: weightNamed ? w.map { [graph.dtypes[$0]] } : nil, output: given(outputs)))
        var c = KernelConstraint(
            op: k, activations: inputs.first { !$0.isEmpty } ?? effective.of(op: k, input: 0), weight: weightNamed ? w : nil,
            kernels: kernels, allowed: [])
        c.combinations = combinations
        c.inputQuantizers = inputs
        c.outputQuantizers = outputs
        return c
    }
}
