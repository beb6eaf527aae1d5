import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Rules that couple quantizers and how each mode settles them (contract §6, §7).
@Suite struct RuleTests {
    /// x → stem ─┬→ left
    ///           └→ right      (both read stem's output quantizer)
    func siblings() throws -> SimGraph {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        let l = g.op("left", [s], params: ["weight"])
        let r = g.op("right", [s], params: ["weight"])
        g.outputs = [l, r]
        return try g.build()
    }

    let siblingRequests = """
        requests:
          - set_precision: {module: left, activation: int16}
          - set_precision: {module: right, activation: int4}
        """

    @Test func siblingConflictFailsStrict() throws {
        let graph = try siblings()
        let p = try plan(graph, siblingRequests)
        #expect(p.status == .infeasible)
        #expect(p.conflicts.count == 1)
        #expect(p.conflicts[0].requests == [0, 1])
        #expect(p.conflicts[0].kind == .sharedQuantizer)
        #expect(p.conflicts[0].quantizers.map { graph.quantizers[$0].name } == ["stem.out0"])
        #expect(p.dtypes == p.previous)  // nothing decided
    }

    @Test func siblingConflictBestEffortLaterRequestWins() throws {
        let p = try plan(try siblings(), siblingRequests, mode: .bestEffort)
        #expect(p.status == .ok)
        #expect(p.dtype("stem.out0") == .int4)
        #expect(p.outcomes[0].status == .notHonored)
        #expect(p.outcomes[0].deviations.first?.realized == .int4)
        #expect(p.outcomes[1].status == .honored)
    }

    @Test func bestEffortHonoursLaterRequestsOverAnyNumberOfEarlierOnes() throws {
        // Three early requests want int16 on the shared tensor's readers; one late one wants int4.
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        var outs: [String] = []
        for k in 0..<4 { outs.append(g.op("r\(k)", [s])) }
        g.outputs = outs
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_precision: {module: r0, activation: int16}
              - set_precision: {module: r1, activation: int16}
              - set_precision: {module: r2, activation: int16}
              - set_precision: {module: r3, activation: int4}
            """, mode: .bestEffort)
        #expect(p.dtype("stem.out0") == .int4)
        #expect(p.outcomes.map(\.status) == [.notHonored, .notHonored, .notHonored, .honored])
    }

    @Test func bestEffortPrefersTheNearestDtypeAndHigherOnTies() throws {
        // The shared quantizer must be int4 (latest request). The earlier request on the
        // same reader's weight is free; the one on the activation deviates. Separately,
        // a kernel rule forbids fp16 on `k`: int16 (one step below) beats int8.
        var g = GraphBuilder()
        let k = g.op("k", ["x"], quantizeInputs: [0], params: ["weight"])
        g.outputs = [k]
        let rules = KernelRules(perType: ["Conv": [.init(activation: .int8, param: .int8), .init(activation: .int16, param: .int8)]])
        let p = try plan(try g.build(), "requests: [{set_precision: {module: k, activation: fp16}}]", rules: rules, mode: .bestEffort)
        #expect(p.dtype("k.in0") == .int16)
        #expect(p.outcomes[0].status == .notHonored)
        // int8 requested where only int4 and int16 are allowed: both one step away, higher wins.
        let rules2 = KernelRules(perType: ["Conv": [.init(activation: .int4, param: .int8), .init(activation: .int16, param: .int8)]])
        var g2 = GraphBuilder()
        let c = g2.op("c", ["x"], quantizeInputs: [0], params: ["weight"], dtype: .int16)
        g2.outputs = [c]
        let p2 = try plan(try g2.build(), "requests: [{set_precision: {module: c, activation: int8}}]", rules: rules2, mode: .bestEffort)
        #expect(p2.dtype("c.in0") == .int16)
    }

    func conv() throws -> SimGraph {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], params: ["weight"])
        g.outputs = [c]
        return try g.build()
    }

    @Test func kernelRuleRejectsAnUnsupportedPairInStrictMode() throws {
        let rules = KernelRules(perType: ["Conv": [.init(activation: .int8, param: .int8), .init(activation: .int16, param: .int8)]])
        let p = try plan(try conv(), "requests: [{set_precision: {module: conv, activation: int16, param: {weight: int16}}}]", rules: rules)
        #expect(p.status == .infeasible)
        #expect(p.conflicts.count == 1)
        #expect(p.conflicts[0].kind == .kernel)
        #expect(p.conflicts[0].requests == [0])
        #expect(p.conflicts[0].kernelOps == [0])
        let log = PlanLog.render(p)
        #expect(
            log.contains(
                "op 'conv' (Conv) would run (int16, int16); its supported (activation, weight) kernels are (int8, int8), (int16, int8)"))
        // Best-effort keeps the activation (one deviation, nearest weight dtype below).
        let b = try plan(
            try conv(), "requests: [{set_precision: {module: conv, activation: int16, param: {weight: int16}}}]", rules: rules,
            mode: .bestEffort)
        #expect(b.dtype("conv.in0") == .int16)
        #expect(b.dtype("conv.weight") == .int8)
        #expect(b.outcomes[0].status == .partiallyHonored)
    }

    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func kernelRuleIsSatisfiedByChangingAWeightTheUserDidNotName(_ mode: Plan.Mode) throws {
        let rules = KernelRules(defaults: [.init(activation: .int8, param: .int8), .init(activation: .int16, param: .int16)])
        let p = try plan(try conv(), "requests: [{set_precision: {module: conv, activation: int16}}]", rules: rules, mode: mode)
        #expect(p.status == .ok)
        #expect(p.dtype("conv.in0") == .int16)
        #expect(p.dtype("conv.weight") == .int16)
        #expect(p.outcomes[0].status == .honored)
    }

    @Test func givenPairIsAlwaysAccepted() throws {
        // The sim holds (int8, int4), which the list lacks; planning elsewhere must not fail.
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], params: ["weight"])
        let d = g.op("other", type: "Relu", [c])
        g.outputs = [d]
        g.quantizers[g.quantizers.firstIndex { $0.name == "conv.weight" } ?? 0].dtype = .int4
        let rules = KernelRules(perType: ["Conv": [.init(activation: .int8, param: .int8)]])
        let p = try plan(try g.build(), "requests: [{set_precision: {module: other, activation: int16}}]", rules: rules)
        #expect(p.status == .ok)
        #expect(p.changedNames == ["conv.out0", "other.out0"])
    }

    /// a ─┐
    ///    add → out      c reads a only
    /// b ─┘
    func residual() throws -> SimGraph {
        var g = GraphBuilder(inputs: ["x1", "x2"])
        let a = g.op("a", ["x1"], quantizeInputs: [0])
        let b = g.op("b", ["x2"], quantizeInputs: [0])
        let add = g.op("add", type: "Add", [a, b])
        let c = g.op("c", [a], quantizeOutput: false)
        g.outputs = [add, c]
        return try g.build()
    }

    @Test func homogeneityPullsTheOtherInputsOfAMultiInputOpAlong() throws {
        let p = try plan(try residual(), "requests: [{set_precision: {module: c, activation: int16}}]")
        #expect(p.dtype("a.out0") == .int16)
        #expect(p.dtype("b.out0") == .int16)
        #expect(p.problem.homogeneity.map(\.op) == [2])
    }

    @Test func homogeneityIsNotTriggeredByADerivedDemotion() throws {
        let p = try plan(try residual(), "requests: [{set_precision: {module: a, activation: int4}}]")
        #expect(p.dtype("a.out0") == .int4)
        #expect(p.dtype("b.out0") == .int8)
        #expect(p.problem.homogeneity.isEmpty)
    }

    @Test func homogeneityYieldsToTheOpsOwnMixedRequest() throws {
        let p = try plan(try residual(), "requests: [{set_precision: {module: add, activation: [int16, int4]}}]")
        #expect(p.dtype("a.out0") == .int16)
        #expect(p.dtype("b.out0") == .int4)
        #expect(p.problem.homogeneity.isEmpty)
    }

    @Test func homogeneityComesBeforeFewestChanges() throws {
        // Keeping b at int8 would change one quantizer fewer, but makes `add` heterogeneous.
        let p = try plan(try residual(), "requests: [{set_precision: {module: c, activation: int16}}]", mode: .bestEffort)
        #expect(p.changedNames == ["a.out0", "b.out0"])
    }

    @Test func amongEquallyNearMissesTheOneThatChangesLessWins() throws {
        // Given (int16, int8); asked (int4, fp16); kernels {(int8, int4), (int16, int8)}.
        // (int8, int4) and the given (int16, int8) miss equally far; the given pair moves nothing.
        var g = GraphBuilder()
        g.outputs = [g.op("gemm", type: "Gemm", ["x"], quantizeInputs: [0], params: ["weight"])]
        g.quantizers[g.quantizers.firstIndex { $0.name == "gemm.in0" } ?? 0].dtype = .int16
        let rules = KernelRules(perType: ["Gemm": [.init(activation: .int8, param: .int4), .init(activation: .int16, param: .int8)]])
        let p = try plan(
            try g.build(), "requests: [{set_precision: {module: gemm, activation: int4, param: {weight: fp16}}}]",
            rules: rules, mode: .bestEffort)
        #expect(p.status == .ok)
        #expect(p.dtype("gemm.in0") == .int16)
        #expect(p.dtype("gemm.weight") == .int8)
        // Only the output follows the layer down (a derived target: it writes the model output).
        #expect(p.changedNames == ["gemm.out0"])
        #expect(p.outcomes[0].status == .notHonored)
    }

    @Test func planIsDeterministic() throws {
        let graph = try residual()
        let text = "requests: [{set_precision: {module: c, activation: int16}}, {set_model_output_precision: {activation: int4}}]"
        let one = try plan(graph, text, mode: .bestEffort)
        let two = try plan(graph, text, mode: .bestEffort)
        #expect(JSONWriter.write(PlanFile.encode(one)) == JSONWriter.write(PlanFile.encode(two)))
        #expect(PlanLog.render(one) == PlanLog.render(two))
    }
}

/// Regressions found in review.
@Suite struct ModeOrderTests {
    @Test func nearnessNeverOutranksAnEarlierRequestsDeviationCount() throws {
        // Kernels (int8, int8) and (fp16, int16). Request 1 (activation int16) cannot hold.
        // Reading fp16 would land nearer int16 but force the weight to int16, breaking request 0.
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], params: ["weight"])
        g.outputs = [c]
        let rules = KernelRules(perType: [
            "Conv": [.init(activation: .int8, param: .int8), .init(activation: .fp16, param: DType(.int, bits: 16))]
        ])
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_precision: {module: conv, param: {weight: int8}}
              - set_precision: {module: conv, activation: int16}
            """, rules: rules, mode: .bestEffort)
        #expect(p.dtype("conv.in0") == .int8)
        #expect(p.dtype("conv.weight") == .int8)
        #expect(p.outcomes.map(\.status) == [.honored, .notHonored])
    }

    @Test func laterRequestOnALayerReplacesTheEarlierOutputDemotion() throws {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0])
        let d = g.op("next", [c], quantizeOutput: false)
        g.outputs = [d]
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_precision: {module: conv, activation: int4}
              - set_precision: {module: conv, activation: int16}
            """)
        #expect(p.dtype("conv.in0") == .int16)
        #expect(p.dtype("conv.out0") == .int8)
        #expect(p.outcomes.map(\.status) == [.overridden, .honored])
    }

    @Test func requestsOutsideAConflictKeepTheirOwnOutcome() throws {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        let l = g.op("left", [s], quantizeOutput: false)
        let r = g.op("right", [s], quantizeOutput: false)
        g.outputs = [l, r]
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_precision: {module: left, activation: int16}
              - set_precision: {module: right, activation: int4}
              - set_model_input_precision: {activation: int16}
            """)
        #expect(p.status == .infeasible)
        #expect(p.outcomes.map(\.status) == [.notHonored, .notHonored, .honored])
        #expect(p.changed.isEmpty)
    }
}
