/// What one request asks of one place in the graph (contract §5): the quantizers that
/// govern that place should hold `dtype`.
public struct Target: Sendable, Equatable {
    /// The place a target speaks about. For each origin only the latest request's target
    /// survives; that is how a later request overrides an earlier one, even across APIs.
    public enum Origin: Hashable, Sendable, CustomStringConvertible {
        /// What op `op` reads at activation input `input`.
        case edge(op: OpID, input: Int)
        /// Param `name` of op `op`.
        case param(op: OpID, name: String)
        /// What op `op` writes at output `output`.
        case output(op: OpID, output: Int)
        /// Model output `index`, when its producer has no output quantizer.
        case modelOutput(Int)

        public var description: String {
            switch self {
            case let .edge(op, input): return "edge(op \(op), input \(input))"
            case let .param(op, name): return "param(op \(op), \(name))"
            case let .output(op, output): return "output(op \(op), output \(output))"
            case let .modelOutput(k): return "model output \(k)"
            }
        }
    }

    /// Explicit targets are what the user asked for; derived ones follow from them (a
    /// layer's output quantizer demoted with it, or set because it is a model output).
    public enum Tier: String, Sendable { case explicit, derived }

    public var origin: Origin
    /// The quantizers, sorted, that must hold `dtype` for the target to be met.
    public var quantizers: [QuantizerID]
    public var dtype: DType
    public var tier: Tier
    /// The request that produced it.
    public var request: RequestID
}
