import MMPModel

/// An AIMET quantsim config: where quantizers go (`defaults`, `params`, `op_type`,
/// `supergroups`, `model_input`, `model_output`) and which kernels the backend runs
/// (`supported_kernels`). Booleans may be JSON booleans or AIMET's `"True"`/`"False"`.
/// Keys the planner has no use for are ignored.
public struct QuantSimConfig: Sendable, Equatable {
    /// Settings of one param kind (`weight`, `bias`); nil where the config is silent.
    public struct ParamSetting: Sendable, Equatable {
        public var isQuantized: Bool?
        public var isSymmetric: Bool?
    }

    /// Settings of one op type.
    public struct OpTypeSetting: Sendable, Equatable {
        public var isInputQuantized: Bool?
        public var isOutputQuantized: Bool?
        public var isSymmetric: Bool?
        public var perChannel: Bool?
        public var params: [String: ParamSetting] = [:]
    }

    public var outputQuantized = false
    public var activationSymmetric = false
    public var defaultParams = ParamSetting()
    public var perChannel = false
    public var params: [String: ParamSetting] = [:]
    public var opTypes: [String: OpTypeSetting] = [:]
    /// Op-type sequences fused into one kernel: only the last op's output is quantized.
    public var supergroups: [[String]] = []
    public var modelInputQuantized = false
    public var modelOutputQuantized: Bool?
    public var kernelRules = KernelRules()

    public init() {}

    /// Whether an op of `type` quantizes its outputs.
    public func isOutputQuantized(_ type: String) -> Bool { opTypes[type]?.isOutputQuantized ?? outputQuantized }

    /// Whether an op of `type` quantizes its inputs.
    public func isInputQuantized(_ type: String) -> Bool { opTypes[type]?.isInputQuantized ?? false }

    /// Whether param `name` of an op of `type` is quantized.
    public func isParamQuantized(_ name: String, ofType type: String) -> Bool {
        opTypes[type]?.params[name]?.isQuantized ?? params[name]?.isQuantized ?? defaultParams.isQuantized ?? false
    }

    public func isParamSymmetric(_ name: String, ofType type: String) -> Bool {
        opTypes[type]?.params[name]?.isSymmetric ?? params[name]?.isSymmetric ?? defaultParams.isSymmetric ?? true
    }

    public func isPerChannel(_ type: String) -> Bool { opTypes[type]?.perChannel ?? perChannel }

    public func isActivationSymmetric(_ type: String) -> Bool { opTypes[type]?.isSymmetric ?? activationSymmetric }
}

/// Reads an AIMET quantsim config JSON file.
public enum QuantSimConfigFile {
    public static func read(_ bytes: [UInt8]) throws(MMPError) -> QuantSimConfig {
        let doc: JSONValue
        do {
            doc = try JSONParser.parse(bytes)
        } catch {
            throw .invalidConfig("malformed JSON at \(error)")
        }
        guard case .object = doc else { throw .invalidConfig("the config must be a JSON object") }
        var config = QuantSimConfig()
        if let defaults = doc["defaults"] {
            guard case .object = defaults else { throw .invalidConfig("'defaults' must be an object") }
            if let ops = defaults["ops"] {
                guard case .object = ops else { throw .invalidConfig("'defaults.ops' must be an object") }
                config.outputQuantized = try bool(ops["is_output_quantized"], "defaults.ops.is_output_quantized") ?? false
                config.activationSymmetric = try bool(ops["is_symmetric"], "defaults.ops.is_symmetric") ?? false
            }
            if let p = defaults["params"] { config.defaultParams = try param(p, "defaults.params") }
            config.perChannel = try bool(defaults["per_channel_quantization"], "defaults.per_channel_quantization") ?? false
            if let list = defaults["supported_kernels"] {
                config.kernelRules.defaults = try kernels(list, "defaults.supported_kernels")
            }
        }
        if let params = doc["params"] {
            guard case .object(let members) = params else { throw .invalidConfig("'params' must be an object") }
            for (name, v) in members { config.params[name] = try param(v, "params.\(name)") }
        }
        if let types = doc["op_type"] {
            guard case .object(let members) = types else { throw .invalidConfig("'op_type' must be an object") }
            for (type, entry) in members {
                let at = "op_type.\(type)"
                guard case .object = entry else { throw .invalidConfig("\(at) must be an object") }
                var s = QuantSimConfig.OpTypeSetting()
                s.isInputQuantized = try bool(entry["is_input_quantized"], "\(at).is_input_quantized")
                s.isOutputQuantized = try bool(entry["is_output_quantized"], "\(at).is_output_quantized")
                s.isSymmetric = try bool(entry["is_symmetric"], "\(at).is_symmetric")
                s.perChannel = try bool(entry["per_channel_quantization"], "\(at).per_channel_quantization")
                if let p = entry["params"] {
                    guard case .object(let ps) = p else { throw .invalidConfig("\(at).params must be an object") }
                    for (name, v) in ps { s.params[name] = try param(v, "\(at).params.\(name)") }
                }
                if let list = entry["supported_kernels"] {
                    config.kernelRules.perType[type] = try kernels(list, "\(at).supported_kernels")
                }
                config.opTypes[type] = s
            }
        }
        if let groups = doc["supergroups"] {
            guard case .array(let items) = groups else { throw .invalidConfig("'supergroups' must be a list") }
            for (k, g) in items.enumerated() {
                guard case .array(let ops)? = g["op_list"], !ops.isEmpty else {
                    throw .invalidConfig("supergroups[\(k)] needs a non-empty 'op_list'")
                }
                var list: [String] = []
                for op in ops {
                    guard case .string(let s) = op else { throw .invalidConfig("supergroups[\(k)].op_list must hold op type names") }
                    list.append(s)
                }
                config.supergroups.append(list)
            }
        }
        if let mi = doc["model_input"] {
            config.modelInputQuantized = try bool(mi["is_input_quantized"], "model_input.is_input_quantized") ?? false
        }
        if let mo = doc["model_output"] {
            config.modelOutputQuantized = try bool(mo["is_output_quantized"], "model_output.is_output_quantized")
        }
        return config
    }

    private static func bool(_ v: JSONValue?, _ at: String) throws(MMPError) -> Bool? {
        switch v {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case .string(let s)? where s.lowercased() == "true": return true
        case .string(let s)? where s.lowercased() == "false": return false
        case let other?: throw .invalidConfig("\(at) must be \"True\" or \"False\", found \(JSONWriter.write(other).dropLast())")
        }
    }

    private static func param(_ v: JSONValue, _ at: String) throws(MMPError) -> QuantSimConfig.ParamSetting {
        guard case .object = v else { throw .invalidConfig("\(at) must be an object") }
        return .init(
            isQuantized: try bool(v["is_quantized"], "\(at).is_quantized"),
            isSymmetric: try bool(v["is_symmetric"], "\(at).is_symmetric"))
    }

    private static func kernels(_ v: JSONValue, _ where_: String) throws(MMPError) -> [KernelRules.Kernel] {
        guard case .array(let items) = v else { throw .invalidConfig("\(where_) must be a list") }
        var out: [KernelRules.Kernel] = []
        for (k, item) in items.enumerated() {
            let at = "\(where_)[\(k)]"
            guard case .object = item, let a = item["activation"] else {
                throw .invalidConfig("\(at) must be an object with 'activation' (and usually 'param')")
            }
            let param = try item["param"].map { v throws(MMPError) in try dtype(v, "\(at).param") }
            let output = try item["output"].map { v throws(MMPError) in try dtype(v, "\(at).output") }
            if case .array(let perInput) = a {
                // Per-input kernels (contract §6): one dtype or null (any) per activation input.
                guard !perInput.isEmpty, perInput.count <= 64 else {
                    throw .invalidConfig("\(at).activation lists no input (give one dtype or null per activation input)")
                }
                var inputs: [DType?] = []
                for (i, v) in perInput.enumerated() {
                    inputs.append(v == .null ? nil : try dtype(v, "\(at).activation[\(i)]"))
                }
                let first = inputs.compactMap { $0 }.first ?? .int8
                out.append(.init(activation: first, param: param, inputs: inputs, output: output))
            } else {
                out.append(.init(activation: try dtype(a, "\(at).activation"), param: param, output: output))
            }
        }
        return out
    }

    private static func dtype(_ v: JSONValue, _ at: String) throws(MMPError) -> DType {
        guard case .number(let b)? = v["bitwidth"], let bits = Int(b) else {
            throw .invalidConfig("\(at) needs an integer 'bitwidth'")
        }
        var kind = "int"
        if let k = v["dtype"] {
            guard case .string(let s) = k else { throw .invalidConfig("\(at).dtype must be \"int\" or \"float\"") }
            kind = s
        }
        guard let d = DType(bitwidth: bits, kind: kind) else {
            throw .invalidConfig("\(at): unsupported kernel dtype \(kind) with bitwidth \(bits)")
        }
        return d
    }
}
