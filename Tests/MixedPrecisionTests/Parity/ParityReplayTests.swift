import Foundation
import Testing
@testable import MixedPrecision

/// Replays every committed AIMET parity fixture (Data/parity, made by
/// aimet-bridge/fixtures/make_parity_fixtures.py with real aimet-torch) through the
/// planner. Every quantizer must get the dtype AIMET's configurator gave it, and AIMET's
/// failures must match mmp's — except for the deliberate differences listed, with their
/// reasons, in Data/parity/differences.json (and docs/aimet.md). An unlisted difference,
/// or a listed one that no longer occurs, fails.
@Suite struct ParityReplayTests {
    static let root = fixture("Data/parity")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/aimet.json") }.sorted()
    }

    static func differences() throws -> JSONValue {
        try JSONParser.parse(Files.read("\(root)/differences.json"))
    }

    @Test func theFixturesCoverWhatTheIssueAsks() throws {
        #expect(Self.cases.count >= 15)
        var models = Set<String>()
        for c in Self.cases {
            let sim = try SimGraphFile.read(Files.read("\(Self.root)/\(c)/sim.json"))
            models.insert(sim.model ?? "")
        }
        #expect(models.count >= 4)
        let multi = try SimGraphFile.read(Files.read("\(Self.root)/two_io_leaf/sim.json"))
        #expect(multi.inputs.count == 2 && multi.outputs.count == 2)
        let tied = try SimGraphFile.read(Files.read("\(Self.root)/siblings_shared_act/sim.json"))
        #expect(tied.outputSlots.flatMap { $0 }.filter { $0 == tied.quantizerIndex["act.output_quantizers.0"] }.count >= 2)
    }

    @Test(arguments: cases)
    func replay(_ name: String) throws {
        let dir = "\(Self.root)/\(name)"
        let record = try JSONParser.parse(Files.read("\(dir)/aimet.json"))
        let mode: Plan.Mode = record["mode"] == .string("best-effort") ? .bestEffort : .strict
        let configPath = "\(dir)/config.json"
        let job = PlanJob(simPath: "\(dir)/sim.json", requestsPath: "\(dir)/requests.json",
                          configPath: FileManager.default.fileExists(atPath: configPath) ? configPath : nil, mode: mode, outDir: "")
        let plan = try Planner.plan(job.problem(), mode: mode)
        let diffs = try Self.differences()

        let aimet = record["aimet"]
        if aimet?["status"] == .string("ok") {
            #expect(plan.status == .ok, "\(name): AIMET planned, mmp did not")
            guard case .object(let dtypes)? = aimet?["dtypes"] else { Issue.record("\(name): no dtypes"); return }
            var differing: [String: String] = [:]
            for (q, d) in dtypes {
                guard let k = plan.graph.quantizerIndex[q] else { Issue.record("\(name): unknown quantizer \(q)"); continue }
                if d != .string(plan.dtypes[k].description) { differing[q] = plan.dtypes[k].description }
            }
            var listed: [String: String] = [:]
            if case .object(let members)? = diffs["quantizers"]?[name] {
                for (q, reason) in members {
                    if case .string(let r) = reason { listed[q] = r }
                    #expect(diffs["reasons"]?[listed[q] ?? ""] != nil, "\(name): reason for \(q) is not explained")
                }
            }
            #expect(Set(differing.keys) == Set(listed.keys), "\(name): differs from AIMET at \(differing), listed \(listed)")
        } else {
            let error: String
            if case .string(let e)? = aimet?["error"] { error = e } else { error = "" }
            if let expected = diffs["status"]?[name] {
                #expect(expected["mmp"] == .string(plan.status.rawValue), "\(name): mmp \(plan.status), listed \(expected)")
                if case .string(let r)? = expected["reason"] { #expect(diffs["reasons"]?[r] != nil) }
            } else {
                // Agreement: AIMET's strict conflict is mmp's infeasible plan.
                #expect(error.contains("Conflicting requests") && plan.status == .infeasible, "\(name): AIMET raised \(error); mmp \(plan.status)")
            }
        }
    }
}
