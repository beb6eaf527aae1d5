/// The (activation, weight) dtype pairs a backend can run, per op type (contract §6),
/// as an AIMET quantsim config's `supported_kernels` lists them.
public struct KernelRules: Sendable, Equatable {
    /// One supported kernel. `param` is nil when the config entry names no param.
    public struct Kernel: Hashable, Sendable, CustomStringConvertible {
        public var activation: DType
        public var param: DType?
        public init(activation: DType, param: DType?) {
            self.activation = activation
            self.param = param
        }
        public var description: String { "(\(activation), \(param?.description ?? "-"))" }
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
    public var op: Int
    /// `eff(op, 0)`: every quantizer that governs the op's first input; never empty.
    public var activations: [Int]
    /// The op's quantized `weight`, if any.
    public var weight: Int?
    /// The config's kernel list, as given (for reports).
    public var kernels: [KernelRules.Kernel]
    /// Pairs accepted: the config's kernels plus the pair(s) the op has in the given sim.
    public var allowed: Set<KernelRules.Kernel>

    /// Whether the dtypes `activation` (of one of ``activations``) and `weight` satisfy the rule.
    public func allows(activation: DType, weight w: DType?) -> Bool {
        allowed.contains(.init(activation: activation, param: w))
    }

    /// Binds `rules` to every op of `graph` that has a kernel list.
    public static func bind(_ rules: KernelRules, to graph: SimGraph, effective: EffectiveQuantizers) -> [KernelConstraint] {
        var out: [KernelConstraint] = []
        for (k, op) in graph.ops.enumerated() {
            guard let kernels = rules.kernels(forType: op.type) else { continue }
            let acts = op.inputs.isEmpty ? [] : effective.of(op: k, input: 0)
            let w = op.params.firstIndex { $0.name == "weight" }.flatMap { graph.paramSlots[k][$0] }
            // A first input nobody quantizes runs a float kernel: the list does not apply.
            if acts.isEmpty { continue }
            var allowed: Set<KernelRules.Kernel> = []
            for kernel in kernels {
                // An entry without a param allows any weight dtype with that activation only
                // when the op has no weight; with a weight it cannot match.
                allowed.insert(w == nil ? .init(activation: kernel.activation, param: nil) : kernel)
            }
            let given = w.map { graph.quantizers[$0].dtype }
            for a in acts { allowed.insert(.init(activation: graph.quantizers[a].dtype, param: given)) }
            out.append(KernelConstraint(op: k, activations: acts, weight: w, kernels: kernels, allowed: allowed))
        }
        return out
    }
}
