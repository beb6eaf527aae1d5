import MMPModel

/// Reads and writes the `mmp-sim/1` sim-graph format (contract §2).
///
/// Reading checks the document's shape here and the graph's consistency in
/// ``SimGraph/init(model:inputs:outputs:ops:quantizers:)``, and keeps the file beside the
/// graph (``SimFile``). Writing back patches only each quantizer's `dtype` into the file
/// as read, so every other field — and the order of keys — is carried through untouched.
public enum SimGraphFile {
    public static let format = "mmp-sim/1"

    /// Parses a sim-graph file's bytes: the streaming reader for the common case, the
    /// general parser (and its error messages) for everything else.
    public static func load(_ bytes: [UInt8]) throws(MMPError) -> SimFile {
        if let file = try SimGraphReader.read(bytes) { return file }
        return try loadDocument(bytes)
    }

    /// The same for a mapped file (see ``MappedFile``): read in place, and written back
    /// from the page cache.
    public static func load(_ file: MappedFile) throws(MMPError) -> SimFile {
        if let read = try SimGraphReader.read(file) { return read }
        return try loadDocument(file.array)
    }

    /// The general parser's reading.
    private static func loadDocument(_ bytes: [UInt8]) throws(MMPError) -> SimFile {
        let doc: JSONValue
        do {
            doc = try JSONParser.parse(bytes)
        } catch {
            throw .invalidSim("malformed JSON at \(error)")
        }
        return SimFile(graph: try decode(doc), original: .document(doc))
    }

    /// The graph of a sim-graph file (``load(_:)`` without the file).
    public static func read(_ bytes: [UInt8]) throws(MMPError) -> SimGraph {
        try load(bytes).graph
    }

    /// Builds a graph from a parsed document.
    public static func decode(_ doc: JSONValue) throws(MMPError) -> SimGraph {
        guard case .object = doc else { throw .invalidSim("the file must hold a JSON object") }
        func value(_ key: SimDocumentKey) -> JSONValue? { doc[key.spelling] }
        guard let format = value(.format) else { throw .invalidSim("missing \"format\": \"\(Self.format)\"") }
        guard case .string(Self.format) = format else {
            throw .invalidSim("unsupported format \(JSONWriter.write(format).dropLast()); expected \"\(Self.format)\"")
        }
        var model: String? = nil
        if let m = value(.model), m != .null { model = try string(m, "'model'") }
        guard let inputsValue = value(.inputs) else { throw .invalidSim("missing 'inputs' (the model input tensors)") }
        guard let outputsValue = value(.outputs) else { throw .invalidSim("missing 'outputs' (the model output tensors)") }
        let inputs = try strings(inputsValue, "'inputs'")
        let outputs = try strings(outputsValue, "'outputs'")
        guard case .array(let opValues)? = value(.ops) else { throw .invalidSim("'ops' must be a list of ops") }
        var ops: [SimGraph.Op] = []
        ops.reserveCapacity(opValues.count)
        for (k, v) in opValues.enumerated() { ops.append(try op(v, index: k)) }
        guard case .object(let qMembers)? = value(.quantizers) else {
            throw .invalidSim("'quantizers' must be an object mapping quantizer names to {\"dtype\": …}")
        }
        var quantizers: [SimGraph.Quantizer] = []
        quantizers.reserveCapacity(qMembers.count)
        for (name, v) in qMembers {
            guard case .object = v else { throw .invalidSim("quantizer '\(name)' must be an object") }
            guard let d = v["\(SimDocumentKey.dtype)"] else { throw .invalidSim("quantizer '\(name)' has no 'dtype'") }
            guard case .string(let text) = d, let dtype = DType(simSpelling: text) else {
                throw .invalidSim(
                    "quantizer '\(name)' has unknown dtype \(JSONWriter.write(d).dropLast()) (expected intN with 2 ≤ N ≤ 32, fp8, fp16 or fp32)"
                )
            }
            quantizers.append(.init(name: name, dtype: dtype))
        }
        return try SimGraph(
            model: model, inputs: inputs, outputs: outputs, ops: ops, quantizers: quantizers, tensorShapes: tensorShapes(value(.tensors)))
    }

    /// The optional `tensors` object: `{name: {"shape": [dims]}}` (other fields carried
    /// through untouched). A dimension is a non-negative integer.
    private static func tensorShapes(_ value: JSONValue?) throws(MMPError) -> [String: [Int]] {
        guard let value, value != .null else { return [:] }
        guard case .object(let members) = value else { throw .invalidSim("'tensors' must map tensor names to {\"shape\": [...]}") }
        var shapes: [String: [Int]] = [:]
        for (name, entry) in members {
            guard case .object = entry else { throw .invalidSim("tensor '\(echo(name))' must be an object") }
            guard let shape = entry["\(SimDocumentKey.shape)"] else { continue }
            guard case .array(let dims) = shape else { throw .invalidSim("tensor '\(echo(name))': 'shape' must be a list of sizes") }
            var out: [Int] = []
            for d in dims {
                guard case .number(let text) = d, let n = Int(text), n >= 0, n < 1_000_000_000_000 else {
                    throw .invalidSim(
                        "tensor '\(echo(name))': 'shape' holds \(JSONWriter.write(d).dropLast()), not a size (a non-negative integer)")
                }
                out.append(n)
            }
            if shapes.updateValue(out, forKey: name) != nil { throw .invalidSim("tensor '\(echo(name))' is listed twice in 'tensors'") }
        }
        return shapes
    }

    private static func op(_ v: JSONValue, index k: Int) throws(MMPError) -> SimGraph.Op {
        guard case .object(let members) = v else { throw .invalidSim("op #\(k) must be an object") }
        guard let nameValue = v["name"] else { throw .invalidSim("op #\(k) has no 'name'") }
        let name = try string(nameValue, "op #\(k) 'name'")
        let what = "op '\(name)'"
        // A misspelt key would silently drop a slot; reject it instead.
        for (key, _) in members where !SimOpKey.spellings.contains(key) {
            throw .invalidSim("\(what) has unknown key '\(echo(key))' (expected \(SimOpKey.list))")
        }
        guard let typeValue = v["type"] else { throw .invalidSim("\(what) has no 'type'") }
        let type = try string(typeValue, "\(what) 'type'")
        var className: String? = nil
        if let c = v["class"], c != .null { className = try string(c, "\(what) 'class'") }
        var modules: [String]? = nil
        switch v["module"] {
        case nil, .null?: break
        case .string(let m)?: modules = [m]
        case .array?: modules = try strings(v["module"] ?? .null, "\(what) 'module'")
        case let other?: throw .invalidSim("\(what) 'module' must be a string or a list of strings, found \(other.kindName)")
        }
        guard let inputsValue = v["inputs"] else { throw .invalidSim("\(what) has no 'inputs'") }
        guard let outputsValue = v["outputs"] else { throw .invalidSim("\(what) has no 'outputs'") }
        let inputs = try strings(inputsValue, "\(what) 'inputs'")
        let outputs = try strings(outputsValue, "\(what) 'outputs'")
        let inQ = try optionalStrings(v["input_quantizers"], count: inputs.count, "\(what) 'input_quantizers'")
        let outQ = try optionalStrings(v["output_quantizers"], count: outputs.count, "\(what) 'output_quantizers'")
        var params: [SimGraph.Param] = []
        switch v["params"] {
        case nil, .null?: break
        case .object(let members)?:
            for (p, q) in members {
                switch q {
                case .null: params.append(.init(p, nil))
                case .string(let s): params.append(.init(p, s))
                default: throw .invalidSim("\(what) param '\(p)' must name a quantizer or be null, found \(q.kindName)")
                }
            }
        case let other?: throw .invalidSim("\(what) 'params' must be an object, found \(other.kindName)")
        }
        return SimGraph.Op(
            name: name, type: type, className: className, modules: modules, inputs: inputs,
            outputs: outputs, inputQuantizers: inQ, outputQuantizers: outQ, params: params)
    }

    private static func string(_ v: JSONValue, _ what: String) throws(MMPError) -> String {
        guard case .string(let s) = v else { throw .invalidSim("\(what) must be a string, found \(v.kindName)") }
        return s
    }

    private static func strings(_ v: JSONValue, _ what: String) throws(MMPError) -> [String] {
        guard case .array(let items) = v else { throw .invalidSim("\(what) must be a list of strings, found \(v.kindName)") }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case .string(let s) = item else { throw .invalidSim("\(what) must hold strings, found \(item.kindName)") }
            out.append(s)
        }
        return out
    }

    private static func optionalStrings(_ v: JSONValue?, count: Int, _ what: String) throws(MMPError) -> [String?] {
        guard let v, v != .null else { return Array(repeating: nil, count: count) }
        guard case .array(let items) = v else { throw .invalidSim("\(what) must be a list, found \(v.kindName)") }
        var out: [String?] = []
        for item in items {
            switch item {
            case .null: out.append(nil)
            case .string(let s): out.append(s)
            default: throw .invalidSim("\(what) must hold quantizer names or null, found \(item.kindName)")
            }
        }
        return out
    }

    /// The file with each quantizer's dtype replaced by `dtypes[k]`: the bytes as read with
    /// only the dtype strings spliced, the document as read with its dtypes patched, or —
    /// for a graph built in code — the graph encoded in full.
    public static func bytes(_ file: SimFile, dtypes: IDArray<QuantizerID, DType>) -> [UInt8] {
        switch file.original {
        case .bytes, .mapped: break
        case .document, .none: return JSONWriter.bytes(encode(file, dtypes: dtypes))
        }
        var out: [UInt8] = []
        write(file, dtypes: dtypes) {
            out.append(contentsOf: $0); return true
        }
        return out
    }

    /// A graph built in code, encoded with `dtypes`.
    public static func bytes(_ graph: SimGraph, dtypes: IDArray<QuantizerID, DType>) -> [UInt8] {
        bytes(SimFile(graph: graph), dtypes: dtypes)
    }

    /// The same file as ``bytes(_:dtypes:)``, handed to `emit` in chunks of about a
    /// megabyte, so writing a large sim back never holds a second copy of it.
    public static func write(_ file: SimFile, dtypes: IDArray<QuantizerID, DType>, emit: (UnsafeBufferPointer<UInt8>) -> Bool) {
        guard withSource(file, { splice($0, dtypeRanges: $1, dtypes: dtypes.elements, edits: [], release: $2, emit: emit) }) else {
            _ = bytes(file, dtypes: dtypes).withUnsafeBufferPointer(emit)
            return
        }
    }

    /// Runs `body` on the bytes of a file as read (in memory or mapped), with its dtype
    /// ranges and — for a mapped file — how to give bytes back; false for a file that is
    /// not (a document, a graph built in code).
    private static func withSource(
        _ file: SimFile, _ body: (UnsafeBufferPointer<UInt8>, [Range<Int>], ((Range<Int>) -> Void)?) -> Void
    ) -> Bool {
        switch file.original {
        case .bytes(let sourceBytes, let dtypeRanges) where dtypeRanges.count == file.graph.quantizerCount:
            sourceBytes.withUnsafeBufferPointer { body($0, dtypeRanges, nil) }
            return true
        case .mapped(let source, let dtypeRanges) where dtypeRanges.count == file.graph.quantizerCount:
            source.withBytes { body($0, dtypeRanges, { source.release($0) }) }
            return true
        default:
            return false
        }
    }

    /// How many bytes of a mapped file are handed over at once, and given back after.
    private static let mappedStep = 16 << 20

    /// `input` with the dtype strings at `dtypeRanges` replaced by `dtypes`, and each of
    /// `edits` (byte ranges in ascending order, none overlapping a dtype) replaced by its
    /// bytes, handed to `emit` in chunks. With `release` (a mapped file), the bytes handed
    /// over are given back as it goes, so that the copy does not bring the whole file into
    /// the process.
    private static func splice(
        _ input: UnsafeBufferPointer<UInt8>, dtypeRanges: [Range<Int>], dtypes: [DType],
        edits: [(range: Range<Int>, bytes: [UInt8])], release: ((Range<Int>) -> Void)?,
        emit: (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        // The spelling of each dtype once, then the file copied in runs between dtypes.
        // The loop touches only raw buffers: other threads read the same arrays while
        // encoding the other outputs, and shared reference counts would be contended.
        let kinds = Array(Set(dtypes))
        let code = Dictionary(uniqueKeysWithValues: kinds.enumerated().map { ($1, $0) })
        var spellings: [UInt8] = [], spellingStart = [0]
        for kind in kinds {
            spellings += Array("\"\(kind)\"".utf8)
            spellingStart.append(spellings.count)
        }
        let codes = dtypes.map { d -> Int in
            guard let c = code[d] else { preconditionFailure("dtype \(d) has no spelling") }  // kinds come from dtypes
            return c
        }
        var chunk = ByteBuffer.streaming()
        // With a mapped file: where the bytes not given back yet begin.
        var released = 0
        func giveBack(upTo end: Int) {
            guard let release, end - released >= mappedStep else { return }
            release(released..<end)
            released = end
        }
        var nextEdit = 0
        dtypeRanges.withUnsafeBufferPointer { ranges in
            codes.withUnsafeBufferPointer { codes in
                spellings.withUnsafeBufferPointer { spellings in
                    // A run of unchanged bytes is copied into the chunk, or — when long, like the
                    // ops before the first dtype (most of the file) — handed over as it is (a
                    // mapped file's in steps, each given back once written).
                    func copy(_ run: Range<Int>) -> Bool {
                        guard run.count >= 1 << 16 else {
                            chunk.append(UnsafeBufferPointer(rebasing: input[run]))
                            return true
                        }
                        guard chunk.flushAll(to: emit) else { return false }
                        let step = release == nil ? run.count : mappedStep
                        for start in stride(from: run.lowerBound, to: run.upperBound, by: step) {
                            let end = min(start + step, run.upperBound)
                            guard emit(UnsafeBufferPointer(rebasing: input[start..<end])) else { return false }
                            giveBack(upTo: end)
                        }
                        return true
                    }
                    var at = 0
                    /// The edits that start before `end`, each after the run up to it.
                    func applyEdits(before end: Int) -> Bool {
                        while nextEdit < edits.count, edits[nextEdit].range.lowerBound < end {
                            let edit = edits[nextEdit]
                            precondition(edit.range.lowerBound >= at, "edits in order, apart from the dtypes")
                            guard copy(at..<edit.range.lowerBound) else { return false }
                            edit.bytes.withUnsafeBufferPointer { chunk.append($0) }
                            at = edit.range.upperBound
                            guard chunk.flush(to: emit) else { return false }
                            nextEdit += 1
                        }
                        return true
                    }
                    for q in ranges.indices {
                        let range = ranges[q], c = codes[q]
                        guard applyEdits(before: range.lowerBound), copy(at..<range.lowerBound) else { return }
                        chunk.append(UnsafeBufferPointer(rebasing: spellings[spellingStart[c]..<spellingStart[c + 1]]))
                        at = range.upperBound
                        guard chunk.flush(to: emit) else { return }
                        // The chunk holds copies: the file's bytes before `at` are done with.
                        giveBack(upTo: at)
                    }
                    guard applyEdits(before: input.count + 1), copy(at..<input.count) else { return }
                    _ = chunk.flushAll(to: emit)
                }
            }
        }
        release?(0..<input.count)
    }

    /// The same file with input quantizers added (`--insert-converts`, contract §11):
    /// `dtypes` holds the file's quantizers, then one per `inserted`. Each new quantizer is
    /// written after the file's, its fields copied from the quantizer it requantizes with
    /// the dtype replaced, and its op's `input_quantizers` slot names it.
    ///
    /// A file as read keeps its bytes: the dtypes are spliced in as always, each op that
    /// gains a quantizer is rewritten in place, and the new quantizers go after the last
    /// one (``SimFileLayout`` finds where). Otherwise the document is encoded.
    public static func write(
        _ file: SimFile, dtypes: IDArray<QuantizerID, DType>, inserted: [InsertedQuantizer], emit: (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        guard !inserted.isEmpty else { return write(file, dtypes: dtypes, emit: emit) }
        let given = file.graph.quantizerCount
        precondition(dtypes.count == given + inserted.count, "a dtype for every quantizer, given and inserted")
        var spliced = false
        _ = withSource(file) { source, dtypeRanges, release in
            guard let edits = insertionEdits(source, graph: file.graph, inserted: inserted, dtypes: Array(dtypes.elements[given...])) else {
                return
            }
            splice(source, dtypeRanges: dtypeRanges, dtypes: Array(dtypes.elements[..<given]), edits: edits, release: release, emit: emit)
            spliced = true
        }
        if spliced { return }
        let doc = encode(file, dtypes: IDArray(Array(dtypes.elements[..<given])))
        _ = JSONWriter.bytes(adding(inserted, dtypes: Array(dtypes.elements[given...]), to: doc, graph: file.graph))
            .withUnsafeBufferPointer(emit)
    }

    /// The byte edits that add `inserted` (at `dtypes`) to the file `source`: each op
    /// that gains one, rewritten; the new quantizers, after the last. Nil when the file is
    /// not laid out as expected (the caller then encodes the document).
    private static func insertionEdits(
        _ source: UnsafeBufferPointer<UInt8>, graph: SimGraph, inserted: [InsertedQuantizer], dtypes: [DType]
    ) -> [(range: Range<Int>, bytes: [UInt8])]? {
        func spelled(_ name: String) -> [UInt8] {
            var out = ByteBuffer()
            JSONWriter.quote(name, into: &out)
            return Array(out.bytes.dropFirst().dropLast())
        }
        let sources = inserted.map { spelled(graph.quantizerName($0.requantizes)) }
        guard let layout = SimFileLayout.scan(source, wanted: Set(sources)), layout.ops.count == graph.opCount else { return nil }
        var edits: [(range: Range<Int>, bytes: [UInt8])] = []
        // Each op once, with every slot it gains.
        for op in Set(inserted.map(\.op)).sorted() {
            guard case .object(var fields)? = try? JSONParser.parse(Array(UnsafeBufferPointer(rebasing: source[layout.ops[op.rawValue]])))
            else {
                return nil
            }
            for added in inserted where added.op == op { naming(added, in: &fields, inputs: graph.inputCount(op: op)) }
            edits.append((layout.ops[op.rawValue], Array(JSONWriter.bytes(.object(fields)).dropLast())))
        }
        var added: [UInt8] = []
        for (k, (quantizer, dtype)) in zip(inserted, dtypes).enumerated() {
            guard let range = layout.quantizerValues[sources[k]],
                case .object(let fields)? = try? JSONParser.parse(Array(UnsafeBufferPointer(rebasing: source[range])))
            else { return nil }
            let copied = JSONValue.object(fields.map { $0.0 == "dtype" ? ($0.0, .string(dtype.description)) : $0 })
            var entry = ByteBuffer()
            entry.append(k == 0 && layout.quantizersEmpty ? "\n    " : ",\n    ")
            JSONWriter.quote(quantizer.name, into: &entry)
            entry.append(": ")
            added += entry.bytes + JSONWriter.bytes(copied).dropLast()
        }
        if layout.quantizersEmpty { added += Array("\n  ".utf8) }
        edits.append((layout.quantizersEnd..<layout.quantizersEnd, added))
        return edits.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// An op document's `fields` with its `input_quantizers` slot of `added` naming it (the
    /// list made, or filled out to the op's `inputs` count, where the file left it short).
    private static func naming(_ added: InsertedQuantizer, in fields: inout [(String, JSONValue)], inputs: Int) {
        var slots: [JSONValue] = Array(repeating: .null, count: inputs)
        let at = fields.firstIndex { $0.0 == "input_quantizers" }
        if let at, case .array(let list) = fields[at].1 {
            for (i, v) in list.enumerated() where i < slots.count { slots[i] = v }
        }
        slots[added.input] = .string(added.name)
        if let at {
            fields[at].1 = .array(slots)
        } else {
            fields.append(("input_quantizers", .array(slots)))
        }
    }

    /// `doc` (the file as encoded) with `inserted` added, the new quantizers at `dtypes`.
    private static func adding(_ inserted: [InsertedQuantizer], dtypes: [DType], to doc: JSONValue, graph: SimGraph) -> JSONValue {
        guard case .object(var members) = doc,
            let opsAt = members.firstIndex(where: { $0.0 == "ops" }), case .array(var ops) = members[opsAt].1,
            let qAt = members.firstIndex(where: { $0.0 == "quantizers" }), case .object(var qs) = members[qAt].1
        else { return doc }
        let entryAt = Dictionary(qs.enumerated().map { ($1.0, $0) }, uniquingKeysWith: { a, _ in a })
        for (added, dtype) in zip(inserted, dtypes) {
            // The document's ops are the graph's, in order.
            guard added.op.rawValue < ops.count, case .object(var fields) = ops[added.op.rawValue] else { continue }
            naming(added, in: &fields, inputs: graph.inputCount(op: added.op))
            ops[added.op.rawValue] = .object(fields)
            var copied: [(String, JSONValue)] = [("dtype", .string(dtype.description))]
            if let k = entryAt[graph.quantizerName(added.requantizes)], case .object(let source) = qs[k].1 {
                copied = source.map { $0.0 == "dtype" ? ($0.0, .string(dtype.description)) : $0 }
            }
            qs.append((added.name, .object(copied)))
        }
        members[opsAt].1 = .array(ops)
        members[qAt].1 = .object(qs)
        return .object(members)
    }

    /// The document for the file with each quantizer's dtype replaced by `dtypes[k]`.
    ///
    /// A file as read keeps every other field; a graph built in code is encoded in full.
    public static func encode(_ file: SimFile, dtypes: IDArray<QuantizerID, DType>) -> JSONValue {
        let graph = file.graph
        let doc: JSONValue
        switch file.original {
        case .bytes, .mapped:
            if let parsed = try? JSONParser.parse(bytes(file, dtypes: dtypes)) { return parsed }
            doc = fresh(graph)
        case .document(let d): doc = d
        case .none: doc = fresh(graph)
        }
        guard case .object(var members) = doc,
            let qAt = members.firstIndex(where: { $0.0 == "quantizers" }),
            case .object(var qs) = members[qAt].1
        else { return doc }
        for k in qs.indices {
            guard let id = graph.quantizerIndex[qs[k].0], case .object(var fields) = qs[k].1 else { continue }
            if let d = fields.firstIndex(where: { $0.0 == "dtype" }) {
                fields[d].1 = .string(dtypes[id].description)
            }
            qs[k].1 = .object(fields)
        }
        members[qAt].1 = .object(qs)
        return .object(members)
    }

    /// A graph built in code, encoded with `dtypes`.
    public static func encode(_ graph: SimGraph, dtypes: IDArray<QuantizerID, DType>) -> JSONValue {
        encode(SimFile(graph: graph), dtypes: dtypes)
    }

    /// One op as the format writes it: the one op writer, for a graph built in code and
    /// for the ONNX importer's document.
    package static func encode(op: SimGraph.Op) -> JSONValue {
        func names(_ list: [String?]) -> JSONValue { .array(list.map { $0.map(JSONValue.string) ?? .null }) }
        var f: [(String, JSONValue)] = [("name", .string(op.name)), ("type", .string(op.type))]
        if let c = op.className { f.append(("class", .string(c))) }
        f.append(("module", op.modules.count == 1 ? .string(op.modules[0]) : .array(op.modules.map(JSONValue.string))))
        f.append(("inputs", .array(op.inputs.map(JSONValue.string))))
        f.append(("outputs", .array(op.outputs.map(JSONValue.string))))
        f.append(("input_quantizers", names(op.inputQuantizers)))
        f.append(("output_quantizers", names(op.outputQuantizers)))
        f.append(("params", .object(op.params.map { ($0.name, $0.quantizer.map(JSONValue.string) ?? .null) })))
        return .object(f)
    }

    private static func fresh(_ graph: SimGraph) -> JSONValue {
        var top: [(String, JSONValue)] = [("format", .string(format))]
        if let m = graph.model { top.append(("model", .string(m))) }
        top.append(("inputs", .array(graph.inputs.map(JSONValue.string))))
        top.append(("outputs", .array(graph.outputs.map(JSONValue.string))))
        top.append(("ops", .array(graph.ops.map(encode(op:)))))
        top.append(("quantizers", .object(graph.quantizers.map { ($0.name, .object([("dtype", .string($0.dtype.description))])) })))
        return .object(top)
    }
}
