import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// A layer whose own output has no quantizer writes through the op fused after it
/// (contract §4 "fused output", §5 derived output targets).
@Suite struct FusedOutputTests {
    /// x → conv (no output quantizer) → relu → head
    func convRelu(outputOfRelu: Bool = false) throws -> SimGraph {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], quantizeOutput: false, params: ["weight"])
        let r = g.op("relu", type: "Relu", [c])
        let h = g.op("head", type: "Gemm", [r], params: ["weight"])
        g.outputs = [outputOfRelu ? r : h]
        return try g.build()
    }

    @Test func aFusedConvReluIsDemotedAtTheReluOutput() throws {
        let p = try plan(try convRelu(), "requests: [{set_precision: {module: conv, activation: int4}}]")
        #expect(p.status == .ok)
        #expect(p.changedNames == ["conv.in0", "relu.out0"])
        #expect(p.dtype("relu.out0") == .int4)
        let derived = p.problem.resolution.targets.filter { $0.tier == .derived }
        #expect(derived.map(\.origin) == [.output(op: 0, output: 0)])
        #expect(derived.map { p.graph.quantizers[$0.quantizers[0]].name } == ["relu.out0"])
    }

    @Test func promotingAFusedConvSetsNoOutputTarget() throws {
        let p = try plan(try convRelu(), "requests: [{set_precision: {module: conv, activation: int16}}]")
        #expect(p.changedNames == ["conv.in0"])
        #expect(p.problem.resolution.targets.allSatisfy { $0.tier == .explicit })
    }

    @Test func aFusedOutputThatIsAModelOutputIsSetEvenWhenPromoting() throws {
        let p = try plan(try convRelu(outputOfRelu: true), "requests: [{set_precision: {module: conv, activation: int16}}]")
        #expect(p.changedNames == ["conv.in0", "relu.out0"])
    }

    @Test func theChainRunsThroughAFusedBatchNorm() throws {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], quantizeOutput: false, params: ["weight"])
        let bn = g.op("bn", type: "BatchNormalization", [c], quantizeOutput: false, unquantizedParams: ["weight", "bias"])
        let r = g.op("relu", type: "Relu", [bn])
        g.outputs = [g.op("head", [r])]
        let graph = try g.build()
        #expect(OutputWriters(graph)[op: 0, output: 0].map { graph.quantizers[$0.quantizer].name } == "relu.out0")
        let p = try plan(graph, "requests: [{set_precision: {module: conv, activation: int4}}]")
        #expect(p.changedNames == ["conv.in0", "relu.out0"])
    }

    @Test func theChainStopsAtATensorWithTwoReaders() throws {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], quantizeOutput: false)
        let a = g.op("relu", type: "Relu", [c])
        let b = g.op("other", [c], quantizeInputs: [0])
        g.outputs = [a, b]
        let graph = try g.build()
        #expect(OutputWriters(graph)[op: 0, output: 0] == nil)
        let p = try plan(graph, "requests: [{set_precision: {module: conv, activation: int4}}]")
        #expect(p.changedNames == ["conv.in0"])
    }

    @Test func theChainStopsAtAModelOutput() throws {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], quantizeOutput: false)
        let r = g.op("relu", type: "Relu", [c])
        g.outputs = [c, r]
        let graph = try g.build()
        #expect(OutputWriters(graph)[op: 0, output: 0] == nil)
        let p = try plan(graph, "requests: [{set_precision: {module: conv, activation: int4}}]")
        #expect(p.changedNames == ["conv.in0"])
    }

    @Test func theChainStopsAtAReaderThatQuantizesItsInputOrHoldsAQuantizedParam() throws {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0], quantizeOutput: false)
        g.outputs = [g.op("next", [c], quantizeInputs: [0])]
        #expect(OutputWriters(try g.build())[op: 0, output: 0] == nil)

        var h = GraphBuilder()
        let d = h.op("conv", ["x"], quantizeInputs: [0], quantizeOutput: false)
        h.outputs = [h.op("fc", type: "Gemm", [d], params: ["weight"])]
        #expect(OutputWriters(try h.build())[op: 0, output: 0] == nil)
    }

    @Test func theLatestRequestOnTheLayerClaimsItsFusedOutput() throws {
        let p = try plan(
            try convRelu(),
            """
            requests:
              - set_precision: {module: conv, activation: int4}
              - set_precision: {module: conv, activation: int16}
            """)
        #expect(p.changedNames == ["conv.in0"])
        #expect(p.dtype("conv.in0") == .int16)
        #expect(p.problem.resolution.overridden.map(\.target.tier).sorted { $0.rawValue < $1.rawValue } == [.derived, .explicit])
    }
}
