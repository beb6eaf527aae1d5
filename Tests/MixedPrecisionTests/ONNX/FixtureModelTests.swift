import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Planning on the exported models in Data/models (graph-only ONNX files).
@Suite struct FixtureModelTests {
    @Test func seedExamplePlansOnMobileNetV2() throws {
        let graph = try importFixture("mobilenet_v2")
        let requests = try RequestFile.parse(Files.readText(fixture("Data/examples/seed/requests.yaml")))
        let p = try Planner.plan(PlanningProblem(graph: graph, requests: requests, rules: .none), mode: .strict)
        #expect(p.status == .ok)
        #expect(
            p.changedNames == [
                "features.1.conv.0.0.weight", "features.3.conv.1.0.weight",
                "hardtanh",  // the ReLU6 output features.1.conv.0.0 reads
                "hardtanh_4",  // the ReLU6 output features.3.conv.1 reads
                "linear",  // the model output
                "x"  // the model input
            ])
        #expect(p.changed.allSatisfy { p.dtypes[$0] == .int16 })
        // mobilenet_v2 pools functionally: no AvgPool2d layer exists.
        #expect(p.outcomes.map(\.status) == [.honored, .honored, .selectedNothing, .honored, .honored])
        let file = try ONNXImporter.simFile(
            onnx: Files.read(fixture("Data/models/mobilenet_v2.onnx")),
            config: QuantSimConfigFile.read(Files.read(fixture("Data/configs/default.json"))), modelName: "mobilenet_v2")
        let overrides = try OverridesFile.encode(p, facts: #require(file.converterFacts))
        func encoding(_ bits: Int, symmetric: Bool) -> JSONValue {
            .array([.object([("bitwidth", .int(bits)), ("dtype", .string("int")), ("is_symmetric", .string(symmetric ? "True" : "False"))])]
            )
        }
        #expect(overrides["activation_encodings"]?["hardtanh"] == encoding(16, symmetric: false))
        #expect(overrides["param_encodings"]?["features.1.conv.0.0.weight"] == encoding(16, symmetric: true))
        #expect(overrides["param_encodings"]?["features.2.conv.1.0.weight"] == encoding(8, symmetric: true))
    }

    /// The dynamo export declares the shapes of its tensors (value infos): they become the
    /// sim's tensor shapes, written into sim.json, for the elements of converts.
    @Test func declaredShapesBecomeTensorShapes() throws {
        let graph = try importFixture("mobilenet_v2")
        #expect(graph.tensorShapes["x"] == [1, 3, 224, 224])
        #expect(graph.tensorShapes["add"] == [1, 24, 56, 56])
        #expect(graph.tensorShapes.count > 90)
        let file = try ONNXImporter.simFile(
            onnx: Files.read(fixture("Data/models/mobilenet_v2.onnx"), as: .binary),
            config: QuantSimConfigFile.read(Files.read(fixture("Data/configs/default.json"), as: .text)), modelName: "mobilenet_v2")
        let written = try SimGraphFile.read(SimGraphFile.bytes(file, dtypes: file.graph.dtypes))
        #expect(written.tensorShapes == graph.tensorShapes)
    }

    @Test func bothExportersGiveTheSameModulePaths() throws {
        let dynamo = try importFixture("mobilenet_v2")
        let script = try importFixture("mobilenet_v2_torchscript")
        func layers(_ g: SimGraph) -> [String] {
            g.ops.map { "\($0.modules[0]) \($0.type == "ReduceMean" ? "GlobalAveragePool" : $0.type == "Reshape" ? "Flatten" : $0.type)" }
        }
        #expect(layers(dynamo) == layers(script))
        #expect(layers(dynamo).count == 100)
        // Every layer the TorchScript export names is named by the dynamo export too.
        #expect(Set(script.modulePaths).isSubset(of: Set(dynamo.modulePaths)))
        #expect(dynamo.quantizers.count == script.quantizers.count)
    }

    @Test func llamaProfileByClassPathAndPattern() throws {
        let graph = try importFixture("llama_tiny")
        let requests = try RequestFile.parse(Files.readText(fixture("Data/examples/llama/requests.yaml")))
        let p = try Planner.plan(PlanningProblem(graph: graph, requests: requests, rules: .none), mode: .strict)
        #expect(p.status == .ok)
        #expect(p.outcomes.map(\.status) == [.honored, .honored, .honored, .honored])
        // Every Linear: 7 per block in 2 blocks, and lm_head.
        let linears = graph.ops.indices.filter { graph.ops[$0].className == "torch.nn.modules.linear.Linear" }
        #expect(linears.count == 15)
        for k in linears {
            let w = try #require(graph.paramSlots[k].first ?? nil)
            let qkv1 = graph.ops[k].modules.contains { $0.hasPrefix("model.layers.1.self_attn.") && !$0.hasSuffix("o_proj") }
            #expect(p.dtypes[w] == (qkv1 ? .int8 : .int4), "\(graph.ops[k].modules)")
        }
        // The embedding table is tied to lm_head: one quantizer, so it moved too.
        let gather = try #require(graph.ops.firstIndex { $0.type == "Gather" })
        #expect(graph.paramSlots[gather].first == graph.quantizerIndex["lm_head.weight"])
        #expect(p.dtype("lm_head.weight") == .int4)
        // The RMSNorms of block 0 read int16: their ops' inputs.
        let norms = graph.ops.indices.filter { graph.ops[$0].modules.contains("model.layers.0.input_layernorm") }
        #expect(norms.count == 7)
        for k in norms {
            for i in graph.ops[k].inputs.indices {
                for q in EffectiveQuantizers(graph).of(op: k, input: i) { #expect(p.dtypes[q] == .int16) }
            }
        }
    }

    @Test func requestsByTorchClassAndByOpType() throws {
        let graph = try importFixture("llama_tiny")
        let byClass = try plan(graph, "requests: [{set_precision: {module_type: LlamaRMSNorm, activation: int16}}]")
        #expect(byClass.problem.resolution.selectedOps[0].count == 35)  // 5 RMSNorms of 7 ops
        let byType = try plan(graph, "requests: [{set_precision: {module_type: Softmax, activation: int16}}]")
        #expect(byType.problem.resolution.selectedOps[0].count == 2)
        #expect(byType.status == .ok)
    }

    @Test func tiedInitializersAreOneQuantizer() throws {
        // The exporter deduplicated the (identical) RMSNorm weights into one initializer.
        let graph = try importFixture("llama_tiny")
        let q = try #require(graph.quantizerIndex["model.layers.0.input_layernorm.weight"])
        #expect(graph.paramSlots.flatMap { $0 }.filter { $0 == q }.count == 5)
        let p = try plan(
            graph,
            """
            requests:
              - set_precision: {module: model.layers.0.input_layernorm, param: {weight: int16}}
              - set_precision: {module: model.norm, param: {weight: int8}}
            """)
        #expect(p.status == .infeasible)
        #expect(p.conflicts.first?.collisions.first?.tiedSlots.count == 5)
    }

    @Test(arguments: ["resnet50", "vit_b_16"])
    func largerModelsImportAndPlanEveryLayer(_ name: String) throws {
        let graph = try importFixture(name, config: "htp_like")
        let p = try plan(
            graph, #"requests: [{set_precision: {module: "", activation: int16}}]"#,
            rules: QuantSimConfigFile.read(Files.read(fixture("Data/configs/htp_like.json"))).kernelRules,
            mode: .bestEffort)
        #expect(p.status == .ok)
        #expect(graph.ops.count > 100)
        #expect(p.outcomes.first?.status == .honored)
    }
}
