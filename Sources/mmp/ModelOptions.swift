import ArgumentParser
import MixedPrecision

/// The model a command works on: a sim graph, or an ONNX file with the AIMET config
/// that places its quantizers.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A sim graph (mmp-sim/1 JSON).", valueName: "sim.json"))
    var sim: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An ONNX model; quantizers are placed as --config says, or without it as AIMET's default quantsim config does (weights are never read).",
            valueName: "model.onnx"))
    var onnx: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An AIMET quantsim config: its supported_kernels lists become kernel rules; with --onnx it also places the quantizers.",
            valueName: "quantsim_config.json"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("With --onnx: bit width of activation quantizers.", valueName: "bits"))
    var defaultOutputBw: Int = 8

    @Option(name: .long, help: ArgumentHelp("With --onnx: bit width of param quantizers.", valueName: "bits"))
    var defaultParamBw: Int = 8

    @Option(name: .long, help: ArgumentHelp("With --onnx: kind of the default quantizers, int or float.", valueName: "kind"))
    var defaultDataType: DataKind = .int

    enum DataKind: String, ExpressibleByArgument, CaseIterable { case int, float }

    func validate() throws {
        switch (sim, onnx) {
        case (nil, nil): throw ValidationError("give the model: --sim FILE or --onnx FILE")
        case (_?, _?): throw ValidationError("--sim and --onnx exclude each other")
        default: break
        }
    }

    var source: ModelSource {
        if let onnx {
            return ModelSource(
                model: .onnx(
                    onnx,
                    QuantizerDefaults(
                        activationBits: defaultOutputBw, paramBits: defaultParamBw,
                        kind: defaultDataType == .int ? .int : .float)),
                configPath: config)
        }
        return ModelSource(model: .sim(sim ?? ""), configPath: config)
    }

    /// Says on stderr when an ONNX model is placed with AIMET's default config.
    func noteDefaultConfig() {
        if onnx != nil, config == nil {
            printError("note: no --config: quantizers placed as AIMET's default quantsim config places them (\(AIMETDefaultConfig.path))")
        }
    }
}
