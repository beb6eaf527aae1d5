import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Inputs found in review to crash, hang or slip past validation.
@Suite struct HostileInputTests {
    @Test func deeplyNestedUnknownFieldIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let text = Samples.sim(replacing: #""model": "Tiny","#, with: "\"model\": \"Tiny\", \"extra\": \(deep),")
        #expect { try SimGraphFile.read(Array(text.utf8)) } throws: { "\($0)".contains("nesting deeper than 512") }
    }

    @Test(arguments: [
        (#""extra": "bad\q","#, "invalid escape"),
        (#""extra": {"a": 1, "a": 2},"#, "duplicate key \"a\"")
    ])
    func theStreamingReaderLeavesEveryErrorToTheGeneralParser(_ c: (String, String)) throws {
        let text = Samples.sim(replacing: #""model": "Tiny","#, with: #""model": "Tiny", "# + c.0)
        #expect { try SimGraphFile.read(Array(text.utf8)) } throws: { "\($0)".contains(c.1) }
    }

    @Test func duplicateQuantizerNamesAreReportedAsDuplicateKeys() throws {
        let text = Samples.sim(replacing: #""fc.w": {"dtype": "int8"}"#, with: #""fc.w": {"dtype": "int8"}, "fc.w": {"dtype": "int8"}"#)
        #expect { try SimGraphFile.read(Array(text.utf8)) } throws: { "\($0)".contains("duplicate key \"fc.w\"") }
    }

    @Test func hostileONNXShapesDoNotTrap() throws {
        var b = ONNXBuilder()
        b.input("x")
        b.initializer("w", dims: [1 << 40, 1 << 40, 1 << 40])
        b.node("Mul", ["x", "w"], ["y"], name: "mul")
        b.output("y")
        let g = try ONNXImporter.simGraph(onnx: b.bytes(), config: QuantSimConfig(), modelName: "m")
        #expect(g.ops.first?.params.map(\.name) == ["weight"])
    }

    @Test func anOutputNameThatIsADirectoryIsRefusedAndLeftAlone() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.path + "/out/plan.json", withIntermediateDirectories: true)
        _ = try dir.file("out/plan.json/precious.txt", "keep me")
        let sim = try dir.file("sim.json", Samples.sim)
        let req = try dir.file("r.yaml", Samples.requests)
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("it is a directory"))
        #expect(dir.read("out/plan.json/precious.txt") == "keep me")
        try FileManager.default.createDirectory(atPath: dir.path + "/pic", withIntermediateDirectories: true)
        _ = try dir.file("pic/precious.txt", "keep me")
        let d = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out2", "--dot", dir.path + "/pic"])
        #expect(d.status == 1)
        #expect(dir.read("pic/precious.txt") == "keep me")
    }

    @Test func pathologicalGlobsStayPolynomial() {
        let path = Array(repeating: "a", count: 40).joined()
        #expect(!Glob(String(repeating: "**a", count: 10) + "**b").matches(path))
        #expect(!Glob(String(repeating: "*a", count: 12) + "*b").matches(path))
        #expect(Glob(String(repeating: "*a", count: 12)).matches(path))
        #expect(Glob("layer1[.]0.conv1").matches("layer1.0.conv1"))
    }

    @Test func patternsAndSuggestionsNeverStandForTheWholeModel() throws {
        var g = GraphBuilder()
        g.outputs = [g.op("fc", ["x"], quantizeInputs: [0])]
        let graph = try g.build()
        let p = try plan(graph, #"requests: [{set_precision: {pattern: "", activation: int16}}]"#)
        #expect(p.outcomes.first?.status == .selectedNothing)
        #expect {
            _ = try plan(graph, "requests: [{set_precision: {module: zq, activation: int16}}]")
        } throws: { !"\($0)".contains("''") }
    }
}

/// Request files that made the YAML library or the request reader do unbounded work, and
/// JSON values that were silently coerced (issue 12).
@Suite struct HostileRequestFileTests {
    @Test func aBillionLaughsIsRefusedBeforeItIsExpanded() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for k in 1...9 { lines.append("a\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 10).joined(separator: ", ") + "]") }
        lines.append("requests: [*a9]")
        #expect { try RequestFile.parse(lines.joined(separator: "\n")) } throws: {
            "\($0)".contains("line 2, column 10: YAML aliases (and merge keys) are not supported in request files")
        }
    }

    @Test func mergeKeysAndTagsAreRefused() throws {
        let merge = """
            base: &base {activation: int16}
            requests:
              - set_precision: {<<: *base, module: fc}
            """
        #expect { try RequestFile.parse(merge) } throws: { "\($0)".contains("YAML aliases (and merge keys) are not supported") }
        #expect { try RequestFile.parse("requests: [{set_precision: {module: !!binary ZmM=, activation: int16}}]") } throws: {
            "\($0)".contains("line 1, column 37: YAML tags are not supported in request files")
        }
    }

    @Test func manyTopLevelKeysAreReportedWithoutPairwiseWork() throws {
        let text = (0..<100_000).map { "k\($0): 1" }.joined(separator: "\n")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect { try RequestFile.parse(text) } throws: { "\($0)".contains("unknown key 'k0' in the file") }
        }
        // Quadratic work took about 20 s here; linear takes well under one.
        #expect(elapsed < .seconds(10))
    }

    @Test(arguments: [#"{"pattern": true}"#, #"{"pattern": 1}"#, #"{"module": 1.5}"#, #"{"module_type": 1.5}"#])
    func aJSONSelectorMustBeAString(_ selector: String) throws {
        let body = selector.dropLast() + #", "activation": "int16"}"#
        #expect { try RequestFile.parse(#"{"requests": [{"set_precision": "# + body + "}]}") } throws: {
            "\($0)".contains("must be a string, found a")
        }
        // In YAML an unquoted scalar is text, as YAML reads it: a module named 1.
        let yaml = "requests: [{set_precision: {module: 1, activation: int16}}]"
        #expect(try RequestFile.parse(yaml) == [.setPrecision(.module("1"), activation: .all(.int16), param: [])])
    }

    @Test func aModelWithoutOutputsOrInputsCannotHonourAModelLevelRequest() throws {
        let none = try SimGraph(inputs: [], outputs: [], ops: [], quantizers: [])
        #expect { _ = try plan(none, "requests: [{set_model_output_precision: {activation: int16}}]") } throws: {
            "\($0)".contains("the model has no outputs")
        }
        #expect { _ = try plan(none, "requests: [{set_model_input_precision: {activation: [] }}]") } throws: {
            "\($0)".contains("the model has no inputs")
        }
    }

    @Test func anONNXOutputThatNoNodeProducesIsRefused() throws {
        var b = ONNXBuilder()
        b.input("x")
        b.node("Relu", ["x"], ["y"], name: "relu")
        b.output("y")
        b.output("ghost")
        #expect { try ONNXImporter.simGraph(onnx: b.bytes(), config: QuantSimConfig(), modelName: "m") } throws: {
            "\($0)".contains("graph output 1 'ghost' is produced by no node")
        }
    }
}

/// Messages a user can act on: clipped echoes, byte-order marks, suggestions (issue 12).
@Suite struct MessageTests {
    @Test func aMegabyteModulePathIsNotEchoedWhole() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = String(repeating: "a", count: 1 << 20)
        let r = try CLI.run([
            "plan", "--sim", try dir.file("sim.json", Samples.sim),
            "--requests", try dir.file("r.yaml", "requests: [{set_precision: {module: \(path), activation: int16}}]"),
            "--out-dir", dir.path + "/out"
        ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown module path 'aaaa"))
        #expect(r.stderr.contains("… (1048576 bytes)"))
        #expect(r.stderr.utf8.count < 5000)
    }

    @Test func aHundredThousandEntryListIsNotEchoedWhole() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let list = Array(repeating: "int16", count: 100_000).joined(separator: ", ")
        let r = try CLI.run([
            "plan", "--sim", try dir.file("sim.json", Samples.sim),
            "--requests", try dir.file("r.yaml", "requests: [{set_model_input_precision: {activation: [\(list)]}}]"),
            "--out-dir", dir.path + "/out"
        ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("lists 100000 dtypes but the model has 1 inputs"), "\(r.stderr.prefix(500))")
        #expect(r.stderr.utf8.count < 5000)
    }

    @Test func aByteOrderMarkIsAcceptedInEveryTextInput() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let bom = "\u{FEFF}"
        let r = try CLI.run([
            "plan", "--sim", try dir.file("sim.json", bom + Samples.sim),
            "--requests", try dir.file("r.json", bom + #"{"requests": [{"set_model_input_precision": {"activation": "int16"}}]}"#),
            "--config", try dir.file("c.json", bom + #"{"defaults": {}}"#), "--out-dir", dir.path + "/out"
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(dir.read("out/sim.json")?.contains("\"conv.in\": {\"dtype\": \"int16\"") == true)
    }

    @Test func aModuleTypeThatSelectsNothingSuggestsTheClosestNames() throws {
        var g = GraphBuilder()
        g.outputs = [g.op("conv", className: "torch.nn.modules.conv.Conv2d", ["x"], quantizeInputs: [0])]
        let p = try plan(try g.build(), "requests: [{set_precision: {module_type: Conv2D, activation: int16}}]")
        #expect(p.outcomes[0].status == .selectedNothing)
        #expect(p.problem.resolution.warnings[0] == ["module_type 'Conv2D' selects no op; did you mean 'Conv2d', 'Conv'?"])
    }
}
