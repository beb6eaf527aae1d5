import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// The converter files of an ONNX plan: `overrides.json` (AIMET's encoding format 0.6.1,
/// for QNN converters) and `ort_quant_overrides.json` (ONNX Runtime's `quantize_static`).
@Suite struct ConverterExportTests {
    /// One ONNX plan with everything its files are checked against.
    struct Export {
        var model: ONNXModel
        var sim: JSONValue
        var plan: Plan
        var facts: ConverterFacts
        var overrides: JSONValue
        var ort: JSONValue

        init(onnx bytes: [UInt8], config: QuantSimConfig, requests: String, mode: Plan.Mode = .strict) throws {
            model = try ONNXModel.read(bytes)
            let file = try ONNXImporter.simFile(onnx: bytes, config: config, modelName: "m")
            plan = try Planner.plan(
                PlanningProblem(graph: file.graph, requests: RequestFile.parse(requests), rules: config.kernelRules), mode: mode)
            sim = try JSONParser.parse(SimGraphFile.bytes(file, dtypes: plan.dtypes))
            facts = try #require(file.converterFacts)
            overrides = try JSONParser.parse(OverridesFile.bytes(plan, facts: facts))
            ort = try JSONParser.parse(OrtOverridesFile.bytes(plan, facts: facts))
        }

        init(fixture: String, config name: String, requests: String, mode: Plan.Mode = .strict) throws {
            try self.init(
                onnx: Files.read(MixedPrecisionTests.fixture("Data/models/\(fixture).onnx")),
                config: QuantSimConfigFile.read(Files.read(MixedPrecisionTests.fixture("Data/configs/\(name).json"))),
                requests: requests, mode: mode)
        }

        /// sim.json's quantizer `name`.
        func quantizer(_ name: String) -> JSONValue? { sim["quantizers"]?[name] }

        var tensors: Set<String> { Set(model.nodes.flatMap(\.outputs) + model.inputs.map(\.name)) }

        /// The producing node of each tensor.
        var producers: [String: ONNXModel.Node] {
            var p: [String: ONNXModel.Node] = [:]
            for n in model.nodes { for t in n.outputs { p[t] = n } }
            return p
        }
    }

    static func members(_ v: JSONValue?) -> [(String, JSONValue)] {
        if case .object(let m)? = v { return m }
        return []
    }

    static let seed = (try? Files.readText(fixture("Data/examples/seed/requests.yaml"))) ?? ""
    static let inputAtInt16 = "requests: [{set_model_input_precision: {activation: int16}}]"
    /// int4 weights in every Linear, int16 reads: llama_tiny's input is token ids, unquantized.
    static let llama = (try? Files.readText(fixture("Data/examples/llama/requests.yaml"))) ?? ""

    static let cases: [(String, String, String)] = [
        ("mobilenet_v2", "default", seed), ("mobilenet_v2", "per_channel", seed),
        ("resnet50", "default", inputAtInt16), ("resnet50", "per_channel", inputAtInt16),
        ("llama_tiny", "per_channel", llama)
    ]

    /// overrides.json: version 0.6.1, every key a tensor (initializer for params) of the
    /// model, every quantizer of sim.json with its planned width and kind, its symmetry and —
    /// for a weight sim.json marks per channel — one entry per output channel; the only
    /// other entries are outputs of grid-preserving ops; a supergroup's inner tensors have none.
    @Test(arguments: cases)
    func overridesFollowTheModelTheSimAndThePlan(_ c: (String, String, String)) throws {
        let e = try Export(fixture: c.0, config: c.1, requests: c.2)
        #expect(Self.members(e.overrides).map(\.0) == ["version", "activation_encodings", "param_encodings"])
        #expect(e.overrides["version"] == .string("0.6.1"))
        let activations = Self.members(e.overrides["activation_encodings"])
        let params = Self.members(e.overrides["param_encodings"])
        let producers = e.producers
        var perChannel = 0
        for (name, entries) in activations + params {
            let isParam = params.contains { $0.0 == name }
            if isParam {
                #expect(e.model.initializers[name] != nil, "\(name) is an initializer")
            } else {
                #expect(e.tensors.contains(name), "\(name) is a tensor")
                #expect(!e.facts.fused.contains(name), "\(name) is inside a supergroup")
            }
            let list = try #require(entries.asArray, "\(name)")
            guard let q = e.quantizer(name) else {
                // Not a quantizer: the output of a grid-preserving op, with its input's encoding.
                let p = try #require(producers[name], "\(name)")
                #expect(ConverterFacts.gridPreserving.contains(p.opType), "\(name) comes from \(p.opType)")
                #expect(list.count == 1)
                continue
            }
            let dtype = try #require(DType(simSpelling: { if case .string(let s)? = q["dtype"] { return s } else { return "" } }()))
            let symmetric = q["symmetric"] == .bool(true)
            var channels = 1
            if q["per_channel"] == .bool(true), dtype.kind == .int {
                // One entry per output channel of the initializer, as AIMET lays out the weight.
                let reader = try #require(e.model.nodes.first { $0.inputs.contains(name) })
                let dims = try #require(e.model.initializers[name]?.dims)
                let axis =
                    reader.opType == "ConvTranspose" || (reader.opType == "Gemm" && !reader.transB)
                    ? 1 : reader.opType == "MatMul" ? dims.count - 1 : 0
                channels = Int(dims[axis])
                perChannel += 1
            }
            #expect(list.count == channels, "\(name)")
            let expected: JSONValue =
                dtype.kind == .int
                ? .object([
                    ("bitwidth", .int(dtype.bits)), ("dtype", .string("int")), ("is_symmetric", .string(symmetric ? "True" : "False"))
                ])
                : .object([("bitwidth", .int(dtype.bits)), ("dtype", .string("float"))])
            #expect(list.allSatisfy { $0 == expected }, "\(name)")
        }
        #expect((perChannel > 0) == (c.1 == "per_channel"))
        // Every quantizer of the sim is there, under its kind.
        let listed = Set((activations + params).map(\.0))
        for (name, _) in Self.members(e.sim["quantizers"]) { #expect(listed.contains(name), "\(name)") }
        #expect(
            Set(params.map(\.0)) == Set(e.plan.graph.paramSlots.flatMap { $0 }.compactMap { $0 }.map { e.plan.graph.quantizers[$0].name }))
    }

    /// ort_quant_overrides.json: every key a tensor or initializer of the model; each
    /// quantizer's QuantType from its planned dtype and sim.json's symmetry, a per-channel
    /// weight's `axis`; the supergroups' inner tensors carry their group's output type.
    @Test(arguments: cases)
    func ortOverridesFollowTheModelTheSimAndThePlan(_ c: (String, String, String)) throws {
        let e = try Export(fixture: c.0, config: c.1, requests: c.2)
        let tensors = Self.members(e.ort["TensorQuantOverrides"])
        #expect(!tensors.isEmpty)
        let writers = OutputWriters(e.plan.graph)
        for (name, entries) in tensors {
            #expect(e.tensors.contains(name) || e.model.initializers[name] != nil, "\(name)")
            let list = try #require(entries.asArray)
            #expect(list.count == 1)
            let entry = try #require(list.first)
            // The quantizer the entry speaks for: the tensor's own, or its group's output.
            var quantizer = e.quantizer(name).map { _ in name }
            if quantizer == nil, e.facts.fused.contains(name) {
                let k = try #require(e.plan.graph.ops.firstIndex { $0.outputs.contains(name) })
                let j = try #require(e.plan.graph.ops[k].outputs.firstIndex(of: name))
                quantizer = writers[op: k, output: j].map { e.plan.graph.quantizers[$0.quantizer].name }
            }
            guard let quantizer, let q = e.quantizer(quantizer), let index = e.plan.graph.quantizerIndex[quantizer] else {
                #expect(e.producers[name].map { ConverterFacts.gridPreserving.contains($0.opType) } == true, "\(name)")
                continue
            }
            let dtype = e.plan.dtypes[index]
            let symmetric = q["symmetric"] == .bool(true)
            #expect(entry["quant_type"] == .string((symmetric ? "QInt" : "QUInt") + String(dtype.bits)), "\(name)")
            #expect(entry["symmetric"] == .bool(symmetric))
            let axis = entry["axis"]
            #expect((axis != nil) == (q["per_channel"] == .bool(true) && e.model.initializers[name] != nil), "\(name)")
        }
        // Every activation and param the plan quantizes at an integer width has an entry.
        let keys = Set(tensors.map(\.0))
        for (name, _) in Self.members(e.sim["quantizers"]) { #expect(keys.contains(name), "\(name)") }
        for t in e.facts.fused where e.tensors.contains(t) { #expect(keys.contains(t), "\(t)") }
        #expect(e.ort["nodes_to_exclude"] == .array([]))
        // mobilenet_v2 and resnet50 import opset 20: a 16-bit entry needs ONNX Runtime's contrib ops.
        #expect(e.ort["UseQDQContribOps"] == (e.model.opset < 21 ? .bool(true) : nil))
    }

    /// fp16 has no QuantType: its tensors get no ORT entry, and the nodes that read, write
    /// or weigh with an fp16 quantizer are excluded; overrides.json writes it as a float.
    @Test func fp16LayersAreLeftToFloat() throws {
        let e = try Export(
            fixture: "mobilenet_v2", config: "default",
            requests: "requests: [{set_precision: {module: classifier.1, activation: fp16, param: {weight: fp16}}}]")
        #expect(e.plan.status == .ok)
        // The Gemm reads the flattened pooling result at fp16: the pool writes fp16, and
        // the Flatten passes it on. Its output is the model's: the layer's activation
        // request reaches it too (contract §5, derived output target).
        let fp16 = Set(e.plan.graph.quantizers.indices.filter { e.plan.dtypes[$0] == .fp16 }.map { e.plan.graph.quantizers[$0].name })
        #expect(fp16 == ["mean", "linear", "classifier.1.weight"])
        let float: JSONValue = .array([.object([("bitwidth", .int(16)), ("dtype", .string("float"))])])
        #expect(e.overrides["activation_encodings"]?["mean"] == float)
        #expect(e.overrides["activation_encodings"]?["view"] == float)
        #expect(e.overrides["param_encodings"]?["classifier.1.weight"] == float)
        #expect(e.overrides["activation_encodings"]?["linear"] == float)
        for t in ["mean", "view", "linear", "classifier.1.weight"] { #expect(e.ort["TensorQuantOverrides"]?[t] == nil, "\(t)") }
        #expect(e.ort["TensorQuantOverrides"]?["x"] != nil)
        #expect(e.ort["nodes_to_exclude"] == .array(["node_mean", "node_view", "node_Gemm_964"].map(JSONValue.string)))
        // Nothing at 16 or 4 bits: no contrib ops needed.
        #expect(e.ort["UseQDQContribOps"] == nil)
    }

    /// x → Conv → Relu → Reshape → Transpose → Gemm(transB 0) → MatMul(w, through a
    /// Transpose) → Softmax → MatMul(w3) → y, built here.
    func small(convChannels: Int64 = 8, opset: Int64 = 20, unnamedSoftmax: Bool = false) throws -> [UInt8] {
        var b = ONNXBuilder()
        b.opset = opset
        b.input("x")
        b.initializer("conv.weight", dims: [convChannels, 3, 3, 3])
        b.initializer("fc.weight", dims: [8, 6])
        b.initializer("proj.weight", dims: [5, 6])
        b.initializer("out.weight", dims: [5, 4])
        b.initializer("shape", type: 7, dims: [2])
        b.node("Conv", ["x", "conv.weight"], ["c"], name: "conv")
        b.node("Relu", ["c"], ["r"], name: "relu")
        b.node("Reshape", ["r", "shape"], ["flat"], name: "reshape")
        b.node("Transpose", ["flat"], ["t"], name: "transpose")
        b.node("Gemm", ["t", "fc.weight"], ["g"], name: "fc", ints: ["transB": 0])
        b.node("Transpose", ["proj.weight"], ["proj.t"], name: "proj_t")
        b.node("MatMul", ["g", "proj.t"], ["p"], name: "proj")
        b.node("Softmax", ["p"], ["s"], name: unnamedSoftmax ? "" : "softmax")
        b.node("MatMul", ["s", "out.weight"], ["y"], name: "out")
        b.output("y")
        return try b.bytes()
    }

    static let smallConfig = """
        {"defaults": {"ops": {"is_output_quantized": "True"}, "params": {"is_quantized": "True", "is_symmetric": "True"},
                      "per_channel_quantization": "True"},
         "op_type": {"Reshape": {"is_output_quantized": "False"}, "Transpose": {"is_output_quantized": "False"},
                     "Softmax": {"is_output_quantized": "False"}},
         "supergroups": [{"op_list": ["Conv", "Relu"]}],
         "model_input": {"is_input_quantized": "True"}}
        """

    @Test func channelAxesFollowAIMETAndMovedWeightsArePerTensor() throws {
        let e = try Export(onnx: small(), config: config(Self.smallConfig), requests: "requests: []")
        #expect(e.facts.encodings["conv.weight"]?.channels == .init(axis: 0, count: 8))
        #expect(e.facts.encodings["fc.weight"]?.channels == .init(axis: 1, count: 6))  // transB 0: [K, N]
        #expect(e.facts.encodings["out.weight"]?.channels == .init(axis: 1, count: 4))
        // Read through a Transpose, whose permutation mmp does not read: one encoding.
        #expect(e.facts.encodings["proj.weight"]?.channels == nil)
        #expect(e.quantizer("proj.weight")?["per_channel"] == .bool(false))
        #expect(e.quantizer("fc.weight")?["per_channel"] == .bool(true))
        #expect(e.overrides["param_encodings"]?["fc.weight"]?.asArray?.count == 6)
        #expect(e.overrides["param_encodings"]?["proj.weight"]?.asArray?.count == 1)
        let fc = e.ort["TensorQuantOverrides"]?["fc.weight"]?.asArray?.first
        #expect(fc?["axis"] == .int(1))
        #expect(e.ort["TensorQuantOverrides"]?["proj.weight"]?.asArray?.first?["axis"] == nil)
    }

    @Test func dataMovementOutputsShareTheirInputsEncodingAndOtherUnquantizedOutputsHaveNone() throws {
        let e = try Export(
            onnx: small(), config: config(Self.smallConfig), requests: "requests: [{set_precision: {module: fc, activation: int16}}]")
        let int16: JSONValue = .array([.object([("bitwidth", .int(16)), ("dtype", .string("int")), ("is_symmetric", .string("False"))])])
        // fc reads the Transpose of the Reshape of the Relu's output: all three at int16.
        for t in ["r", "flat", "t"] { #expect(e.overrides["activation_encodings"]?[t] == int16, "\(t)") }
        // The Conv's output is inside its supergroup; the Softmax's the config leaves float.
        #expect(e.overrides["activation_encodings"]?["c"] == nil)
        #expect(e.overrides["activation_encodings"]?["s"] == nil)
        #expect(e.ort["TensorQuantOverrides"]?["c"]?.asArray?.first?["quant_type"] == .string("QUInt16"))
        #expect(e.ort["TensorQuantOverrides"]?["s"] == nil)
        #expect(e.ort["TensorQuantOverrides"]?["t"]?.asArray?.first?["quant_type"] == .string("QUInt16"))
    }

    @Test func contribOpsOnlyBelowOpset21AndOnlyNamedNodesAreExcluded() throws {
        let requests = "requests: [{set_precision: {module: out, activation: fp16}}, {set_model_input_precision: {activation: int16}}]"
        let low = try Export(onnx: small(unnamedSoftmax: true), config: config(Self.smallConfig), requests: requests)
        #expect(low.ort["UseQDQContribOps"] == .bool(true))
        // `out` reads the Softmax's output, which it governs through the Softmax's input:
        // the projection writes fp16. The unnamed Softmax cannot be listed.
        #expect(low.ort["nodes_to_exclude"] == .array([.string("proj"), .string("out")]))
        let high = try Export(onnx: small(opset: 21), config: config(Self.smallConfig), requests: requests)
        #expect(high.ort["UseQDQContribOps"] == nil)
        #expect(high.ort["nodes_to_exclude"] == .array(["proj", "softmax", "out"].map(JSONValue.string)))
    }

    /// `--insert-converts`: two convs read one tensor, asked int16 and int8. The plan
    /// inserts one input quantizer, on the int16 reader's edge; ONNX Runtime gets it as the
    /// tensor's `convert`, received by that node only; overrides.json keeps the tensor's
    /// own encoding (the format has no per-edge entry).
    @Test func anInsertedConvertIsOnnxRuntimesConvert() throws {
        var b = ONNXBuilder()
        b.input("x")
        for w in ["stem.weight", "a.weight", "b.weight"] { b.initializer(w, dims: [4, 4, 1, 1]) }
        b.node("Conv", ["x", "stem.weight"], ["s"], name: "stem")
        b.node("Conv", ["s", "a.weight"], ["ya"], name: "a")
        b.node("Conv", ["s", "b.weight"], ["yb"], name: "b")
        b.output("ya")
        b.output("yb")
        let bytes = try b.bytes()
        let config = try config(Self.smallConfig)
        let file = try ONNXImporter.simFile(onnx: bytes, config: config, modelName: "m")
        let requests = try RequestFile.parse(
            "requests: [{set_precision: {module: a, activation: int16}}, {set_precision: {module: b, activation: int8}}]")
        let problem = try PlanningProblem(graph: file.graph, requests: requests, rules: .none)
        #expect(try Planner.plan(problem, mode: .strict).status == .infeasible)
        let plan = try Planner.plan(problem, mode: .strict, options: .init(insertConverts: true))
        #expect(plan.status == .ok && plan.inserted.map(\.name) == ["a.input_quantizers.0"])
        let facts = try #require(file.converterFacts)
        let ort = try JSONParser.parse(OrtOverridesFile.bytes(plan, facts: facts))
        let convert: JSONValue = .object([
            ("quant_type", .string("QUInt16")), ("symmetric", .bool(false)), ("recv_nodes", .array([.string("a")]))
        ])
        #expect(
            ort["TensorQuantOverrides"]?["s"]
                == .array([.object([("quant_type", .string("QUInt8")), ("symmetric", .bool(false)), ("convert", convert)])]))
        #expect(ort["UseQDQContribOps"] == .bool(true))
        let overrides = try JSONParser.parse(OverridesFile.bytes(plan, facts: facts))
        #expect(
            overrides["activation_encodings"]?["s"]
                == .array([.object([("bitwidth", .int(8)), ("dtype", .string("int")), ("is_symmetric", .string("False"))])]))
    }

    /// A config that quantizes biases: overrides.json has them (QNN takes a bias
    /// encoding); ONNX Runtime gets none, as it quantizes a bias to int32 itself.
    @Test func biasesAreLeftToOnnxRuntime() throws {
        var b = ONNXBuilder()
        b.input("x")
        b.initializer("conv.weight", dims: [4, 3, 1, 1])
        b.initializer("conv.bias", dims: [4])
        b.node("Conv", ["x", "conv.weight", "conv.bias"], ["y"], name: "conv")
        b.output("y")
        let quantized = Self.smallConfig.replacingOccurrences(
            of: #""per_channel_quantization": "True"}"#,
            with: #""per_channel_quantization": "True"}, "params": {"bias": {"is_quantized": "True"}}"#)
        #expect(quantized != Self.smallConfig)
        let e = try Export(onnx: b.bytes(), config: config(quantized), requests: "requests: []")
        #expect(e.quantizer("conv.bias") != nil)
        #expect(e.overrides["param_encodings"]?["conv.bias"] != nil)
        #expect(e.ort["TensorQuantOverrides"]?["conv.bias"] == nil)
        #expect(e.ort["TensorQuantOverrides"]?["conv.weight"] != nil)
    }

    /// A graph-only file may declare any shape: a weight with more output channels than
    /// mmp writes per channel gets one encoding, and nothing traps.
    @Test func hugeChannelCountsAreWrittenPerTensor() throws {
        for channels: Int64 in [0, -3, Int64(ConverterFacts.maxChannels) + 1, .max] {
            let e = try Export(onnx: small(convChannels: channels), config: config(Self.smallConfig), requests: "requests: []")
            #expect(e.facts.encodings["conv.weight"]?.channels == nil, "\(channels)")
            #expect(e.overrides["param_encodings"]?["conv.weight"]?.asArray?.count == 1)
        }
    }

    @Test func theFilesAreTheSameBytesEveryRun() throws {
        let bytes = try Files.read(fixture("Data/models/mobilenet_v2.onnx"))
        let cfg = try QuantSimConfigFile.read(Files.read(fixture("Data/configs/per_channel.json")))
        func files() throws -> [[UInt8]] {
            let file = try ONNXImporter.simFile(onnx: bytes, config: cfg, modelName: "m")
            let p = try Planner.plan(
                PlanningProblem(graph: file.graph, requests: RequestFile.parse(Self.seed), rules: .none), mode: .strict)
            let facts = try #require(file.converterFacts)
            return [OverridesFile.bytes(p, facts: facts), OrtOverridesFile.bytes(p, facts: facts)]
        }
        #expect(try files() == files())
    }

    /// `mmp plan --onnx` writes both files beside the others, only for a feasible plan, and
    /// an infeasible plan removes those an earlier run left.
    @Test func planWritesBothFilesOnlyWhenFeasible() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let onnx = fixture("Data/models/mobilenet_v2.onnx"), cfg = fixture("Data/configs/default.json")
        let ok = try CLI.run([
            "plan", "--onnx", onnx, "--config", cfg, "--requests", fixture("Data/examples/seed/requests.yaml"), "--out-dir", dir.path
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("wrote plan.json, mmp_log.txt, sim.json, overrides.json, ort_quant_overrides.json to"))
        #expect(dir.exists("overrides.json") && dir.exists("ort_quant_overrides.json"))
        // features.3's Add and its first conv read one tensor.
        let conflict = try dir.file(
            "conflict.yaml",
            """
            requests:
              - set_precision: {module: features.3.conv.0.0, activation: int16}
              - set_precision: {module_type: Add, activation: fp16}
            """)
        let bad = try CLI.run(["plan", "--onnx", onnx, "--config", cfg, "--requests", conflict, "--out-dir", dir.path])
        #expect(bad.status == 2, "\(bad.stdout)\(bad.stderr)")
        #expect(!dir.exists("overrides.json") && !dir.exists("ort_quant_overrides.json") && !dir.exists("sim.json"))
        #expect(dir.exists("plan.json"))
    }

    /// docs/onnx.md shows both files of the seed example: each line it shows (but `...`)
    /// is a line of the file the run writes, in order.
    @Test func theDocsShowTheFilesAsWritten() throws {
        let page = try String(contentsOfFile: fixture("docs/onnx.md"), encoding: .utf8)
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try CLI.run([
            "plan", "--onnx", fixture("Data/models/mobilenet_v2.onnx"), "--config", fixture("Data/configs/per_channel.json"),
            "--requests", fixture("Data/examples/seed/requests.yaml"), "--out-dir", dir.path
        ])
        #expect(r.status == 0)
        let blocks = page.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        for (file, marker) in [("overrides.json", "\"version\": \"0.6.1\""), ("ort_quant_overrides.json", "\"TensorQuantOverrides\"")] {
            let block = try #require(blocks.first { $0.contains(marker) }, "docs/onnx.md shows \(file)")
            let shown = block.split(separator: "\n").dropFirst().map(String.init).filter {
                $0.trimmingCharacters(in: .whitespaces) != "..."
            }
            let written = (dir.read(file) ?? "").split(separator: "\n").map(String.init)
            var at = 0
            for line in shown {
                guard let k = written[at...].firstIndex(of: line) else {
                    Issue.record("\(file): docs/onnx.md shows a line the run does not write: \(line)")
                    break
                }
                at = k + 1
            }
        }
    }
}
