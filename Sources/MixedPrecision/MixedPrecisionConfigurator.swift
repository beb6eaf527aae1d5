import MMPFormats
import MMPModel
import MMPSolving

/// The planner's Swift API, shaped like AIMET's `MixedPrecisionConfigurator`: record
/// precision requests in order, then ``apply(strict:)`` to get a plan.
///
/// ```swift
/// var mp = MixedPrecisionConfigurator(sim: graph)
/// mp.setPrecision(module: "features.1.conv.0.0", activation: .int16, param: ["weight": .int16])
/// mp.setPrecision(moduleType: "AvgPool2d", activation: .int16)
/// mp.setModelInputPrecision(.int16)
/// let plan = try mp.apply(strict: true)
/// ```
///
/// Later requests override earlier ones on the same place; strict mode honours every
/// request or reports the conflicts; best-effort honours later requests first.
public struct MixedPrecisionConfigurator: Sendable {
    public let sim: SimGraph
    /// Supported (activation, weight) kernels, from an AIMET quantsim config.
    public var kernelRules: KernelRules
    /// The requests recorded so far, in order.
    public private(set) var requests: [Request]

    public init(sim: SimGraph, kernelRules: KernelRules = .none, requests: [Request] = []) {
        self.sim = sim
        self.kernelRules = kernelRules
        self.requests = requests
    }

    /// Sets the precision of a layer (leaf or not; `""` is the whole model).
    public mutating func setPrecision(module: String, activation: DType? = nil, param: [String: DType] = [:]) {
        record(.module(module), activation.map(ActivationPrecision.all), param)
    }

    /// Sets the precision of a layer, one activation dtype per input (`nil` leaves one alone).
    public mutating func setPrecision(module: String, activations: [DType?], param: [String: DType] = [:]) {
        record(.module(module), .each(activations), param)
    }

    /// Sets the precision of every layer of a class or op type.
    public mutating func setPrecision(moduleType: String, activation: DType? = nil, param: [String: DType] = [:]) {
        record(.moduleType(moduleType), activation.map(ActivationPrecision.all), param)
    }

    /// Sets the precision of every layer whose module path matches a glob.
    public mutating func setPrecision(pattern: String, activation: DType? = nil, param: [String: DType] = [:]) {
        record(.pattern(pattern), activation.map(ActivationPrecision.all), param)
    }

    /// Sets the precision of every model input.
    public mutating func setModelInputPrecision(_ dtype: DType) { requests.append(.setModelInputPrecision(.all(dtype))) }

    /// Sets the precision of each model input; `nil` leaves one alone.
    public mutating func setModelInputPrecision(_ dtypes: [DType?]) { requests.append(.setModelInputPrecision(.each(dtypes))) }

    /// Sets the precision of every model output.
    public mutating func setModelOutputPrecision(_ dtype: DType) { requests.append(.setModelOutputPrecision(.all(dtype))) }

    /// Sets the precision of each model output; `nil` leaves one alone.
    public mutating func setModelOutputPrecision(_ dtypes: [DType?]) { requests.append(.setModelOutputPrecision(.each(dtypes))) }

    /// Plans the recorded requests. Invalid requests throw; an infeasible strict plan is
    /// returned with `status == .infeasible` and its conflicts.
    public func apply(strict: Bool = true) throws(MMPError) -> Plan {
        let problem = try PlanningProblem(graph: sim, requests: requests, rules: kernelRules)
        return try Planner.plan(problem, mode: strict ? .strict : .bestEffort)
    }

    private mutating func record(_ selector: LayerSelector, _ activation: ActivationPrecision?, _ param: [String: DType]) {
        let params = param.keys.sorted().compactMap { name in param[name].map { ParamPrecision(name, $0) } }
        requests.append(.setPrecision(selector, activation: activation, param: params))
    }
}
