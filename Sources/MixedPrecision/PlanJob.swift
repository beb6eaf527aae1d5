/// The whole `mmp plan --sim` job as a library call: read the sim graph, the requests
/// and the optional config, plan, and write `plan.json`, `sim.json` (when the plan is
/// feasible) and `mmp_log.txt` into the output directory.
public struct PlanJob: Sendable {
    public var simPath: String
    public var requestsPath: String
    public var configPath: String?
    public var mode: Plan.Mode
    public var outDir: String
    /// Where to write a Graphviz picture of the plan, if anywhere.
    public var dotPath: String?

    public init(simPath: String, requestsPath: String, configPath: String? = nil, mode: Plan.Mode = .strict, outDir: String,
                dotPath: String? = nil) {
        self.dotPath = dotPath
        self.simPath = simPath
        self.requestsPath = requestsPath
        self.configPath = configPath
        self.mode = mode
        self.outDir = outDir
    }

    /// The planned result, with the files written.
    public func run() throws(MMPError) -> Plan {
        let plan = try Planner.plan(problem(), mode: mode)
        try write(plan)
        return plan
    }

    /// Reads and resolves the inputs.
    public func problem() throws(MMPError) -> PlanningProblem {
        let graph = try SimGraphFile.read(Files.read(simPath))
        let requests = try RequestFile.parse(Files.readText(requestsPath))
        let rules = try configPath.map { path throws(MMPError) in try QuantSimConfigFile.read(Files.read(path)) } ?? .none
        return try PlanningProblem(graph: graph, requests: requests, rules: rules)
    }

    var inputs: [String] { [simPath, requestsPath] + (configPath.map { [$0] } ?? []) }

    /// Writes the plan's files.
    public func write(_ plan: Plan) throws(MMPError) {
        var files: [(name: String, contents: String)] = [
            ("plan.json", JSONWriter.write(PlanFile.encode(plan))),
            ("mmp_log.txt", PlanLog.render(plan)),
        ]
        if plan.status == .ok {
            files.append(("sim.json", JSONWriter.write(SimGraphFile.encode(plan.graph, dtypes: plan.dtypes))))
        }
        // An infeasible plan writes no sim.json; one left by an earlier run would mislead.
        try Files.replaceOutputs(files, removing: plan.status == .ok ? [] : ["sim.json"], in: outDir, protecting: inputs)
        if let dotPath { try Files.write(PlanPicture.dot(plan), to: dotPath, protecting: inputs) }
    }
}
