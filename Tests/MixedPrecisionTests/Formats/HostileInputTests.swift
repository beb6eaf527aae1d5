import Foundation
import Testing
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
        (#""extra": {"a": 1, "a": 2},"#, "duplicate key \"a\""),
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
