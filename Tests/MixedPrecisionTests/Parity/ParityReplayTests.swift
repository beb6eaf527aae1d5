import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Replays every committed AIMET parity fixture (Data/parity, made by
/// aimet-bridge/fixtures/make_parity_fixtures.py with real aimet-torch) through the
/// planner. Every quantizer must get the dtype AIMET's configurator gave it, and AIMET's
/// failures must match mmp's — except for the deliberate differences listed, with their
/// reasons, in Data/parity/differences.json (and docs/aimet.md). An unlisted difference,
/// or a listed one that no longer occurs, fails. Where AIMET raised on a real
/// architecture, there is nothing of AIMET's to compare with: the case's expected.json
/// holds the plan checked by hand against the rules, and mmp must give exactly that.
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
        // Real architectures (issue 13), and a hand-checked plan wherever AIMET raised on one.
        #expect(models.isSuperset(of: ["resnet18", "mobilenet_v2", "vit", "llama"]), "\(models.sorted())")
        for c in Self.cases where ["resnet18", "mobilenet_v2", "vit", "llama"].contains(where: { c.hasPrefix($0 + "_") }) {
            let record = try JSONParser.parse(Files.read("\(Self.root)/\(c)/aimet.json"))
            let checked = FileManager.default.fileExists(atPath: "\(Self.root)/\(c)/expected.json")
            #expect(checked == (record["aimet"]?["status"] != .string("ok")), "\(c): expected.json exactly where AIMET raised")
        }
        let multi = try SimGraphFile.read(Files.read("\(Self.root)/two_io_leaf/sim.json"))
        #expect(multi.inputs.count == 2 && multi.outputs.count == 2)
        let tied = try SimGraphFile.read(Files.read("\(Self.root)/siblings_shared_act/sim.json"))
        #expect(tied.outputSlots.flatMap { $0 }.filter { $0 == tied.quantizerIndex["act.output_quantizers.0"] }.count >= 2)
    }

    /// docs/aimet.md lists every case with its mode, mmp's status and the difference, as
    /// aimet-bridge/fixtures/parity_table.py prints them from the fixtures.
    @Test func theDocsTableListsEveryCaseAsTheFixturesSay() throws {
        let doc = try Files.readText(fixture("docs/aimet.md"))
        var rows: [String: [String]] = [:]
        for line in doc.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            rows[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = [cells[1], cells[3], cells[4]]
        }
        let diffs = try Self.differences()
        var expected: [String: [String]] = [:]
        for c in Self.cases {
            let record = try JSONParser.parse(Files.read("\(Self.root)/\(c)/aimet.json"))
            guard case .string(let mode)? = record["mode"] else { continue }
            if record["aimet"]?["status"] == .string("ok") {
                var reasons = Set<String>(), count = 0
                if case .object(let members)? = diffs["quantizers"]?[c] {
                    for (_, r) in members { if case .string(let r) = r { reasons.insert(r); count += 1 } }
                }
                let difference =
                    count == 0 ? "identical" : reasons.sorted().joined(separator: ", ") + " (\(count) quantizer\(count == 1 ? "" : "s"))"
                expected[c] = [mode, "ok", difference]
            } else if case .string(let mmp)? = diffs["status"]?[c]?["mmp"], case .string(let reason)? = diffs["status"]?[c]?["reason"] {
                expected[c] = [mode, mmp, reason]
            } else {
                expected[c] = [mode, "infeasible", "agrees"]
            }
        }
        for c in Set(rows.keys).union(expected.keys).sorted() where rows[c] != expected[c] {
            Issue.record("docs/aimet.md lists \(c) as \(rows[c] ?? ["nothing"]); the fixtures say \(expected[c] ?? ["no such case"])")
        }
        #expect(rows.count >= 50)
    }

    /// Whether a JSON object holds exactly `members` (in any order).
    static func same(_ value: JSONValue?, _ members: [String: JSONValue]) -> Bool {
        guard case .object(let list)? = value, list.count == members.count else { return false }
        return list.allSatisfy { members[$0.0] == $0.1 }
    }

    @Test(arguments: cases)
    func replay(_ name: String) throws {
        let dir = "\(Self.root)/\(name)"
        let record = try JSONParser.parse(Files.read("\(dir)/aimet.json"))
        let mode: Plan.Mode = record["mode"] == .string("best-effort") ? .bestEffort : .strict
        let configPath = "\(dir)/config.json"
        let job = PlanJob(
            simPath: "\(dir)/sim.json", requestsPath: "\(dir)/requests.json",
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
                let checked = "\(dir)/expected.json"
                if FileManager.default.fileExists(atPath: checked) {
                    let hand = try JSONParser.parse(Files.read(checked))
                    #expect(
                        hand["status"] == .string(plan.status.rawValue),
                        "\(name): mmp \(plan.status), checked plan \(hand["status"] ?? .null)")
                    var changed: [String: JSONValue] = [:]
                    for q in plan.changed { changed[plan.quantizerName(q)] = .string(plan.dtypes[q].description) }
                    #expect(
                        Self.same(hand["changed"], changed),
                        "\(name): mmp changes \(changed.sorted { $0.key < $1.key }), the checked plan \(hand["changed"] ?? .null)")
                }
            } else {
                // Agreement: AIMET's strict conflict is mmp's infeasible plan.
                #expect(
                    error.contains("Conflicting requests") && plan.status == .infeasible,
                    "\(name): AIMET raised \(error); mmp \(plan.status)")
            }
        }
    }
}
