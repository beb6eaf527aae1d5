/// One precision request, as a user writes it (contract §3). Requests are ordered; a
/// later one overrides an earlier one where both speak about the same place (§5).
public enum Request: Equatable, Sendable {
    /// `set_precision`: the layers `selector` picks read their activations at `activation`
    /// and hold their params at `param`.
    case setPrecision(LayerSelector, activation: ActivationPrecision?, param: [ParamPrecision])
    /// `set_model_input_precision`: the quantizers reading the model inputs.
    case setModelInputPrecision(ActivationPrecision)
    /// `set_model_output_precision`: the quantizers producing the model outputs.
    case setModelOutputPrecision(ActivationPrecision)
}

/// How a `set_precision` request picks layers.
public enum LayerSelector: Equatable, Sendable, CustomStringConvertible {
    /// A module path, leaf or not; `""` is the whole model.
    case module(String)
    /// Several module paths, one request: what a framework class selects when the bridge
    /// resolves it by `isinstance` (the sim's classes are quantized subclasses, so a
    /// class name alone would miss them). Each path must exist; an empty list selects
    /// nothing.
    case modules([String])
    /// A class name (full or last component) or an op type.
    case moduleType(String)
    /// A glob over module paths: `*` within one component, `**` across components.
    case pattern(String)

    public var description: String {
        switch self {
        case .module(let m): return "module '\(m)'"
        case .modules(let list): return list.count == 1 ? "module '\(list[0])'" : "\(list.count) modules"
        case .moduleType(let t): return "module_type '\(t)'"
        case .pattern(let p): return "pattern '\(p)'"
        }
    }
}

/// One dtype for every activation, or a list with one entry per input; `nil` entries
/// leave that input alone.
public enum ActivationPrecision: Equatable, Sendable, CustomStringConvertible {
    case all(DType)
    case each([DType?])

    /// The dtype for position `i` of `count`, or nil when the request leaves it alone.
    package func dtype(at i: Int) -> DType? {
        switch self {
        case .all(let d): return d
        case .each(let list): return i < list.count ? list[i] : nil
        }
    }

    public var description: String {
        switch self {
        case .all(let d): return d.description
        case .each(let list): return "[" + list.map { $0?.description ?? "null" }.joined(separator: ", ") + "]"
        }
    }
}

/// A param name and the dtype asked for it.
public struct ParamPrecision: Equatable, Sendable {
    public var name: String
    public var dtype: DType
    public init(_ name: String, _ dtype: DType) {
        self.name = name
        self.dtype = dtype
    }
}

extension Request: CustomStringConvertible {
    /// The request in the request-file spelling, for reports.
    public var description: String {
        switch self {
        case let .setPrecision(selector, activation, param):
            var parts: [String]
            switch selector {
            case .module(let m): parts = ["module: \"\(m)\""]
            case .modules(let list):
                // A type resolved by the bridge can name hundreds of modules: the report
                // shows the first few and the count.
                let shown = list.prefix(3).map { "\"\($0)\"" } + (list.count > 3 ? ["… \(list.count - 3) more"] : [])
                parts = ["module: [" + shown.joined(separator: ", ") + "]"]
            case .moduleType(let t): parts = ["module_type: \(t)"]
            case .pattern(let p): parts = ["pattern: \"\(p)\""]
            }
            if let activation { parts.append("activation: \(activation)") }
            if !param.isEmpty {
                parts.append("param: {" + param.map { "\($0.name): \($0.dtype)" }.joined(separator: ", ") + "}")
            }
            return "set_precision: {" + parts.joined(separator: ", ") + "}"
        case .setModelInputPrecision(let a): return "set_model_input_precision: {activation: \(a)}"
        case .setModelOutputPrecision(let a): return "set_model_output_precision: {activation: \(a)}"
        }
    }
}
