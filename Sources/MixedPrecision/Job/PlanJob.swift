import MMPFormats
import MMPModel
import MMPSolving

/// The whole `mmp plan` job as a library call: read the inputs (``PlanInputs``); plan; and
/// write `plan.json`, `sim.json` (when the plan is feasible), `mmp_log.txt` and — for
/// ONNX — `overrides.json` and `ort_quant_overrides.json` into the output directory, with
/// a picture if asked.
public struct PlanJob: Sendable {
    public typealias Model = ModelSource.Model

    public var inputs: PlanInputs
    public var mode: Plan.Mode
    public var outDir: String
    /// Where to write a Graphviz picture of the plan, if anywhere.
    public var dotPath: String?
    /// Where to write that picture rendered as SVG, if anywhere, and what renders it
    /// (Graphviz, run by the command line): rendered before anything is written, so a
    /// picture that cannot be made leaves every file as it was.
    public var svgPath: String?
    public var renderSVG: (@Sendable (String) throws(MMPError) -> [UInt8])?
    /// How the planner works (`--fewest-converts`, `--insert-converts`).
    public var options = Planner.Options()

    public init(inputs: PlanInputs, mode: Plan.Mode = .strict, outDir: String, dotPath: String? = nil) {
        self.inputs = inputs
        self.mode = mode
        self.outDir = outDir
        self.dotPath = dotPath
    }

    public init(
        model: Model, requestsPath: String, configPath: String? = nil, mode: Plan.Mode = .strict,
        outDir: String, dotPath: String? = nil
    ) {
        self.init(
            inputs: PlanInputs(source: ModelSource(model: model, configPath: configPath), requestsPath: requestsPath),
            mode: mode, outDir: outDir, dotPath: dotPath)
    }

    public init(
        simPath: String, requestsPath: String, configPath: String? = nil, mode: Plan.Mode = .strict,
        outDir: String, dotPath: String? = nil
    ) {
        self.init(
            model: .sim(simPath), requestsPath: requestsPath, configPath: configPath, mode: mode,
            outDir: outDir, dotPath: dotPath)
    }

    /// The planned result, with the files written.
    public func run() throws(MMPError) -> Plan {
        var times = StageTimes()
        return try run(times: &times)
    }

    /// The planned result, with the files written, timing each stage.
    public func run(times: inout StageTimes) throws(MMPError) -> Plan {
        let (file, requests, config) = try inputs.read()
        times.lap("read")
        let problem = try PlanningProblem(graph: file.graph, requests: requests, rules: config?.kernelRules ?? .none)
        times.lap("resolve")
        let plan = try Planner.plan(problem, mode: mode, options: options, times: &times)
        try write(plan, file: file, times: &times)
        return plan
    }

    /// Reads and resolves the inputs.
    public func problem() throws(MMPError) -> PlanningProblem { try inputs.problem() }

    private var isONNX: Bool {
        if case .onnx = inputs.source.model { return true }
        return false
    }

    /// The files an ONNX model's feasible plan adds, for converters.
    private static let converterFiles: [OutputFile] = [.overrides, .ortOverrides]

    /// The files `write` puts into the output directory for `plan`.
    public func outputFiles(for plan: Plan) -> [OutputFile] {
        guard plan.status == .ok else { return [.plan, .log] }
        return [.plan, .log, .sim] + (isONNX ? Self.converterFiles : [])
    }

    /// Their names.
    public func outputNames(for plan: Plan) -> [String] { outputFiles(for: plan).map(\.rawValue) }

    /// Writes the plan's files, `sim.json` from `file` (the model as read), timing
    /// encoding and writing together (`write`): each file is encoded by the thread that
    /// writes it, and handed to the kernel in chunks as it is encoded.
    public func write(_ plan: Plan, file: SimFile, times: inout StageTimes) throws(MMPError) {
        let files = outputFiles(for: plan)
        // Outputs this plan does not write but an earlier run may have left (an infeasible
        // plan writes no sim.json; one left behind would mislead).
        let stale = ([.sim] + (isONNX ? Self.converterFiles : [])).filter { !files.contains($0) }
        // Each file is encoded by the thread that writes it, on all cores (see `Files`).
        // The largest first (`sim.json`), so that the longest write starts first.
        let dtypes = plan.dtypes
        var outputs = (files.filter { $0 == .sim } + files.filter { $0 != .sim }).map {
            output -> (path: String, contents: Files.OutputContents) in
            let contents: Files.OutputContents
            switch output {
            case .plan: contents = .chunks { emit in PlanFile.write(plan, emit: emit) }
            case .log: contents = .chunks { emit in PlanLog.write(plan, emit: emit) }
            case .sim:
                let inserted = plan.inserted
                contents = .chunks { emit in SimGraphFile.write(file, dtypes: dtypes, inserted: inserted, emit: emit) }
            case .overrides, .ortOverrides:
                // Only an ONNX model's files are listed, and the importer gives them their facts.
                let facts = file.converterFacts ?? ConverterFacts(opset: 0, nodeNames: [], encodings: [:], fused: [])
                if output == .overrides {
                    contents = .chunks { emit in OverridesFile.write(plan, facts: facts, emit: emit) }
                } else {
                    contents = .encoded { OrtOverridesFile.bytes(plan, facts: facts) }
                }
            }
            return (outDir + "/" + output.rawValue, contents)
        }
        // Where everything goes is checked before the picture is rendered: a refused
        // destination is reported as such, not as a renderer's failure.
        try Files.checkDestinations(outputs.map(\.path) + [dotPath, svgPath].compactMap { $0 }, protecting: inputs.paths)
        if dotPath != nil || svgPath != nil {
            let picture = PlanPicture.dot(plan)
            if let dotPath { outputs.append((dotPath, .bytes(Array(picture.utf8)))) }
            if let svgPath {
                guard let renderSVG else { throw .io("cannot write '\(svgPath)': no SVG renderer was given") }
                outputs.append((svgPath, .bytes(try renderSVG(picture))))
            }
        }
        // Every file of the run in one step: all of them are written, or none is.
        try Files.commit(outputs, removing: stale.map { outDir + "/" + $0.rawValue }, creating: outDir, protecting: inputs.paths)
        times.lap("write")
    }
}
