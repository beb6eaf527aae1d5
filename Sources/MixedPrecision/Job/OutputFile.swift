import MMPFormats
import MMPModel
import MMPSolving

/// The files `mmp plan` writes into its output directory.
public enum OutputFile: String, Sendable, CaseIterable {
    case plan = "plan.json"
    case log = "mmp_log.txt"
    /// The sim with the planned dtypes: only for a feasible plan.
    case sim = "sim.json"
    /// Quantization overrides per tensor for QNN converters (AIMET's encoding format
    /// 0.6.1): only for an ONNX model's feasible plan.
    case overrides = "overrides.json"
    /// The plan as ONNX Runtime's `quantize_static` takes it: only for an ONNX model's
    /// feasible plan.
    case ortOverrides = "ort_quant_overrides.json"
}
