import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Who pulls a multi-input op's inputs to one dtype (contract §6): layers asked to read
/// at a new dtype do; model input and output requests do not, and neither does an op
/// whose latest `set_precision` spelled its inputs out with `null`.
@Suite struct HomogeneityTests {
    /// Three stems reading x, add1 = s1 + s2, add2 = add1 + s3; every tensor a model
    /// output, as in AIMET's own test of `set_model_output_precision`.
    func threeStems() throws -> SimGraph {
        var g = GraphBuilder()
        let s1 = g.op("s1", ["x"], quantizeInputs: [0])
        let s2 = g.op("s2", ["x"], quantizeInputs: [0])
        let s3 = g.op("s3", ["x"], quantizeInputs: [0])
        let a1 = g.op("add1", type: "Add", [s1, s2])
        let a2 = g.op("add2", type: "Add", [a1, s3])
        g.outputs = [s1, s2, s3, a1, a2]
        return try g.build()
    }

    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func modelOutputRequestsDoNotPullTheOutputsLeftNull(_ mode: Plan.Mode) throws {
        let p = try plan(
            try threeStems(), "requests: [{set_model_output_precision: {activation: [int16, null, int16, null, int16]}}]", mode: mode)
        #expect(p.status == .ok)
        #expect(p.changedNames == ["add2.out0", "s1.out0", "s3.out0"])
        #expect(p.problem.homogeneity.isEmpty)
    }

    @Test func modelInputRequestsDoNotPullTheOtherInputOfASwappedMatMul() throws {
        var g = GraphBuilder(inputs: ["x0", "x1"])
        g.outputs = [g.op("matmul", type: "MatMul", ["x1", "x0"], quantizeInputs: [0, 1])]
        let p = try plan(try g.build(), "requests: [{set_model_input_precision: {activation: [null, int16]}}]")
        #expect(p.changedNames == ["matmul.in0"])
        #expect(p.problem.homogeneity.isEmpty)
    }

    @Test func aNullInTheLayersOwnListLeavesThatInputAlone() throws {
        var g = GraphBuilder(inputs: ["x0", "x1"])
        let a = g.op("a", ["x0"], quantizeInputs: [0])
        let b = g.op("b", ["x1"], quantizeInputs: [0])
        g.outputs = [g.op("add", type: "Add", [a, b])]
        let graph = try g.build()
        let p = try plan(graph, "requests: [{set_precision: {module: add, activation: [int16, null]}}]")
        // The add writes the model output: its output follows the one dtype the list names.
        #expect(p.changedNames == ["a.out0", "add.out0"])
        #expect(p.problem.homogeneity.isEmpty)
        // A later request on the layer with one dtype for all inputs takes that back.
        let later = try plan(
            graph,
            """
            requests:
              - set_precision: {module: add, activation: [int16, null]}
              - set_precision: {module: a, activation: int16}
              - set_precision: {module: add, param: {weight: int8}}
            """)
        #expect(later.problem.homogeneity.isEmpty, "a param-only request says nothing about inputs")
    }

    @Test func aResidualAddIsStillPulledAlongByALayerReadingOneOfItsProducers() throws {
        // x → a → (add, c); y → b → add. c asked to read a's output at int16.
        var g = GraphBuilder(inputs: ["x", "y"])
        let a = g.op("a", ["x"], quantizeInputs: [0])
        let b = g.op("b", ["y"], quantizeInputs: [0])
        let add = g.op("add", type: "Add", [a, b])
        let c = g.op("c", [a], quantizeOutput: false)
        g.outputs = [add, c]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: c, activation: int16}}]")
        #expect(p.changedNames == ["a.out0", "b.out0"])
        #expect(p.problem.homogeneity.map(\.op) == [2])
    }

    @Test func aParamRequestDoesNotPull() throws {
        // The weight is tied to what the add reads: a param target is not a layer reading it.
        var g = GraphBuilder(inputs: ["x", "y"])
        let a = g.op("a", ["x"], quantizeInputs: [0], outputQuantizers: ["shared"])
        let b = g.op("b", ["y"], quantizeInputs: [0])
        let add = g.op("add", type: "Add", [a, b])
        g.ops.append(
            SimGraph.Op(
                name: "w", type: "Conv", inputs: [add], outputs: ["w:0"], inputQuantizers: [nil],
                outputQuantizers: ["w.out0"], params: [.init("weight", "shared")]))
        g.quantizer("w.out0")
        g.outputs = ["w:0"]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: w, param: {weight: int16}}}]")
        #expect(p.changedNames == ["shared"])
        #expect(p.problem.homogeneity.isEmpty)
    }
}
