import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Where a plan makes a backend convert (contract §11), reported for the plan and the
/// given sim, in plan.json, the log, the summary and `mmp compare`.
@Suite struct ConvertTests {
    /// x → stem → a (own input quantizer) and b; a at int16 requantizes what stem wrote.
    @Test func aLayerWithItsOwnInputQuantizerAtAnotherDtypeIsARequantizeEdge() throws {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        let a = g.op("a", [s], quantizeInputs: [0])
        let b = g.op("b", [s])
        g.outputs = [a, b]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: a, activation: int16}}]")
        #expect(p.status == .ok)
        #expect(p.changedNames == ["a.in0", "a.out0"])  // a writes a model output: it follows the layer
        #expect(p.givenConverts.count == 0)
        #expect(p.converts.items == [Converts.Item(kind: .requantize, op: 1, input: 0, from: .int8, to: .int16)])
        let json = PlanFile.encode(p)["converts"]
        #expect(json?["count"] == .int(1) && json?["given_count"] == .int(0))
        #expect(
            json?["items"]
                == .array([
                    .object([
                        ("kind", .string("requantize")), ("op", .string("a")), ("input", .int(0)), ("tensor", .string("stem:0")),
                        ("from", .string("int8")), ("to", .string("int16")), ("inserted", .bool(false))
                    ])
                ]))
        let log = PlanLog.render(p)
        #expect(
            log.contains(
                "Converts (1; the given sim had 0)\n  requantize at input 0 of op 'a': reads 'stem:0' at int8, converted to int16 (request 0)\n"
            ))
    }

    /// An add reading a demoted layer and an int8 one converts the int4 side up, once; an
    /// op reading through that add adds nothing.
    @Test func anOpReadingTwoDtypesIsAMixedReadCountedWhereTheyFirstMeet() throws {
        var g = GraphBuilder()
        let x = g.op("x", ["in"], quantizeInputs: [0])
        let y = g.op("y", ["in"])
        let add = g.op("add", type: "Add", [x, y], quantizeOutput: false)
        let relu = g.op("relu", type: "Relu", [add], quantizeOutput: false)
        let head = g.op("head", [relu, y])
        g.inputs = ["in"]
        g.outputs = [head]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: x, activation: int4}}]", mode: .bestEffort)
        #expect(p.dtype("x.out0") == .int4)
        // add: {int4} and {int8} meet: one convert, int4 → int8 (the higher). relu reads
        // {int4, int8} as one input: nothing new. head reads {int4, int8} and {int8}: int4
        // is already in its widest input's set, so nothing new either.
        #expect(p.converts.items == [Converts.Item(kind: .mixedRead, op: 2, input: 0, from: .int4, to: .int8)])
        #expect(p.givenConverts.count == 0)
    }

    /// With `--fewest-converts`, the stem itself moves to int16 (b, unasked, reads int16
    /// too): no convert, the request still honoured.
    @Test func fewestConvertsMovesTheSharedTensorInsteadOfConverting() throws {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        let a = g.op("a", [s], quantizeInputs: [0])
        g.outputs = [a, g.op("b", [s])]
        let graph = try g.build()
        let request = "requests: [{set_precision: {module: a, activation: int16}}]"
        for mode in [Plan.Mode.strict, .bestEffort] {
            let plain = try plan(graph, request, mode: mode)
            #expect(plain.converts.count == 1 && plain.dtype("stem.out0") == .int8)
            let problem = try PlanningProblem(graph: graph, requests: RequestFile.parse(request), rules: .none)
            let fewest = try Planner.plan(problem, mode: mode, options: .init(fewestConverts: true))
            #expect(fewest.status == .ok && fewest.outcomes[0].status == .honored)
            #expect(fewest.converts.count == 0 && fewest.dtypes[graph.quantizerIndex["stem.out0"] ?? -1] == .int16)
        }
    }

    @Test func theSummaryAndCompareSayHowManyAgainstTheGivenSim() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        let a = g.op("a", [s], quantizeInputs: [0])
        g.outputs = [a, g.op("b", [s])]
        let sim = try dir.file(
            "sim.json", String(decoding: SimGraphFile.bytes(try g.build(), dtypes: try g.build().dtypes), as: UTF8.self))
        let req = try dir.file("r.yaml", "requests: [{set_precision: {module: a, activation: int16}}]\n")
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\n1 convert, given sim had 0\nwrote "))
        let c = try CLI.run(["compare", "--sim", sim, "--requests", req])
        #expect(c.stdout.contains("converts: given sim 0, strict 1, best-effort 1"))
        let f = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out2", "--fewest-converts"])
        #expect(f.status == 0 && f.stdout.contains("\n0 converts, given sim had 0\nwrote "))
        let fc = try CLI.run(["compare", "--sim", sim, "--requests", req, "--fewest-converts"])
        #expect(fc.stdout.contains("converts: given sim 0, strict 0, best-effort 0"))
    }
}

/// The sim format's optional `tensors` (contract §11): shapes, read by both readers,
/// checked, and turned into the elements each convert moves.
@Suite struct TensorShapeTests {
    static func sim(tensors: String) -> String {
        Samples.sim.replacingOccurrences(of: #"  "quantizers": {"#, with: #"  "tensors": \#(tensors),"# + "\n" + #"  "quantizers": {"#)
    }

    @Test func bothReadersReadTheShapesAndWriteBackKeepsThem() throws {
        let text = Self.sim(tensors: #"{"x": {"shape": [1, 3, 8, 8]}, "c": {"shape": [1, 4, 8, 8], "dtype": "float32"}}"#)
        let fast = try SimGraphFile.load(Array(text.utf8))
        guard case .bytes = fast.original else { Issue.record("the streaming reader declined"); return }
        // An escaped name sends the file to the general reader.
        let slow = try SimGraphFile.load(Array(text.replacingOccurrences(of: #""model": "Tiny""#, with: #""model": "T\u0069ny""#).utf8))
        guard case .document = slow.original else { Issue.record("the general reader was not used"); return }
        for graph in [fast.graph, slow.graph] {
            #expect(graph.tensorShapes == ["x": [1, 3, 8, 8], "c": [1, 4, 8, 8]])
        }
        let written = String(decoding: SimGraphFile.bytes(fast, dtypes: fast.graph.dtypes), as: UTF8.self)
        #expect(written == text)
    }

    @Test(arguments: [
        (#"{"nope": {"shape": [1]}}"#, "tensors: 'nope' is not a tensor of the graph"),
        (#"{"x": {"shape": [1, -3]}}"#, "tensor 'x': 'shape' holds -3, not a size"),
        (#"{"x": {"shape": "1x3"}}"#, "tensor 'x': 'shape' must be a list of sizes"),
        (#"{"x": [1, 3]}"#, "tensor 'x' must be an object"),
        (#"[1]"#, "'tensors' must map tensor names to")
    ])
    func badShapesAreRefusedNamingTheTensor(_ c: (String, String)) {
        #expect {
            _ = try SimGraphFile.read(Array(Self.sim(tensors: c.0).utf8))
        } throws: { error in
            "\(error)".contains(c.1)
        }
    }

    @Test func aConvertOnAKnownTensorReportsTheElementsItMoves() throws {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        let a = g.op("a", [s], quantizeInputs: [0])
        g.outputs = [a, g.op("b", [s])]
        let built = try g.build()
        let graph = try SimGraph(
            inputs: built.inputs, outputs: built.outputs, ops: built.ops, quantizers: built.quantizers,
            tensorShapes: ["stem:0": [1, 16, 4, 4], "x": [1, 3, 8, 8]])
        let p = try plan(graph, "requests: [{set_precision: {module: a, activation: int16}}]")
        #expect(p.converts.items.map(\.elements) == [256])
        #expect(p.converts.elements == 256)
        let json = PlanFile.encode(p)["converts"]
        #expect(json?["elements"] == .int(256) && json?["items"]?.asArray?.first?["elements"] == .int(256))
        // As docs/converts.md shows it.
        #expect(
            PlanLog.render(p).contains(
                "Converts (1, 256 elements; the given sim had 0)\n"
                    + "  requantize at input 0 of op 'a': reads 'stem:0' at int8, converted to int16 (request 0, 256 elements)\n"))
        // A shape too large to count is not a count: no elements, no trap.
        let huge = try SimGraph(
            inputs: built.inputs, outputs: built.outputs, ops: built.ops, quantizers: built.quantizers,
            tensorShapes: ["stem:0": [999_999_999_999, 999_999_999_999]])
        let q = try plan(huge, "requests: [{set_precision: {module: a, activation: int16}}]")
        #expect(q.converts.count == 1 && q.converts.elements == nil)
    }

    /// stem writes a large tensor that `a` reads (asked int16) and a pool — transparent,
    /// no quantizer — shrinks it for `b` (asked int8): one convert is unavoidable, at `a`
    /// (4096 elements) or at `b` (16). `--fewest-converts` takes the smaller, though it
    /// moves the stem (the plan without the flag keeps it and converts the large tensor).
    @Test func fewestConvertsThenFewestElements() throws {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        let pool = g.op("pool", type: "GlobalAveragePool", [s], quantizeOutput: false)
        g.outputs = [g.op("a", [s], quantizeInputs: [0]), g.op("b", [pool], quantizeInputs: [0])]
        let built = try g.build()
        let graph = try SimGraph(
            inputs: built.inputs, outputs: built.outputs, ops: built.ops, quantizers: built.quantizers,
            tensorShapes: ["stem:0": [1, 16, 16, 16], "pool:0": [1, 16, 1, 1]])
        let requests = "requests: [{set_precision: {module: a, activation: int16}}, {set_precision: {module: b, activation: int8}}]"
        for mode in [Plan.Mode.strict, .bestEffort] {
            let plain = try plan(graph, requests, mode: mode)
            #expect(plain.converts.items.map(\.op) == [2] && plain.converts.elements == 4096)
            let fewest = try plan(graph, requests, mode: mode, options: .init(fewestConverts: true))
            #expect(fewest.outcomes.map(\.status) == [.honored, .honored])
            #expect(fewest.dtype("stem.out0") == .int16)
            #expect(fewest.converts.items == [Converts.Item(kind: .requantize, op: 3, input: 0, from: .int16, to: .int8, elements: 16)])
        }
    }

    /// An SE block's `Mul` reads a feature map and a gate at two dtypes: the gate (the
    /// smaller tensor) is converted, whichever dtype is higher.
    @Test func aMixedReadConvertsTheSmallerInput() throws {
        var g = GraphBuilder()
        let features = g.op("features", ["x"], quantizeInputs: [0])
        let gate = g.op("gate", ["x"])
        g.outputs = [g.op("mul", type: "Mul", [features, gate]), features, gate]
        let built = try g.build()
        let graph = try SimGraph(
            inputs: built.inputs, outputs: built.outputs, ops: built.ops, quantizers: built.quantizers,
            tensorShapes: ["features:0": [1, 32, 8, 8], "gate:0": [1, 32, 1, 1]])
        for (features, gate) in [("int8", "int16"), ("int16", "int8")] {
            let p = try plan(graph, "requests: [{set_model_output_precision: {activation: [null, \(features), \(gate)]}}]")
            let from = try #require(DType(simSpelling: gate)), to = try #require(DType(simSpelling: features))
            #expect(p.converts.items == [Converts.Item(kind: .mixedRead, op: 2, input: 1, from: from, to: to, elements: 32)])
        }
    }
}
