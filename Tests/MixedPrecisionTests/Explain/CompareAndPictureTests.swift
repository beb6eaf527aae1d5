import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// `mmp compare` and the Graphviz picture.
@Suite struct CompareAndPictureTests {
    func conflictProblem() throws -> PlanningProblem {
        let graph = try SimGraphFile.read(Array(Samples.conflictSim.utf8))
        return try PlanningProblem(graph: graph, requests: RequestFile.parse(Samples.conflictRequests), rules: .none)
    }

    @Test func compareShowsConflictingRequestsHonouredInOneModeOnly() throws {
        let c = try Comparison(conflictProblem())
        #expect(c.strict.status == .infeasible)
        #expect(c.strict.outcomes.map(\.status) == [.notHonored, .notHonored])
        #expect(c.bestEffort.outcomes.map(\.status) == [.notHonored, .honored])
        let table = c.table()
        let rows = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.contains { $0.first == "[1]" && $0.suffix(2) == ["not-honored", "honored"] })
        #expect(rows.contains { $0 == ["q.c", "int8", "int8", "int4"] })
        let json = c.json()
        #expect(json["requests"]?.asArray?.map { $0["best-effort"] } == [.string("not-honored"), .string("honored")])
        #expect(
            json["quantizers"]
                == .array([
                    .object([
                        ("quantizer", .string("q.c")), ("given", .string("int8")), ("strict", .string("int8")),
                        ("best-effort", .string("int4"))
                    ])
                ]))
    }

    @Test func pictureOfAConflictHighlightsTheCollisionAndTheRequestsEdges() throws {
        let plan = try Planner.plan(conflictProblem(), mode: .strict)
        let dot = PlanPicture.dot(plan)
        #expect(dot.hasPrefix("digraph mmp {"))
        #expect(
            dot.contains(
                ##""q:q.c" [shape=ellipse, style=filled, fillcolor="#e5e5e5", color=red, penwidth=3, label="q.c\nint8\nasked int16 / int4"];"##
            ))
        #expect(dot.contains(#""q:q.c" -> "op:left" [label="in 0\nreq 0: int16", color=red, fontcolor=red, penwidth=2];"#))
        #expect(dot.contains(#""q:q.c" -> "op:right" [label="in 0\nreq 1: int4", color=red, fontcolor=red, penwidth=2];"#))
        #expect(PlanPicture.dot(plan) == dot)
    }

    @Test func pictureOfAFeasiblePlanShowsTheChangedQuantizers() throws {
        let plan = try Planner.plan(conflictProblem(), mode: .bestEffort)
        let dot = PlanPicture.dot(plan)
        #expect(dot.contains(##""q:q.c" [shape=ellipse, style=filled, fillcolor="#c6dbef", label="q.c\nint8 → int4"];"##))
    }

    @Test func compareAndPictureFromTheCommandLine() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("sim.json", Samples.conflictSim)
        let req = try dir.file("r.yaml", Samples.conflictRequests)
        let text = try CLI.run(["compare", "--sim", sim, "--requests", req])
        #expect(text.status == 0)
        #expect(text.stdout.contains("strict (infeasible)"))
        let json = try CLI.run(["compare", "--sim", sim, "--requests", req, "--format", "json"])
        #expect(json.status == 0)
        #expect(try JSONParser.parse(Array(json.stdout.utf8))["strict_status"] == .string("infeasible"))
        let bad = try CLI.run(["compare", "--sim", sim, "--requests", sim])
        #expect(bad.status == 1)

        let p = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out", "--dot", dir.path + "/c.dot"])
        #expect(p.status == 2)
        #expect(dir.read("c.dot")?.hasPrefix("digraph mmp {") == true)
        let help = try CLI.run(["plan", "--help"])
        #expect(help.stdout.contains("--dot") && help.stdout.contains("--svg"))
    }
}
