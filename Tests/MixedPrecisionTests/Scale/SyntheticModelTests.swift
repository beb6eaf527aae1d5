import SyntheticModels
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// The benchmark generators, and the planner's shortcuts for scale: the plan is the same
/// with or without splitting into parts, and with or without settling small parts by
/// enumeration.
@Suite struct SyntheticModelTests {
    @Test(arguments: SyntheticModel.Shape.allCases)
    func generatorsProduceValidSimsAndRequests(_ shape: SyntheticModel.Shape) throws {
        let model = SyntheticModel(shape: shape, quantizers: 2_000)
        let graph = try SimGraphFile.read(Array(model.simJSON().utf8))
        #expect(graph.quantizers.count > 1_500 && graph.quantizers.count < 2_500)
        let requests = try RequestFile.parse(model.requestsYAML(count: 20, conflicts: true))
        #expect(requests.count >= 20)
        let problem = try PlanningProblem(graph: graph, requests: requests, rules: .none)
        let best = try Planner.plan(problem, mode: .bestEffort)
        #expect(best.status == .ok)
        #expect(!best.changed.isEmpty)
        #expect(best.outcomes.contains { $0.status == .notHonored || $0.status == .partiallyHonored })  // the deliberate conflicts
        #expect(try Planner.plan(problem, mode: .strict).status == .infeasible)
        let calm = try PlanningProblem(
            graph: graph, requests: RequestFile.parse(model.requestsYAML(count: 20, conflicts: false)), rules: .none)
        #expect(try Planner.plan(calm, mode: .strict).status == .ok)
    }

    @Test(arguments: [Plan.Mode.strict, .bestEffort], SyntheticModel.Shape.allCases)
    func splittingAndEnumerationGiveTheSamePlanAsOneWholeProgram(_ mode: Plan.Mode, _ shape: SyntheticModel.Shape) throws {
        let model = SyntheticModel(shape: shape, quantizers: 600)
        let graph = try SimGraphFile.read(Array(model.simJSON().utf8))
        // Strict needs a feasible request set to compare plans; best-effort gets the conflicts.
        let requests = try RequestFile.parse(model.requestsYAML(count: 12, conflicts: mode == .bestEffort))
        let rules = KernelRules(defaults: [
            .init(activation: .int8, param: .int8), .init(activation: .int16, param: .int8),
            .init(activation: .int16, param: .int16), .init(activation: .int8, param: .int4),
            .init(activation: .int16, param: .int4)
        ])
        let problem = try PlanningProblem(graph: graph, requests: requests, rules: rules)
        let fast = try Planner.plan(problem, mode: mode)
        let whole = try Planner.plan(problem, mode: mode, options: .init(split: false, exhaustive: false))
        let glpkParts = try Planner.plan(problem, mode: mode, options: .init(split: true, exhaustive: false))
        #expect(fast.status == whole.status)
        #expect(fast.dtypes == whole.dtypes, "\(shape): split+enumeration vs one program")
        #expect(fast.dtypes == glpkParts.dtypes, "\(shape): enumeration vs GLPK per part")
        #expect(!fast.changed.isEmpty)
    }

    /// Large enough for every parallel pass (a sim file over a megabyte read by two
    /// threads, more than 64 requests and parts): the same job twice writes the same bytes,
    /// and they are the bytes of a plan made from the file read by one thread.
    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func parallelPassesWriteTheSameBytesEveryTime(_ mode: Plan.Mode) throws {
        let model = SyntheticModel(shape: .moe, quantizers: 4_000)
        let dir = try TempDir()
        defer { dir.cleanup() }
        let simText = model.simJSON()
        #expect(simText.utf8.count > SimGraphReader.parallelThreshold)
        let sim = try dir.file("sim.json", simText)
        let requests = try dir.file("requests.yaml", model.requestsYAML(count: 80, conflicts: mode == .bestEffort))
        var outputs: [[String?]] = []
        for run in 0..<2 {
            let job = PlanJob(simPath: sim, requestsPath: requests, mode: mode, outDir: dir.path + "/out\(run)")
            let plan = try job.run()
            #expect(plan.status == .ok)
            outputs.append(["plan.json", "sim.json", "mmp_log.txt"].map { dir.read("out\(run)/" + $0) })
        }
        #expect(outputs[0] == outputs[1])
        #expect(!outputs[0].contains(nil))
        // The single-threaded reader gives the graph the plan was made from.
        let serial = try #require(try SimGraphReader.read(Array(simText.utf8), splitNear: .some(nil)))
        let problem = try PlanningProblem(
            graph: serial.graph, requests: RequestFile.parse(String(contentsOfFile: requests, encoding: .utf8)), rules: .none)
        let plan = try Planner.plan(problem, mode: mode)
        #expect(String(decoding: PlanFile.bytes(plan), as: UTF8.self) == outputs[0][0])
    }
}
