import FuzzDriver
import MixedPrecision

// One ONNX model, imported as `mmp plan --onnx` imports it with AIMET's default config.
runFuzzer { bytes in
    guard let config = try? QuantSimConfigFile.read(Array(AIMETDefaultConfig.text.utf8)) else { return }
    _ = try? ONNXImporter.simGraph(onnx: Array(bytes), config: config, modelName: "fuzz")
}
