import Foundation
import SyntheticModels
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Reading, validating and writing back `mmp-sim/1` (contract §2).
@Suite struct SimGraphFileTests {
    static let invalid: [(String, String, String)] = [
        ("malformed JSON", Samples.sim(replacing: #""model": "Tiny","#, with: #""model": "Tiny""#), "malformed JSON at line 4"),
        ("wrong format", Samples.sim(replacing: "mmp-sim/1", with: "mmp-sim/9"), #"unsupported format "mmp-sim/9""#),
        (
            "dangling tensor", Samples.sim(replacing: #""inputs": ["r"]"#, with: #""inputs": ["nowhere"]"#),
            "op 'fc' input 0 reads tensor 'nowhere', which no op produces"
        ),
        (
            "dangling model output", Samples.sim(replacing: "\"outputs\": [\"y\"],\n  \"ops\"", with: "\"outputs\": [\"z\"],\n  \"ops\""),
            "model output 0 'z' is not produced"
        ),
        ("duplicate op name", Samples.sim(replacing: #""name": "relu""#, with: #""name": "conv""#), "duplicate op name 'conv'"),
        (
            "unknown quantizer", Samples.sim(replacing: #""output_quantizers": ["fc.out"]"#, with: #""output_quantizers": ["fc.gone"]"#),
            "op 'fc' output 0 names quantizer 'fc.gone', which is not in 'quantizers'"
        ),
        (
            "unknown param quantizer", Samples.sim(replacing: #""weight": "fc.w""#, with: #""weight": "fc.x""#),
            "op 'fc' param 'weight' names quantizer 'fc.x'"
        ),
        (
            "length mismatch", Samples.sim(replacing: #""input_quantizers": ["conv.in"]"#, with: #""input_quantizers": ["conv.in", null]"#),
            "op 'conv' has 1 inputs but 2 input_quantizers"
        ),
        (
            "cycle",
            Samples.sim(replacing: #""inputs": ["c"]"#, with: #""inputs": ["y"]"#).replacingOccurrences(
                of: #""inputs": ["r"]"#, with: #""inputs": ["r"]"#),
            "cycle: op 'relu' reads 'y', which op 'fc' reads 'r', which op 'relu' produces"
        ),
        (
            "misspelt op key",
            Samples.sim(
                replacing: #""input_quantizers": [null], "output_quantizers": [null]"#,
                with: #""input_quantizer": [null], "output_quantizers": [null]"#),
            "op 'relu' has unknown key 'input_quantizer'"
        ),
        ("op without outputs", Samples.sim(replacing: #""outputs": ["r"],"#, with: ""), "op 'relu' has no 'outputs'"),
        ("no model inputs", Samples.sim(replacing: #""inputs": ["x"],"#, with: ""), "missing 'inputs'"),
        (
            "unknown dtype", Samples.sim(replacing: #""fc.w": {"dtype": "int8"}"#, with: #""fc.w": {"dtype": "int64"}"#),
            "quantizer 'fc.w' has unknown dtype \"int64\""
        ),
        (
            "produced twice", Samples.sim(replacing: #""outputs": ["r"]"#, with: #""outputs": ["c"]"#),
            "tensor 'c' is produced by both op 'conv' and op 'relu'"
        ),
        (
            "missing dtype", Samples.sim(replacing: #""fc.out": {"dtype": "int8"}"#, with: #""fc.out": {}"#),
            "quantizer 'fc.out' has no 'dtype'"
        ),
        (
            "ops not a list",
            Samples.sim(replacing: #""ops": ["#, with: #""ops": {"x": ["#).replacingOccurrences(
                of: "}\n  ],\n  \"quantizers\"", with: "}]},\n  \"quantizers\""),
            "'ops' must be a list"
        ),
        ("op without type", Samples.sim(replacing: #""type": "Relu", "#, with: ""), "op 'relu' has no 'type'"),
        ("truncated", String(Samples.sim.prefix(200)), "malformed JSON")
    ]

    @Test(arguments: invalid)
    func invalidSimIsRejectedWithAMessageNamingTheProblem(_ c: (String, String, String)) {
        #expect(throws: MMPError.self, "\(c.0)") { try SimGraphFile.read(Array(c.1.utf8)) }
        do {
            _ = try SimGraphFile.read(Array(c.1.utf8))
        } catch {
            #expect("\(error)".contains(c.2), "\(c.0): \(error)")
        }
    }

    @Test func writeBackChangesOnlyDtypesAndKeepsEverythingElse() throws {
        let file = try SimGraphFile.load(Array(Samples.sim.utf8))
        let graph = file.graph
        var dtypes = graph.dtypes
        dtypes[graph.quantizerIndex["fc.w"] ?? 0] = .int4
        let out = String(decoding: SimGraphFile.bytes(file, dtypes: dtypes), as: UTF8.self)
        // Byte for byte the input, but for the one dtype.
        #expect(out == Samples.sim.replacingOccurrences(of: #""fc.w": {"dtype": "int8"}"#, with: #""fc.w": {"dtype": "int4"}"#))
        let reread = try SimGraphFile.read(Array(out.utf8))
        #expect(reread.dtypes == dtypes)
        #expect(reread.ops == graph.ops)
        // Extra fields and number spellings survive.
        #expect(out.contains(#""encoding": {"#))
        #expect(out.contains(#""max": 2.0e0"#))
        #expect(out.contains(#""symmetric": false"#))
        #expect(out.contains(#""fc.w": {"#))
    }

    /// A large sim is written back in chunks: short runs between dtypes are gathered,
    /// long ones (the ops before the first dtype) handed over as they are. Either way the
    /// bytes are the input's with each dtype in turn replaced.
    @Test func streamedWriteBackOfALargeSimSplicesEveryDtypeInPlace() throws {
        let text = SyntheticModel(shape: .decoder, quantizers: 3000).simJSON()
        let file = try SimGraphFile.load(Array(text.utf8))
        let graph = file.graph
        guard case .bytes = file.original else { Issue.record("the streaming reader did not keep the bytes"); return }
        let cycle: [DType] = [.int4, .int16, .fp16, .int8]
        let dtypes = IDArray<QuantizerID, DType>(graph.quantizers.indices.map { cycle[$0.rawValue % cycle.count] })
        var chunks: [[UInt8]] = []
        SimGraphFile.write(file, dtypes: dtypes) {
            chunks.append(Array($0)); return true
        }
        // Expected: the k-th `"dtype": "…"` of the file (they are in quantizer order) spelt anew.
        var expected = "", rest = Substring(text), k = 0
        while let at = rest.range(of: #""dtype": ""#) {
            guard let close = rest[at.upperBound...].firstIndex(of: "\"") else { break }
            expected += rest[..<at.upperBound] + dtypes[QuantizerID(k)].description
            rest = rest[close...]
            k += 1
        }
        expected += rest
        #expect(k == graph.quantizers.count)
        #expect(chunks.contains { $0.count > 1 << 16 }, "the ops were not handed over whole")
        #expect(String(decoding: chunks.joined(), as: UTF8.self) == expected)
        // A write error stops the stream.
        var calls = 0
        SimGraphFile.write(file, dtypes: dtypes) { _ in
            calls += 1; return false
        }
        #expect(calls == 1)
    }

    @Test func fileTheStreamingReaderDeclinesIsReadByTheGeneralParser() throws {
        // Escapes and non-ASCII names are valid JSON the streaming reader leaves to the parser.
        let text = Samples.sim.replacingOccurrences(of: #""model": "Tiny""#, with: #""model": "Ti\u006ey é""#)
        let slow = try SimGraphFile.load(Array(text.utf8))
        let graph = slow.graph
        #expect(graph.model == "Tiny é")
        guard case .document = slow.original else { Issue.record("the general reader did not keep the document"); return }
        let fastFile = try SimGraphFile.load(Array(Samples.sim.utf8))
        let fast = fastFile.graph
        guard case .bytes = fastFile.original else { Issue.record("the streaming reader did not keep the bytes"); return }
        #expect(fast.ops == graph.ops && fast.quantizers == graph.quantizers && fast.inputs == graph.inputs)
    }

    @Test func tiedSlotsShareOneQuantizer() throws {
        let text = Samples.sim(replacing: #""output_quantizers": ["fc.out"]"#, with: #""output_quantizers": ["conv.out"]"#)
        let graph = try SimGraphFile.read(Array(text.utf8))
        #expect(graph.outputSlots[0][0] == graph.outputSlots[2][0])
    }

    @Test func byteBufferWritesDecimalsAsSwiftSpellsThem() {
        for n in [0, 7, 10, 99, 100, 12345, -1, -42, Int.max, Int.min] {
            var out = ByteBuffer()
            out.append(decimal: n)
            #expect(String(decoding: out.bytes, as: UTF8.self) == String(n))
        }
    }

    @Test func jsonParserRoundTripsEscapesAndRejectsBadInput() throws {
        let v = try JSONParser.parse(Array(#"{"a\"b": ["\u00e9\ud83d\ude00", -1.5e-3, true, null]}"#.utf8))
        #expect(v["a\"b"] == .array([.string("é😀"), .number("-1.5e-3"), .bool(true), .null]))
        #expect(try JSONParser.parse(Array(JSONWriter.write(v).utf8)) == v)
        for bad in ["{", "[1,]", "01", "\"\\x\"", "{\"a\":1,\"a\":2}", "[1] 2", String(repeating: "[", count: 600)] {
            #expect(throws: JSONParser.SyntaxError.self, "\(bad.prefix(20))") { try JSONParser.parse(Array(bad.utf8)) }
        }
    }
}
