import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Explaining infeasible strict plans (contract §8): every minimal conflict, where the
/// requests collide and how they get there, and what best-effort does instead.
@Suite struct ConflictTests {
    /// Two separate stems, each read by two siblings.
    func twoSiblingPairs() throws -> SimGraph {
        var g = GraphBuilder(inputs: ["x1", "x2"])
        for s in ["s1", "s2"] {
            let stem = g.op(s, [s == "s1" ? "x1" : "x2"], quantizeInputs: [0])
            g.outputs.append(g.op("\(s).left", [stem], quantizeOutput: false))
            g.outputs.append(g.op("\(s).right", [stem], quantizeOutput: false))
        }
        return try g.build()
    }

    @Test func independentConflictsAreReportedSeparately() throws {
        let p = try plan(
            try twoSiblingPairs(),
            """
            requests:
              - set_precision: {module: s1.left, activation: int16}
              - set_precision: {module: s2.left, activation: int16}
              - set_precision: {module: s1.right, activation: int4}
              - set_precision: {module: s2.right, activation: int4}
            """)
        #expect(p.status == .infeasible)
        #expect(p.conflicts.map(\.requests) == [[0, 2], [1, 3]])
        #expect(p.conflicts.map { $0.quantizers.map(p.quantizerName) } == [["s1.out0"], ["s2.out0"]])
    }

    @Test func everyMinimalConflictInOnePartIsFound() throws {
        var g = GraphBuilder()
        let stem = g.op("stem", ["x"], quantizeInputs: [0])
        for k in 0..<3 { g.outputs.append(g.op("r\(k)", [stem], quantizeOutput: false)) }
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_precision: {module: r0, activation: int16}
              - set_precision: {module: r1, activation: int8}
              - set_precision: {module: r2, activation: int4}
            """)
        #expect(p.conflicts.map(\.requests) == [[0, 1], [0, 2], [1, 2]])
        #expect(p.conflictsComplete)
    }

    /// Three branches `b0…b2` meet in a fused Concat read by `conv`. Each reader `c<k>`
    /// fixes one branch; the kernel list lets any two agree on a weight, never all three.
    func triangle() throws -> (SimGraph, KernelRules) {
        var g = GraphBuilder()
        var branches: [String] = []
        for k in 0..<3 {
            let b = g.op("b\(k)", type: "Relu", ["x"], quantizeInputs: [0])
            g.outputs.append(g.op("c\(k)", type: "Relu", [b], quantizeOutput: false))
            branches.append(b)
        }
        let cat = g.op("cat", type: "Concat", branches, quantizeOutput: false)
        g.outputs.append(g.op("conv", type: "Conv", [cat], params: ["weight"]))
        let k: [KernelRules.Kernel] = [
            .init(activation: .int4, param: .int8), .init(activation: .int4, param: .int16),
            .init(activation: .int16, param: .int16), .init(activation: .int16, param: .fp16),
            .init(activation: .fp16, param: .int8), .init(activation: .fp16, param: .fp16)
        ]
        return (try g.build(), KernelRules(perType: ["Conv": k]))
    }

    @Test func threeRequestsThatPairwiseFitButNotTogetherAreOneConflictOfThree() throws {
        let (graph, rules) = try triangle()
        let requests = """
            requests:
              - set_precision: {module: c0, activation: int4}
              - set_precision: {module: c1, activation: int16}
              - set_precision: {module: c2, activation: fp16}
            """
        let p = try plan(graph, requests, rules: rules)
        #expect(p.status == .infeasible)
        #expect(p.conflicts.count == 1)
        #expect(p.conflicts.first?.requests == [0, 1, 2])
        #expect(p.conflicts.first?.kind == .kernel)
        #expect(p.conflicts.first?.kernelOps.map(p.opName) == ["conv"])
        // Any two of them hold together.
        for drop in 0..<3 {
            var lines = requests.split(separator: "\n").map(String.init)
            lines.remove(at: drop + 1)
            #expect(try plan(graph, lines.joined(separator: "\n"), rules: rules).status == .ok)
        }
    }

    @Test func kernelConflictNamesTheOpTheRequestedPairAndTheAllowedKernels() throws {
        var g = GraphBuilder()
        g.outputs = [g.op("conv", ["x"], quantizeInputs: [0], params: ["weight"])]
        let rules = KernelRules(perType: ["Conv": [.init(activation: .int8, param: .int8), .init(activation: .int16, param: .int8)]])
        let p = try plan(
            try g.build(), "requests: [{set_precision: {module: conv, activation: int16, param: {weight: int16}}}]", rules: rules)
        let c = try #require(p.conflicts.first)
        #expect(c.kernelRules.map(\.requestedText) == [["(int16, int16)"]])
        #expect(c.kernelRules.first?.supported == rules.perType["Conv"])
        let log = PlanLog.describe(c, number: 1, plan: p)
        #expect(
            log.contains(
                "op 'conv' (Conv) would run (int16, int16); its supported (activation, weight) kernels are (int8, int8), (int16, int8)"))
        #expect(
            PlanLog.summarize(c, number: 1, plan: p)
                == "conflict 1: request 0: op 'conv' (Conv) would run (int16, int16), supports only (int8, int8), (int16, int8)")
        let json = p.json(c)
        #expect(
            json["kernel_rules"]
                == .array([
                    .object([
                        ("op", .string("conv")), ("type", .string("Conv")), ("requested", .array([.string("(int16, int16)")])),
                        ("supported", .array([.array([.string("int8"), .string("int8")]), .array([.string("int16"), .string("int8")])]))
                    ])
                ]))
    }

    @Test func pathGoesThroughTransparentOpsAndNamesTiedSlots() throws {
        var g = GraphBuilder()
        let a = g.op("a", ["x"], quantizeInputs: [0], outputQuantizers: ["shared"])
        let r = g.op("reshape", type: "Reshape", [a], quantizeOutput: false)
        g.outputs.append(g.op("left", [r], quantizeOutput: false))
        g.outputs.append(g.op("right", [a], quantizeOutput: false))
        g.outputs.append(g.op("other", ["x"], quantizeOutput: false, inputQuantizers: ["shared"]))
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_precision: {module: left, activation: int16}
              - set_precision: {module: other, activation: int4}
            """)
        let c = try #require(p.conflicts.first)
        #expect(c.requests == [0, 1])
        let col = try #require(c.collisions.first)
        #expect(p.quantizerName(col.quantizer) == "shared")
        #expect(col.tiedSlots == ["output 0 of op 'a'", "input 0 of op 'other'"])
        #expect(
            col.asks.map { QuantizerPath.describe($0.path, graph: p.graph) } == [
                "input 0 of op 'left' reads 'reshape:0', written by op 'reshape' without an output quantizer, so it passes on what its input 0 got, input 0 of op 'reshape' reads 'a:0', written by op 'a' (output 0), which quantizes it",
                "input 0 of op 'other' has its own quantizer"
            ])
    }

    @Test func conflictSaysWhatBestEffortDoesInstead() throws {
        let p = try plan(
            try twoSiblingPairs(),
            """
            requests:
              - set_precision: {module: s1.left, activation: int16}
              - set_precision: {module: s1.right, activation: int4}
            """)
        let c = try #require(p.conflicts.first)
        #expect(c.instead.map(\.status) == [.notHonored, .honored])
        #expect(c.instead.first?.deviations.map(\.realized) == [.int4])
    }

    @Test func reportedConflictsAreMinimalWhenResolvedWithGLPK() throws {
        var checked = 0
        for seed in UInt64(1)...UInt64(300) {
            guard let rc = RandomCase.make(seed: seed, maxQuantizers: 10),
                let problem = try? PlanningProblem(graph: rc.graph, requests: rc.requests, rules: rc.rules)
            else { continue }
            let p = try Planner.plan(problem, mode: .strict)
            for c in p.conflicts {
                guard let part = Parts.needingDecision(problem).first(where: { Set($0.quantizers).isSuperset(of: c.quantizers) }) else {
                    Issue.record("seed \(seed): no part holds the conflict")
                    continue
                }
                let kernels = Set(part.kernels.filter { c.kernelOps.contains(problem.kernels[$0].op) })
                func feasible(_ r: [RequestID], _ k: Set<Int>) throws -> Bool {
                    try LexicographicSolver.isFeasible(
                        PrecisionProgram(
                            problem: problem, part: part, mode: .strict,
                            activeRequests: Set(r), activeKernels: k, withObjectives: false))
                }
                #expect(try !feasible(c.requests, kernels), "seed \(seed)")
                for r in c.requests { #expect(try feasible(c.requests.filter { $0 != r }, kernels), "seed \(seed): \(r) not needed") }
                for k in kernels { #expect(try feasible(c.requests, kernels.subtracting([k])), "seed \(seed): kernel \(k) not needed") }
                checked += 1
            }
        }
        #expect(checked >= 30)
    }
}

extension ConflictTests {
    @Test func aRequestAskingOneDtypeAtManyEdgesIsSummarizedOnce() throws {
        // Four layers read one tensor; a pattern asks three of them at int16, a later request the fourth at int4.
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0])
        for k in 0..<3 { g.outputs.append(g.op("m.b\(k)", [c], quantizeOutput: true)) }
        g.outputs.append(g.op("other", [c]))
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_precision: {pattern: "m.*", activation: int16}
              - set_precision: {module: other, activation: int4}
            """)
        #expect(p.status == .infeasible)
        let line = PlanLog.summarize(try #require(p.conflicts.first), number: 1, plan: p)
        #expect(line.contains("request 0 asks int16 at 3 edges"), "\(line)")
        #expect(!line.contains("request 0 asks int16, request 0"), "\(line)")
    }
}
