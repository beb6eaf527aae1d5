import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// `--insert-converts` (contract §11): a new input quantizer on an edge a request names
/// lets the request hold there, instead of on the quantizer every reader of the tensor
/// shares; nothing is inserted that a request does not need.
@Suite struct InsertConvertTests {
    static let insert = Planner.Options(insertConverts: true)

    /// x → stem → a and b, neither with its own input quantizer: a at int16 and b at int8
    /// both ask what stem writes.
    static func siblings() throws -> SimGraph {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        g.outputs = [g.op("a", [s]), g.op("b", [s])]
        return try g.build()
    }

    static let siblingRequests = """
        requests:
          - set_precision: {module: a, activation: int16}
          - set_precision: {module: b, activation: int8}
        """

    @Test func aSiblingConflictIsResolvedByExactlyOneConvert() throws {
        let graph = try Self.siblings()
        let without = try plan(graph, Self.siblingRequests)
        #expect(without.status == .infeasible && without.conflicts.count == 1)

        let p = try plan(graph, Self.siblingRequests, options: Self.insert)
        #expect(p.status == .ok)
        #expect(p.outcomes.map(\.status) == [.honored, .honored])
        // One quantizer inserted, on a's edge; what stem writes keeps its dtype.
        #expect(p.inserted == [InsertedQuantizer(op: 1, input: 0, name: "a.input_quantizers.0", requantizes: 1)])
        #expect(p.givenQuantizerCount == graph.quantizers.count && p.graph.quantizers.count == graph.quantizers.count + 1)
        #expect(p.dtype("a.input_quantizers.0") == .int16 && p.dtype("stem.out0") == .int8)
        #expect(p.changedNames == ["a.out0"])  // a writes a model output: it follows the layer
        var item = Converts.Item(kind: .requantize, op: 1, input: 0, from: .int8, to: .int16)
        item.inserted = true
        #expect(p.converts.items == [item] && p.givenConverts.count == 0)

        // In best-effort too: the later request no longer wins over the earlier one.
        let b = try plan(graph, Self.siblingRequests, mode: .bestEffort, options: Self.insert)
        #expect(b.outcomes.map(\.status) == [.honored, .honored] && b.inserted.count == 1)
    }

    /// A request that the shared quantizer can serve needs no convert, and gets none.
    @Test func nothingIsInsertedThatNoRequestNeeds() throws {
        let p = try plan(try Self.siblings(), "requests: [{set_precision: {module: a, activation: int16}}]", options: Self.insert)
        #expect(p.status == .ok && p.inserted.isEmpty)
        #expect(p.dtype("stem.out0") == .int16 && p.converts.count == 0)
        #expect(p.graph.quantizers.count == (try Self.siblings()).quantizers.count)
    }

    /// stem → relu (fused: no quantizer of its own) → the model output. The relu's request
    /// and the model output's meet on the relu's one input edge: a convert there holds one
    /// dtype, so the conflict stays, and says why.
    @Test func twoRequestsOnOneEdgeStayAConflictWithTheReason() throws {
        var g = GraphBuilder()
        let s = g.op("stem", ["x"], quantizeInputs: [0])
        g.outputs = [g.op("relu", type: "Relu", [s], quantizeOutput: false)]
        let requests = """
            requests:
              - set_precision: {module: relu, activation: int16}
              - set_model_output_precision: {activation: int4}
            """
        let p = try plan(try g.build(), requests, options: Self.insert)
        #expect(p.status == .infeasible && p.conflicts.count == 1)
        let c = try #require(p.conflicts.first)
        #expect(c.requests == [0, 1])
        #expect(c.collisions.map { p.graph.quantizers[$0.quantizer].name } == ["relu.input_quantizers.0"])
        #expect(
            c.convertsCannotHelp == [
                "input 0 of op 'relu' is one edge: a convert there holds one dtype, and the requests ask int4 and int16 of it"
            ])
        let log = PlanLog.render(p)
        #expect(log.contains("    at quantizer relu.input_quantizers.0 (a convert mmp could insert):\n"))
        #expect(
            log.contains(
                "    a convert cannot help: input 0 of op 'relu' is one edge: a convert there holds one dtype, and the requests ask int4 and int16 of it\n"
            ))
        // plan.json lists the sim's quantizers only; the candidate is named in the conflict.
        let json = PlanFile.encode(p)
        #expect(json["quantizers"]?["relu.input_quantizers.0"] == nil)
        #expect(json["conflicts"]?.asArray?.first?["converts_cannot_help"]?.asArray?.count == 1)
    }

    /// A param is not an activation: two requests on one weight (through a tied slot here)
    /// stay a conflict, with that reason.
    @Test func aParamConflictSaysConvertsChangeActivationsOnly() throws {
        var g = GraphBuilder()
        let a = g.op("a", ["x"], quantizeInputs: [0], params: ["weight"])
        g.outputs = [g.op("b", [a], params: ["weight"])]
        g.ops[1].params = [.init("weight", "a.weight")]
        let requests = """
            requests:
              - set_precision: {module: a, param: {weight: int16}}
              - set_precision: {module: b, param: {weight: int4}}
            """
        let p = try plan(try g.build(), requests, options: Self.insert)
        #expect(p.status == .infeasible)
        #expect(p.conflicts.first?.convertsCannotHelp == ["'a.weight' is tied (2 slots share it): a convert cannot split one quantizer"])
    }

    /// The write-back: one new quantizer in sim.json, its fields copied from the quantizer
    /// it requantizes, and a's slot naming it; the rest of the file as it was.
    @Test func writeBackAddsTheInsertedQuantizer() throws {
        let dir = try TempDir()
        var text = String(
            decoding: SimGraphFile.bytes(try Self.siblings(), dtypes: try Self.siblings().dtypes), as: UTF8.self)
        // A field of the upstream quantizer that mmp does not read, to be copied.
        text = text.replacingOccurrences(
            of: #""stem.out0": {"dtype": "int8"}"#, with: #""stem.out0": {"dtype": "int8", "symmetric": false}"#)
        #expect(text.contains(#""symmetric": false"#))
        let sim = try dir.file("sim.json", text)
        let req = try dir.file("r.yaml", Self.siblingRequests + "\n")
        let strict = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/plain"])
        #expect(strict.status == 2)
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out", "--insert-converts"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\ninserted 1 input quantizer (converts)\n  a.input_quantizers.0: int16, requantizes stem.out0 (int8)\n"))
        #expect(r.stdout.contains("\n1 convert, given sim had 0\n"))
        let written = try SimGraphFile.load(Array(try Files.readText(dir.path + "/out/sim.json").utf8))
        #expect(written.graph.quantizers.count == (try Self.siblings()).quantizers.count + 1)
        #expect(written.graph.ops[1].inputQuantizers == ["a.input_quantizers.0"])
        let doc = try JSONParser.parse(Array(try Files.readText(dir.path + "/out/sim.json").utf8))
        #expect(
            doc["quantizers"]?["a.input_quantizers.0"]
                == .object([("dtype", .string("int16")), ("symmetric", .bool(false))]))
        let planJSON = try JSONParser.parse(Array(try Files.readText(dir.path + "/out/plan.json").utf8))
        #expect(
            planJSON["quantizers"]?["a.input_quantizers.0"]?["inserted"]
                == .object([("op", .string("a")), ("input", .int(0)), ("requantizes", .string("stem.out0"))]))
        #expect(planJSON["converts"]?["items"]?.asArray?.first?["inserted"] == .bool(true))
        let log = try Files.readText(dir.path + "/out/mmp_log.txt")
        #expect(
            log.contains(
                "Inserted quantizers (1)\n  a.input_quantizers.0: int16 at input 0 of op 'a', requantizes 'stem.out0' (int8) (request 0)\n")
        )
        // Planning the written sim again with the same requests changes nothing more.
        let again = try CLI.run(["plan", "--sim", dir.path + "/out/sim.json", "--requests", req, "--out-dir", dir.path + "/again"])
        #expect(again.status == 0 && again.stdout.contains("\n0 of 5 quantizers change dtype\n"))
        let c = try CLI.run(["compare", "--sim", sim, "--requests", req, "--insert-converts"])
        #expect(c.status == 0 && c.stdout.contains("a.input_quantizers.0  -      int16   int16"), "\(c.stdout)")
    }

    /// A file as read keeps its bytes when converts are inserted: only the ops that gain a
    /// quantizer are rewritten and the new quantizers appended; the result is the document
    /// the general path encodes. Here an add gains two, one per input.
    @Test func writeBackOfAFileAsReadSplicesAndMatchesTheEncodedDocument() throws {
        var g = GraphBuilder()
        let s1 = g.op("s1", ["x"], quantizeInputs: [0])
        let s2 = g.op("s2", ["x"], quantizeInputs: [0])
        g.outputs = [g.op("add", type: "Add", [s1, s2]), g.op("r1", [s1]), g.op("r2", [s2])]
        let graph = try g.build()
        let text = String(decoding: SimGraphFile.bytes(graph, dtypes: graph.dtypes), as: UTF8.self)
            .replacingOccurrences(of: #""s1.out0": {"dtype": "int8"}"#, with: #""s1.out0": {"dtype": "int8", "note": "kept"}"#)
            // Spelled as mmp would not write it, so kept bytes show.
            .replacingOccurrences(of: "\": ", with: "\":")
        let file = try SimGraphFile.load(Array(text.utf8))
        guard case .bytes = file.original else {
            Issue.record("the streaming reader read the file")
            return
        }
        let requests = """
            requests:
              - set_precision: {module: add, activation: int16}
              - set_precision: {module: r1, activation: int8}
              - set_precision: {module: r2, activation: int8}
            """
        let p = try Planner.plan(
            PlanningProblem(graph: file.graph, requests: RequestFile.parse(requests), rules: .none), mode: .strict, options: Self.insert)
        #expect(p.status == .ok && p.inserted.map(\.name) == ["add.input_quantizers.0", "add.input_quantizers.1"])
        func written(_ file: SimFile) -> [UInt8] {
            var out: [UInt8] = []
            SimGraphFile.write(file, dtypes: p.dtypes, inserted: p.inserted) {
                out += $0
                return true
            }
            return out
        }
        let fast = written(file)
        let slow = written(SimFile(graph: file.graph, original: .document(try JSONParser.parse(Array(text.utf8)))))
        #expect(try JSONParser.parse(fast) == JSONParser.parse(slow))
        let doc = try JSONParser.parse(fast)
        #expect(doc["quantizers"]?["add.input_quantizers.0"] == .object([("dtype", .string("int16")), ("note", .string("kept"))]))
        // Every op but the add keeps its bytes.
        let fastText = String(decoding: fast, as: UTF8.self)
        for op in ["s1", "s2", "r1", "r2"] {
            let original = try #require(text.range(of: "\"name\":\"\(op)\"").map { String(text[$0.lowerBound...].prefix(150)) })
            #expect(fastText.contains(original), "\(op)")
        }
        #expect(try SimGraphFile.load(fast).graph.ops[2].inputQuantizers == ["add.input_quantizers.0", "add.input_quantizers.1"])
    }
}
