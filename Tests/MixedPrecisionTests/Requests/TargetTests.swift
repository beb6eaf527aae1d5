import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// How requests become targets (contract §4, §5): per-input lists, model inputs and
/// outputs, overrides, derived outputs, params.
@Suite struct TargetTests {
    @Test func perInputActivationListSetsEachInput() throws {
        var g = GraphBuilder(inputs: ["x1", "x2"])
        let add = g.op("add", type: "Add", ["x1", "x2"], quantizeInputs: [0, 1])
        g.outputs = [add]
        let graph = try g.build()
        let p = try plan(graph, "requests: [{set_precision: {module: add, activation: [int16, int4]}}]")
        #expect(p.dtype("add.in0") == .int16)
        #expect(p.dtype("add.in1") == .int4)
        // Mixed list: nothing said about the output.
        #expect(p.dtype("add.out0") == .int8)
        #expect {
            _ = try plan(graph, "requests: [{set_precision: {module: add, activation: [int16]}}]")
        } throws: { "\($0)".contains("lists 1 dtypes but op 'add' has 2 activation inputs") }
    }

    func twoInTwoOut() throws -> SimGraph {
        var g = GraphBuilder(inputs: ["x1", "x2"])
        let a = g.op("a", ["x1"], quantizeInputs: [0])
        let b = g.op("b", ["x2"], quantizeInputs: [0])
        g.outputs = [a, b]
        return try g.build()
    }

    @Test func modelInputListWithNullLeavesThatInputAlone() throws {
        let p = try plan(try twoInTwoOut(), "requests: [{set_model_input_precision: {activation: [null, int16]}}]")
        #expect(p.changedNames == ["b.in0"])
    }

    @Test func modelOutputListWithNullLeavesThatOutputAlone() throws {
        let p = try plan(try twoInTwoOut(), "requests: [{set_model_output_precision: {activation: [int16, null]}}]")
        #expect(p.changedNames == ["a.out0"])
    }

    @Test func modelOutputWithoutProducerQuantizerReachesThroughTransparentOps() throws {
        var g = GraphBuilder()
        let a = g.op("a", ["x"], quantizeInputs: [0])
        let r = g.op("reshape", type: "Reshape", [a], quantizeOutput: false)
        g.outputs = [r]
        let p = try plan(try g.build(), "requests: [{set_model_output_precision: {activation: int16}}]")
        #expect(p.changedNames == ["a.out0"])
        #expect(p.problem.resolution.targets.map(\.origin) == [.modelOutput(0)])
    }

    @Test func unquantizedModelInputIsAnError() throws {
        var g = GraphBuilder()
        let a = g.op("a", ["x"])
        g.outputs = [a]
        #expect {
            _ = try plan(try g.build(), "requests: [{set_model_input_precision: {activation: int16}}]")
        } throws: { "\($0)".contains("model input 0 'x' is not quantized") }
    }

    func chain() throws -> SimGraph {
        var g = GraphBuilder()
        let c1 = g.op("conv1", ["x"], quantizeInputs: [0], params: ["weight"], unquantizedParams: ["bias"])
        let c2 = g.op("conv2", [c1], params: ["weight"])
        let c3 = g.op("conv3", [c2], params: ["weight"])
        g.outputs = [c3]
        return try g.build()
    }

    @Test func laterRequestOverridesEarlierAcrossAPIs() throws {
        let p = try plan(
            try chain(),
            """
            requests:
              - set_model_input_precision: {activation: int16}
              - set_precision: {module: conv1, activation: int4}
            """)
        #expect(p.status == .ok)
        #expect(p.dtype("conv1.in0") == .int4)
        #expect(p.outcomes[0].status == .overridden)
        #expect(p.outcomes[0].overriddenBy == [1])
        let reversed = try plan(
            try chain(),
            """
            requests:
              - set_precision: {module: conv1, activation: int16}
              - set_model_input_precision: {activation: int4}
            """)
        #expect(reversed.dtype("conv1.in0") == .int4)
        #expect(reversed.outcomes[0].status == .overridden)
        #expect(reversed.problem.resolution.overridden.count == 1)
    }

    @Test func derivedOutputDemotesWithTheLayerButNotWhenPromoted() throws {
        let down = try plan(try chain(), "requests: [{set_precision: {module: conv2, activation: int4}}]")
        #expect(down.dtype("conv1.out0") == .int4)  // what conv2 reads (explicit)
        #expect(down.dtype("conv2.out0") == .int4)  // conv2's own output (derived)
        #expect(down.problem.resolution.targets.map(\.tier) == [.explicit, .derived])
        let up = try plan(try chain(), "requests: [{set_precision: {module: conv2, activation: int16}}]")
        #expect(up.changedNames == ["conv1.out0"])
    }

    @Test func derivedOutputGivesWayToAnExplicitTargetDownstream() throws {
        let p = try plan(
            try chain(),
            """
            requests:
              - set_precision: {module: conv2, activation: int4}
              - set_precision: {module: conv3, activation: int16}
            """)
        #expect(p.status == .ok)
        #expect(p.dtype("conv2.out0") == .int16)
        #expect(p.outcomes[0].status == .honored)
        #expect(p.outcomes[0].deviations.map(\.tier) == [.derived])
    }

    @Test func modelOutputLayerSetsItsOutputEvenWhenPromoting() throws {
        let p = try plan(try chain(), "requests: [{set_precision: {module: conv3, activation: int16}}]")
        #expect(p.changedNames == ["conv2.out0", "conv3.out0"])
    }

    @Test func unquantizedParamIsSkippedAndReported() throws {
        let p = try plan(try chain(), "requests: [{set_precision: {module: conv1, param: {bias: int16}}}]")
        #expect(p.changed.isEmpty)
        #expect(p.problem.resolution.notes[0] == ["op 'conv1' param 'bias' is not quantized; skipped"])
        #expect(p.problem.resolution.warnings[0].isEmpty)
    }

    @Test func fanInThroughAFusedAddReachesEveryUpstreamQuantizer() throws {
        var g = GraphBuilder(inputs: ["x1", "x2"])
        let a = g.op("a", ["x1"], quantizeInputs: [0])
        let b = g.op("b", ["x2"], quantizeInputs: [0])
        let add = g.op("add", type: "Add", [a, b], quantizeOutput: false)
        let c = g.op("c", [add], quantizeOutput: false)
        g.outputs = [c]
        let graph = try g.build()
        #expect(EffectiveQuantizers(graph).of(op: 3, input: 0).map { graph.quantizers[$0].name } == ["a.out0", "b.out0"])
        let p = try plan(graph, "requests: [{set_precision: {module: c, activation: int16}}]")
        #expect(p.changedNames == ["a.out0", "b.out0"])
    }

    @Test func dataMovementOpsWithoutQuantizersAreSeenThrough() throws {
        var g = GraphBuilder()
        let a = g.op("a", ["x"], quantizeInputs: [0])
        let r = g.op("reshape", type: "Reshape", [a], quantizeOutput: false)
        let t = g.op("transpose", type: "Transpose", [r], quantizeOutput: false)
        let c = g.op("c", [t], quantizeOutput: false)
        g.outputs = [c]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: c, activation: fp16}}]")
        #expect(p.changedNames == ["a.out0"])
        #expect(p.dtype("a.out0") == .fp16)
    }

    @Test func tiedSlotsAreOneDecision() throws {
        var g = GraphBuilder(inputs: ["x1", "x2"])
        let a = g.op("a", ["x1"], quantizeOutput: false, inputQuantizers: ["shared"])
        let b = g.op("b", ["x2"], quantizeOutput: false, inputQuantizers: ["shared"])
        g.outputs = [a, b]
        let graph = try g.build()
        let p = try plan(graph, "requests: [{set_precision: {module: a, activation: int16}}]")
        #expect(p.changedNames == ["shared"])
        let clash = try plan(
            graph,
            """
            requests:
              - set_precision: {module: a, activation: int16}
              - set_precision: {module: b, activation: int4}
            """)
        #expect(clash.status == .infeasible)
        #expect(clash.conflicts.map(\.requests) == [[0, 1]])
        #expect(clash.conflicts.first?.quantizers.map { graph.quantizers[$0].name } == ["shared"])
    }
}
