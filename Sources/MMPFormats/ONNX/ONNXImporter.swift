import MMPModel

/// `mmp plan --onnx`: an ONNX file and an AIMET quantsim config in, a sim graph out.
public enum ONNXImporter {
    /// The sim file an ONNX model becomes: the graph, and the document `sim.json` is
    /// written from (its quantizers carry their symmetry).
    public static func simFile(
        onnx bytes: [UInt8], config: QuantSimConfig, defaults: QuantizerDefaults = .init(),
        modelName: String
    ) throws(MMPError) -> SimFile {
        let model = try ONNXModel.read(bytes)
        return try QuantizerPlacement.build(model, config: config, defaults: defaults, modelName: modelName)
    }

    /// The graph of ``simFile(onnx:config:defaults:modelName:)``.
    public static func simGraph(
        onnx bytes: [UInt8], config: QuantSimConfig, defaults: QuantizerDefaults = .init(),
        modelName: String
    ) throws(MMPError) -> SimGraph {
        try simFile(onnx: bytes, config: config, defaults: defaults, modelName: modelName).graph
    }
}
