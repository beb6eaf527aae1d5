/// `mmp plan --onnx`: an ONNX file and an AIMET quantsim config in, a sim graph out.
public enum ONNXImporter {
    public static func simGraph(onnx bytes: [UInt8], config: QuantSimConfig, defaults: QuantizerDefaults = .init(),
                                modelName: String) throws(MMPError) -> SimGraph {
        let model = try ONNXModel.read(bytes)
        return try QuantizerPlacement.build(model, config: config, defaults: defaults, modelName: modelName)
    }
}
