import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Model inputs first read by ops that hold no quantizer (contract §4): the quantized
/// edges behind them govern the input.
@Suite struct ModelInputReadersTests {
    @Test func aModelInputReadThroughAReshapeIsGovernedByTheLayerAfterIt() throws {
        var g = GraphBuilder()
        let r = g.op("reshape", type: "Reshape", ["x"], quantizeOutput: false)
        g.outputs = [g.op("fc", type: "Gemm", [r], quantizeInputs: [0], params: ["weight"])]
        let p = try plan(try g.build(), "requests: [{set_model_input_precision: {activation: int16}}]")
        #expect(p.status == .ok)
        #expect(p.changedNames == ["fc.in0"])
        #expect(p.problem.resolution.targets.map(\.origin) == [.edge(op: 1, input: 0)])
    }

    @Test func twoDataMovementOpsAndABranchAreSeenThrough() throws {
        var g = GraphBuilder(inputs: ["x", "y"])
        let r = g.op("reshape", type: "Reshape", ["x"], quantizeOutput: false)
        let t = g.op("transpose", type: "Transpose", [r], quantizeOutput: false)
        let a = g.op("a", [t], quantizeInputs: [0])
        let b = g.op("b", [t], quantizeInputs: [0])
        let c = g.op("c", ["y"], quantizeInputs: [0])
        g.outputs = [a, b, c]
        let graph = try g.build()
        #expect(graph.quantizedReaders(ofModelInput: 0).map { graph.ops[$0.op].name } == ["a", "b"])
        let p = try plan(graph, "requests: [{set_model_input_precision: {activation: [int16, null]}}]")
        #expect(p.changedNames == ["a.in0", "b.in0"])
    }

    @Test func anOpThatQuantizesSomethingEndsTheWalk() throws {
        // The op quantizes its output (not its input): what it passes on is not the input as read.
        var g = GraphBuilder()
        let a = g.op("a", ["x"])
        g.outputs = [g.op("b", [a], quantizeInputs: [0])]
        #expect {
            _ = try plan(try g.build(), "requests: [{set_model_input_precision: {activation: int16}}]")
        } throws: { "\($0)".contains("model input 0 'x' is not quantized") }
    }

    @Test func aModelInputReadThroughAReshapeByASetPrecisionLayerSharesTheEdge() throws {
        var g = GraphBuilder()
        let r = g.op("reshape", type: "Reshape", ["x"], quantizeOutput: false)
        g.outputs = [g.op("fc", type: "Gemm", [r], quantizeInputs: [0])]
        let p = try plan(
            try g.build(),
            """
            requests:
              - set_model_input_precision: {activation: int16}
              - set_precision: {module: fc, activation: int4}
            """)
        #expect(p.dtype("fc.in0") == .int4)
        #expect(p.outcomes[0].status == .overridden)
    }

    @Test func anUnquantizedModelOutputIsAnError() throws {
        var g = GraphBuilder()
        let a = g.op("a", ["x"], quantizeOutput: false)
        g.outputs = [g.op("reshape", type: "Reshape", [a], quantizeOutput: false)]
        #expect {
            _ = try plan(try g.build(), "requests: [{set_model_output_precision: {activation: int16}}]")
        } throws: { "\($0)".contains("model output 0 'reshape:0' is not quantized") }
    }
}
