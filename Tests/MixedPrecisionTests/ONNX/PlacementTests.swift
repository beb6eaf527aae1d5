import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Quantizer placement from an AIMET quantsim config on small ONNX graphs built here.
@Suite struct PlacementTests {
    let base = """
        {"defaults": {"ops": {"is_output_quantized": "True"}, "params": {"is_quantized": "True"}},
         "params": {"bias": {"is_quantized": "False"}},
         "op_type": {"Reshape": {"is_output_quantized": "False"}},
         "supergroups": [{"op_list": ["Conv", "Relu"]}],
         "model_input": {"is_input_quantized": "True"}}
        """

    /// x → Conv(w, b) → Relu → Reshape(shape from Shape/Gather/Cast) → MatMul(w2) → y
    func model() throws -> [UInt8] {
        var b = ONNXBuilder()
        b.input("x")
        b.initializer("conv.weight", dims: [8, 3, 3, 3])
        b.initializer("conv.bias", dims: [8])
        b.initializer("fc.weight", dims: [8, 4])
        b.initializer("index", type: 7, dims: [1])
        b.node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name: "/conv/Conv")
        b.node("Relu", ["c"], ["r"], name: "/relu/Relu")
        b.node("Shape", ["r"], ["s"], name: "/Shape")
        b.node("Gather", ["s", "index"], ["g"], name: "/Gather")
        b.node("Cast", ["g"], ["shape"], name: "/Cast", castTo: 7)
        b.node("Reshape", ["r", "shape"], ["flat"], name: "/Reshape")
        b.node("MatMul", ["flat", "fc.weight"], ["y"], name: "/fc/MatMul")
        b.output("y")
        return try b.bytes()
    }

    func op(_ g: SimGraph, _ name: String) -> SimGraph.Op? { g.ops.first { $0.name == name } }

    @Test func supergroupsFuseConvWithItsReluAndParamsFollowTheConfig() throws {
        let g = try ONNXImporter.simGraph(onnx: model(), config: config(base), modelName: "m")
        #expect(op(g, "/conv/Conv")?.outputQuantizers == [nil])
        #expect(op(g, "/relu/Relu")?.outputQuantizers == ["r"])
        #expect(op(g, "/conv/Conv")?.params == [.init("weight", "conv.weight"), .init("bias", nil)])
        #expect(op(g, "/fc/MatMul")?.params == [.init("weight", "fc.weight")])
        #expect(op(g, "/conv/Conv")?.modules == ["conv"])
        #expect(op(g, "/conv/Conv")?.className == "torch.nn.modules.conv.Conv2d")
        let unfused = try ONNXImporter.simGraph(
            onnx: model(), config: config(base.replacingOccurrences(of: #"[{"op_list": ["Conv", "Relu"]}]"#, with: "[]")), modelName: "m")
        #expect(op(unfused, "/conv/Conv")?.outputQuantizers == ["c"])
    }

    @Test func opsConfiguredUnquantizedAreTransparent() throws {
        let g = try ONNXImporter.simGraph(onnx: model(), config: config(base), modelName: "m")
        #expect(op(g, "/Reshape")?.outputQuantizers == [nil])
        let e = EffectiveQuantizers(g)
        let fc = g.opIndex["/fc/MatMul"] ?? -1
        #expect(e.of(op: fc, input: 0).map { g.quantizers[$0].name } == ["r"])
    }

    @Test func integerTensorsGetNoQuantizersAndShapeOpsAreNotInTheSim() throws {
        let g = try ONNXImporter.simGraph(onnx: model(), config: config(base), modelName: "m")
        #expect(g.ops.map(\.name) == ["/conv/Conv", "/relu/Relu", "/Reshape", "/fc/MatMul"])
        #expect(op(g, "/Reshape")?.inputs == ["r"])  // the shape input is not an activation
        #expect(g.quantizers.map(\.name) == ["x", "conv.weight", "r", "fc.weight", "y"])
    }

    @Test func modelInputQuantizationFollowsTheConfig() throws {
        let on = try ONNXImporter.simGraph(onnx: model(), config: config(base), modelName: "m")
        #expect(op(on, "/conv/Conv")?.inputQuantizers == ["x"])
        let off = try ONNXImporter.simGraph(
            onnx: model(),
            config: config(base.replacingOccurrences(of: #""is_input_quantized": "True""#, with: #""is_input_quantized": "False""#)),
            modelName: "m")
        #expect(op(off, "/conv/Conv")?.inputQuantizers == [nil])
        #expect(!off.quantizers.contains { $0.name == "x" })
    }

    @Test func defaultBitWidthsAndDataType() throws {
        let g = try ONNXImporter.simGraph(
            onnx: model(), config: config(base),
            defaults: .init(activationBits: 16, paramBits: 4), modelName: "m")
        #expect(g.quantizers.map(\.dtype) == [.int16, .int4, .int16, .int4, .int16])
        let f = try ONNXImporter.simGraph(
            onnx: model(), config: config(base),
            defaults: .init(activationBits: 16, paramBits: 16, kind: .float), modelName: "m")
        #expect(Set(f.quantizers.map(\.dtype)) == [.fp16])
        #expect(throws: MMPError.self) {
            try ONNXImporter.simGraph(
                onnx: model(), config: config(base), defaults: .init(activationBits: 12, kind: .float), modelName: "m")
        }
    }

    @Test func oneInitializerReadBySeveralOpsIsOneTiedQuantizer() throws {
        var b = ONNXBuilder()
        b.input("x")
        b.initializer("shared.weight", dims: [4, 4])
        b.node("MatMul", ["x", "shared.weight"], ["a"], name: "a")
        b.node("Transpose", ["shared.weight"], ["shared_t"], name: "t")
        b.node("MatMul", ["a", "shared_t"], ["y"], name: "b")
        b.output("y")
        let g = try ONNXImporter.simGraph(onnx: b.bytes(), config: config(base), modelName: "m")
        #expect(op(g, "a")?.params == [.init("weight", "shared.weight")])
        #expect(op(g, "b")?.params == [.init("weight", "shared.weight")])
        #expect(g.ops.count == 2)  // the transpose of a constant is folded away
        // A request on one reader's weight moves the other's too; asking both apart conflicts.
        let p = try plan(
            g,
            """
            requests:
              - set_precision: {module: a, param: {weight: int4}}
              - set_precision: {module: b, param: {weight: int16}}
            """)
        #expect(p.conflicts.map(\.requests) == [[0, 1]])
    }

    @Test func weightsAreNeverNeededNotEvenExternalOnes() throws {
        var b = ONNXBuilder()
        b.input("x")
        try b.externalInitializer("w", dims: [4, 4])
        b.node("MatMul", ["x", "w"], ["y"], name: "mm")
        b.output("y")
        let g = try ONNXImporter.simGraph(onnx: b.bytes(), config: config(base), modelName: "m")
        #expect(op(g, "mm")?.params == [.init("weight", "w")])
    }

    @Test func scalarConstantsAndShapeInputsAreNotParams() throws {
        var b = ONNXBuilder()
        b.input("x")
        b.initializer("eps", dims: [])
        b.initializer("exponent", dims: [1])
        b.initializer("gamma", dims: [16])
        b.node("Pow", ["x", "exponent"], ["p"], name: "pow")
        b.node("Add", ["p", "eps"], ["a"], name: "add")
        b.node("Mul", ["a", "gamma"], ["y"], name: "mul")
        b.output("y")
        let g = try ONNXImporter.simGraph(onnx: b.bytes(), config: config(base), modelName: "m")
        #expect(op(g, "pow")?.params == [])
        #expect(op(g, "add")?.params == [])
        #expect(op(g, "mul")?.params == [.init("weight", "gamma")])
        #expect(op(g, "pow")?.inputs == ["x"])
    }

    @Test func dynamoMetadataGivesModulesAndClasses() throws {
        var b = ONNXBuilder()
        b.input("x")
        b.initializer("val_1", dims: [4, 4])
        b.node(
            "MatMul", ["x", "val_1"], ["y"], name: "node_linear",
            scopes: ["", "blocks", "blocks.0", "blocks.0.fc"],
            classes: ["Model", "torch.nn.modules.container.ModuleList", "Block", "torch.nn.modules.linear.Linear"])
        b.output("y")
        let g = try ONNXImporter.simGraph(onnx: b.bytes(), config: config(base), modelName: "m")
        #expect(g.ops.first?.modules == ["blocks.0.fc"])
        #expect(g.ops.first?.className == "torch.nn.modules.linear.Linear")
    }

    @Test func scopedNamesFoldIntoModulePaths() {
        #expect(ModuleNaming.scopedName("/features/features.3/conv/conv.1/conv.1.0/Conv") == "features.3.conv.1.0")
        #expect(ModuleNaming.scopedName("/GlobalAveragePool") == "")
        #expect(ModuleNaming.moduleOfParam("features.1.conv.0.0.weight") == "features.1.conv.0.0")
        #expect(ModuleNaming.moduleOfParam("onnx::Conv_538") == nil)
        #expect(ModuleNaming.pythonStrings("['', 'a.b', \"c'd\"]") == ["", "a.b", "c'd"])
    }
}
