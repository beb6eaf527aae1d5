/// Reads what the planner needs from an AIMET quantsim config JSON: the
/// `supported_kernels` lists under `defaults` and under each `op_type` entry.
///
/// Placement fields (`params`, `supergroups`, `model_input`, …) are accepted and
/// ignored here: a `--sim` graph already carries its quantizers.
public enum QuantSimConfigFile {
    public static func read(_ bytes: [UInt8]) throws(MMPError) -> KernelRules {
        let doc: JSONValue
        do {
            doc = try JSONParser.parse(bytes)
        } catch {
            throw .invalidConfig("malformed JSON at \(error)")
        }
        guard case .object = doc else { throw .invalidConfig("the config must be a JSON object") }
        var rules = KernelRules()
        if let defaults = doc["defaults"] {
            guard case .object = defaults else { throw .invalidConfig("'defaults' must be an object") }
            if let list = defaults["supported_kernels"] {
                rules.defaults = try kernels(list, "defaults.supported_kernels")
            }
        }
        if let types = doc["op_type"] {
            guard case .object(let members) = types else { throw .invalidConfig("'op_type' must be an object") }
            for (type, entry) in members {
                guard case .object = entry else { throw .invalidConfig("op_type '\(type)' must be an object") }
                if let list = entry["supported_kernels"] {
                    rules.perType[type] = try kernels(list, "op_type.\(type).supported_kernels")
                }
            }
        }
        return rules
    }

    private static func kernels(_ v: JSONValue, _ where_: String) throws(MMPError) -> [KernelRules.Kernel] {
        guard case .array(let items) = v else { throw .invalidConfig("\(where_) must be a list") }
        var out: [KernelRules.Kernel] = []
        for (k, item) in items.enumerated() {
            let at = "\(where_)[\(k)]"
            guard case .object = item, let a = item["activation"] else {
                throw .invalidConfig("\(at) must be an object with 'activation' (and usually 'param')")
            }
            let activation = try dtype(a, "\(at).activation")
            let param = try item["param"].map { v throws(MMPError) in try dtype(v, "\(at).param") }
            out.append(.init(activation: activation, param: param))
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
