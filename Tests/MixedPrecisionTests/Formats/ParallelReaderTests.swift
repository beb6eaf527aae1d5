import Foundation
import SyntheticModels
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// A large sim file is read by two threads, the second starting at a guessed op boundary
/// (see `SimGraphReader`). Whatever the guess, the graph must be the one a single thread
/// reads, and a bad file must fail the same way.
@Suite struct ParallelReaderTests {
    /// What a read produced, in a comparable form.
    static func outcome(_ bytes: [UInt8], splitNear: Int?) -> String {
        do {
            guard let file = try SimGraphReader.read(bytes, splitNear: .some(splitNear)) else { return "declined" }
            let g = file.graph
            guard case .bytes(_, let ranges) = file.original else { return "no splice map" }
            return "ops \(Array(g.ops))\nquantizers \(Array(g.quantizers))\nranges \(ranges)\n"
                + "order \(g.topologicalOrder)\nslots \(g.inputSlots) \(g.outputSlots) \(g.paramSlots)\n"
                + "index \(g.quantizers.map { g.quantizerIndex[$0.name] })"
        } catch {
            return "error \(error)"
        }
    }

    /// Split guesses spread over the file, including points inside strings and inside the
    /// quantizers object.
    static func guesses(_ count: Int) -> [Int] { (0..<23).map { count * $0 / 23 } + [count - 1] }

    @Test(arguments: SyntheticModel.Shape.allCases)
    func everySplitGuessReadsTheGraphOneThreadReads(_ shape: SyntheticModel.Shape) {
        let bytes = Array(SyntheticModel(shape: shape, quantizers: 1500).simJSON().utf8)
        let serial = Self.outcome(bytes, splitNear: nil)
        #expect(serial.hasPrefix("ops "))
        for guess in Self.guesses(bytes.count) {
            #expect(Self.outcome(bytes, splitNear: guess) == serial, "split near \(guess)")
        }
    }

    /// A writer may put the `quantizers` before the `ops`: the second thread then starts
    /// in the middle of the ops, not of the file (most of whose first part is quantizers,
    /// cheap to read), and the graph is the one a single thread reads.
    @Test func aFileWithTheQuantizersFirstIsSplitInItsOps() throws {
        let text = SyntheticModel(shape: .moe, quantizers: 6000).simJSON()
        guard case .object(let members) = try JSONParser.parse(Array(text.utf8)) else {
            Issue.record("not an object")
            return
        }
        let reordered = members.filter { $0.0 == "quantizers" } + members.filter { $0.0 != "quantizers" }
        let bytes = Array(JSONWriter.bytes(.object(reordered)))
        #expect(bytes.count >= SimGraphReader.parallelThreshold)
        let opsKey = try #require(String(decoding: bytes, as: UTF8.self).range(of: "\"ops\":")).lowerBound.utf16Offset(
            in: String(decoding: bytes, as: UTF8.self))
        let split = try #require(bytes.withUnsafeBufferPointer { SimGraphReader.defaultSplit($0) })
        #expect(split > opsKey + (bytes.count - opsKey) / 3 && split < bytes.count - (bytes.count - opsKey) / 3)
        #expect(Self.outcome(bytes, splitNear: split) == Self.outcome(bytes, splitNear: nil))
        // In the usual order, the split is a share of the file.
        let usual = Array(text.utf8)
        #expect(
            usual.withUnsafeBufferPointer { SimGraphReader.defaultSplit($0) } == usual.count / 100 * SimGraphReader.secondThreadStartPercent
        )
    }

    /// A mapped file (how `mmp plan` reads a sim file) gives back its pages as the threads
    /// read them, and maps them again to write back: the graph and the bytes written are
    /// those of the file read into memory.
    @Test(arguments: SyntheticModel.Shape.allCases)
    func aMappedFileReadsAndWritesBackAsItsBytes(_ shape: SyntheticModel.Shape) throws {
        let bytes = Array(SyntheticModel(shape: shape, quantizers: 1500).simJSON().utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mapped-\(shape)-\(getpid()).json").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let mapped = try #require(Files.map(path, as: .sim))
        let inMemory = try #require(try SimGraphReader.read(bytes))
        for guess in [nil, bytes.count / 3, bytes.count * 2 / 3] {
            let file = try #require(try SimGraphReader.read(mapped, splitNear: .some(guess), releaseStep: 4096))
            guard case .mapped = file.original else { Issue.record("the mapped file was not kept"); return }
            #expect(Array(file.graph.ops) == Array(inMemory.graph.ops))
            #expect(file.graph.quantizers == inMemory.graph.quantizers)
            var dtypes = file.graph.dtypes
            for k in stride(from: QuantizerID(0), to: dtypes.endIndex, by: 7) { dtypes[k] = .int16 }
            #expect(SimGraphFile.bytes(file, dtypes: dtypes) == SimGraphFile.bytes(inMemory, dtypes: dtypes))
        }
    }

    @Test func aGuessInsideAStringIsCaughtAndTheFileReadWhole() {
        // `,{"` inside an op name looks like an op boundary to the byte scan.
        let text = Samples.sim(replacing: #""name": "relu""#, with: #""name": "re,{""#)
        let bytes = Array(text.utf8)
        let serial = Self.outcome(bytes, splitNear: nil)
        #expect(serial.contains(#"re,{"#))
        let inName = (0..<bytes.count).first { Array(bytes[$0...].prefix(4)) == Array("re,{".utf8) }
        #expect(inName != nil)
        #expect(Self.outcome(bytes, splitNear: inName ?? 0) == serial)
    }

    @Test func aBadFileFailsTheSameWayWhereverTheSplit() {
        let model = SyntheticModel(shape: .decoder, quantizers: 1500).simJSON()
        let broken = [
            // A dangling input late in the ops, a duplicate quantizer, a dtype typo.
            model.replacingOccurrences(of: #""inputs": ["model.layers.50.add_2:0"]"#, with: #""inputs": ["nowhere"]"#),
            model.replacingOccurrences(of: #""head.output_quantizers.0": {"#, with: #""stem.input_quantizers.0": {"#),
            model.replacingOccurrences(of: #"{"dtype": "int8", "symmetric": false}"#, with: #"{"dtype": "int64", "symmetric": false}"#)
        ]
        for text in broken {
            #expect(text != model)
            let bytes = Array(text.utf8)
            let serial = Self.outcome(bytes, splitNear: nil)
            #expect(!serial.hasPrefix("ops "))
            for guess in Self.guesses(bytes.count) {
                #expect(Self.outcome(bytes, splitNear: guess) == serial, "split near \(guess)")
            }
        }
    }

    /// Slots and edges are found by comparing nearby names first (quantizers listed in op
    /// order, tensors made just before); the graph must not depend on that order.
    @Test(arguments: SyntheticModel.Shape.allCases)
    func quantizersAndOpsInAnyOrderResolveToTheSameSlotsAndEdges(_ shape: SyntheticModel.Shape) throws {
        let read = try SimGraphFile.read(Array(SyntheticModel(shape: shape, quantizers: 1500).simJSON().utf8))
        func described(_ g: SimGraph) -> [String] {
            func name(_ q: QuantizerID?) -> String { q.map { g.quantizers[$0].name } ?? "-" }
            return g.ops.indices.map { k in
                let op = g.ops[k]
                let reads = op.inputs.indices.map { i -> String in
                    switch g.source[id: g.inputTensor(op: k, input: i)] {
                    case .modelInput(let m): return "model input \(m)"
                    case .op(let p, let j): return "\(g.ops[p].name):\(j)"
                    }
                }
                return
                    "\(op.name) reads \(reads) slots \(g.inputSlots[k].map(name)) \(g.outputSlots[k].map(name)) \(g.paramSlots[k].map(name))"
            }.sorted()
        }
        let shuffled = try SimGraph(
            inputs: read.inputs, outputs: read.outputs, ops: read.ops.reversed(),
            quantizers: read.quantizers.reversed())
        #expect(described(shuffled) == described(read))
    }
}
