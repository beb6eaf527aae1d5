import MMPFormats
import MMPModel
import MMPSolving

/// The quantization-overrides file converters accept (`overrides.json`): for every
/// quantized tensor, its planned bit width and kind, under `activation_encodings` or
/// `param_encodings`. Written for ONNX models, whose quantizers are named after the
/// tensors (initializers for params) they quantize.
public enum OverridesFile {
    public static func encode(_ plan: Plan) -> JSONValue {
        let graph = plan.graph
        var isParam = Array(repeating: false, count: graph.quantizers.count)
        var isActivation = Array(repeating: false, count: graph.quantizers.count)
        for k in graph.ops.indices {
            for q in graph.paramSlots[k] { if let q { isParam[q] = true } }
            for q in graph.inputSlots[k] + graph.outputSlots[k] { if let q { isActivation[q] = true } }
        }
        func entry(_ q: Int) -> (String, JSONValue) {
            let d = plan.dtypes[q]
            return (
                graph.quantizers[q].name,
                .array([
                    .object([
                        ("bitwidth", .int(d.bits)), ("dtype", .string(d.kind == .int ? "int" : "float"))
                    ])
                ])
            )
        }
        return .object([
            ("activation_encodings", .object(graph.quantizers.indices.filter { isActivation[$0] }.map(entry))),
            ("param_encodings", .object(graph.quantizers.indices.filter { isParam[$0] && !isActivation[$0] }.map(entry)))
        ])
    }
}
