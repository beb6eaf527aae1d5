import Foundation

/// The whole `mmp plan` job as a library call: read the model (a sim graph, or an ONNX
/// file placed with an AIMET config), the requests and the config; plan; and write
/// `plan.json`, `sim.json` (when the plan is feasible), `mmp_log.txt` and — for ONNX —
/// `overrides.json` into the output directory.
public struct PlanJob: Sendable {
    /// Where the sim graph comes from.
    public enum Model: Sendable, Equatable {
        /// An `mmp-sim/1` file.
        case sim(String)
        /// An ONNX file; quantizers are placed from the config at these defaults.
        case onnx(String, QuantizerDefaults)
    }

    public var model: Model
    public var requestsPath: String
    public var configPath: String?
    public var mode: Plan.Mode
    public var outDir: String
    /// Where to write a Graphviz picture of the plan, if anywhere.
    public var dotPath: String?
    /// Where to write that picture rendered as SVG, if anywhere, and what renders it
    /// (Graphviz, run by the command line): rendered before anything is written, so a
    /// picture that cannot be made leaves every file as it was.
    public var svgPath: String?
    public var renderSVG: (@Sendable (String) throws(MMPError) -> [UInt8])?

    public init(model: Model, requestsPath: String, configPath: String? = nil, mode: Plan.Mode = .strict,
                outDir: String, dotPath: String? = nil) {
        self.model = model
        self.requestsPath = requestsPath
        self.configPath = configPath
        self.mode = mode
        self.outDir = outDir
        self.dotPath = dotPath
    }

    public init(simPath: String, requestsPath: String, configPath: String? = nil, mode: Plan.Mode = .strict,
                outDir: String, dotPath: String? = nil) {
        self.init(model: .sim(simPath), requestsPath: requestsPath, configPath: configPath, mode: mode,
                  outDir: outDir, dotPath: dotPath)
    }

    /// The planned result, with the files written.
    public func run() throws(MMPError) -> Plan {
        var times = StageTimes()
        return try run(times: &times)
    }

    /// The planned result, with the files written, timing each stage.
    public func run(times: inout StageTimes) throws(MMPError) -> Plan {
        let config = try config()
        let (graph, requests) = try graphAndRequests(config: config)
        times.lap("read")
        let problem = try PlanningProblem(graph: graph, requests: requests, rules: config?.kernelRules ?? .none)
        times.lap("resolve")
        let plan = try Planner.plan(problem, mode: mode, times: &times)
        try write(plan, times: &times)
        return plan
    }

    /// Reads the config, if any. An ONNX model without one is placed as AIMET's default
    /// quantsim config places it, as `QuantizationSimModel` does when given none.
    public func config() throws(MMPError) -> QuantSimConfig? {
        guard let path = configPath else {
            if case .onnx = model { return try QuantSimConfigFile.read(Array(AIMETDefaultConfig.text.utf8)) }
            return nil
        }
        return try reading(path) { () throws(MMPError) in try QuantSimConfigFile.read(Files.read(path, as: .text)) }
    }

    /// Reads the model as a sim graph.
    public func graph(config: QuantSimConfig?) throws(MMPError) -> SimGraph {
        try requireConfig(config)
        return try graph(from: modelBytes(), config: config)
    }

    /// Reads the model and the requests; a problem with the model is reported first. The
    /// requests are parsed while the model file is read, and the model parsed on all cores.
    func graphAndRequests(config: QuantSimConfig?) throws(MMPError) -> (SimGraph, [Request]) {
        try requireConfig(config)
        let (bytes, requests) = Parallel.both(
            { Result { () throws(MMPError) in try modelBytes() } },
            { Result { () throws(MMPError) in try readRequests() } })
        let graph = try graph(from: bytes.get(), config: config)
        return (graph, try requests.get())
    }

    /// The request file, or standard input for `-`.
    private func readRequests() throws(MMPError) -> [Request] {
        let path = requestsPath == "-" ? "/dev/stdin" : requestsPath
        return try reading(requestsPath) { () throws(MMPError) in try RequestFile.parse(Files.readText(path)) }
    }

    /// An ONNX model needs a config to place its quantizers (``config()`` gives the default).
    private func requireConfig(_ config: QuantSimConfig?) throws(MMPError) {
        if case .onnx = model, config == nil { throw Self.missingConfig }
    }

    private static let missingConfig = MMPError.io("an ONNX model needs a quantsim config to place its quantizers")

    /// The sim or ONNX file.
    private var modelPath: String {
        switch model {
        case .sim(let path), .onnx(let path, _): return path
        }
    }

    private func modelBytes() throws(MMPError) -> [UInt8] {
        switch model {
        case .sim(let path): return try Files.read(path, as: .sim)
        case .onnx(let path, _): return try Files.read(path, as: .binary)
        }
    }

    private func graph(from bytes: [UInt8], config: QuantSimConfig?) throws(MMPError) -> SimGraph {
        try reading(modelPath) { () throws(MMPError) in try graph(parsing: bytes, config: config) }
    }

    private func graph(parsing bytes: [UInt8], config: QuantSimConfig?) throws(MMPError) -> SimGraph {
        switch model {
        case .sim:
            return try SimGraphFile.read(bytes)
        case .onnx(let path, let defaults):
            guard let config else { throw Self.missingConfig }
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            return try ONNXImporter.simGraph(onnx: bytes, config: config, defaults: defaults, modelName: name)
        }
    }

    /// Reads and resolves the inputs.
    public func problem() throws(MMPError) -> PlanningProblem {
        let config = try config()
        let (graph, requests) = try graphAndRequests(config: config)
        return try PlanningProblem(graph: graph, requests: requests, rules: config?.kernelRules ?? .none)
    }

    var inputs: [String] { [modelPath] + (requestsPath == "-" ? [] : [requestsPath]) + (configPath.map { [$0] } ?? []) }

    /// The files `write` puts into the output directory for `plan`.
    public func outputNames(for plan: Plan) -> [String] {
        var names = ["plan.json", "mmp_log.txt"]
        if plan.status == .ok {
            names.append("sim.json")
            if case .onnx = model { names.append("overrides.json") }
        }
        return names
    }

    /// Writes the plan's files.
    public func write(_ plan: Plan) throws(MMPError) {
        var times = StageTimes()
        try write(plan, times: &times)
    }

    /// Writes the plan's files, timing encoding and writing together (`write`): each file
    /// is encoded by the thread that writes it, and handed to the kernel in chunks as it is
    /// encoded.
    public func write(_ plan: Plan, times: inout StageTimes) throws(MMPError) {
        let names = outputNames(for: plan)
        // Outputs this plan does not write but an earlier run may have left (an infeasible
        // plan writes no sim.json; one left behind would mislead).
        var possible = ["sim.json"]
        if case .onnx = model { possible.append("overrides.json") }
        let stale = possible.filter { !names.contains($0) }
        // Each file is encoded by the thread that writes it, on all cores (see `Files`).
        // The largest first (`sim.json`), so that the longest write starts first.
        let graph = plan.graph, dtypes = plan.dtypes
        let files = (names.filter { $0 == "sim.json" } + names.filter { $0 != "sim.json" }).map { name -> (name: String, contents: Files.OutputContents) in
            switch name {
            case "plan.json": return (name, .chunks { emit in PlanFile.write(plan, emit: emit) })
            case "mmp_log.txt": return (name, .chunks { emit in PlanLog.write(plan, emit: emit) })
            case "sim.json": return (name, .chunks { emit in SimGraphFile.write(graph, dtypes: dtypes, emit: emit) })
            default: return (name, .encoded { JSONWriter.bytes(OverridesFile.encode(plan)) })
            }
        }
        var outputs = files.map { (path: outDir + "/" + $0.name, contents: $0.contents) }
        // Where everything goes is checked before the picture is rendered: a refused
        // destination is reported as such, not as a renderer's failure.
        try Files.checkDestinations(outputs.map(\.path) + [dotPath, svgPath].compactMap { $0 }, protecting: inputs)
        if dotPath != nil || svgPath != nil {
            let picture = PlanPicture.dot(plan)
            if let dotPath { outputs.append((dotPath, .bytes(Array(picture.utf8)))) }
            if let svgPath {
                guard let renderSVG else { throw .io("cannot write '\(svgPath)': no SVG renderer was given") }
                outputs.append((svgPath, .bytes(try renderSVG(picture))))
            }
        }
        // Every file of the run in one step: all of them are written, or none is.
        try Files.commit(outputs, removing: stale.map { outDir + "/" + $0 }, creating: outDir, protecting: inputs)
        times.lap("write")
    }
}
