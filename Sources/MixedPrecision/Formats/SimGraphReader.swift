/// A streaming reader for well-formed `mmp-sim/1` files: builds the graph straight from
/// the bytes, without a general JSON tree, and remembers where each quantizer's dtype
/// string sits so write-back can splice new dtypes into the original bytes.
///
/// It handles the common case only — ASCII names without escapes, every key known. On
/// anything else it returns nil and ``SimGraphFile`` reads the file with the general
/// parser, which accepts every valid file and reports every error with its message. The
/// graph's own consistency is checked in both cases by `SimGraph.init`.
struct SimGraphReader {
    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    /// Nesting of skipped values; past the general parser's limit, it decides.
    private var depth = 0

    static func read(_ bytes: [UInt8]) throws(MMPError) -> SimGraph? {
        let parsed: Parsed? = bytes.withUnsafeBufferPointer { buffer in
            var reader = SimGraphReader(b: buffer)
            return reader.document()
        }
        guard let parsed else { return nil }
        var graph = try SimGraph(model: parsed.model, inputs: parsed.inputs, outputs: parsed.outputs,
                                 ops: parsed.ops, quantizers: parsed.quantizers)
        graph.sourceFile = SimGraph.SourceFile(bytes: bytes, dtypeRanges: parsed.dtypeRanges)
        return graph
    }

    private init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

    private struct Parsed {
        var model: String?
        var inputs: [String] = []
        var outputs: [String] = []
        var ops: [SimGraph.Op] = []
        var quantizers: [SimGraph.Quantizer] = []
        var dtypeRanges: [Range<Int>] = []
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    private mutating func document() -> Parsed? {
        var p = Parsed()
        var seen = Set<String>()
        var format: String? = nil
        guard members({ (key: String, r: inout SimGraphReader) -> Bool in
            guard seen.insert(key).inserted else { return false }
            switch key {
            case "format": format = r.string(); return format != nil
            case "model":
                if r.null() { return true }
                p.model = r.string(); return p.model != nil
            case "inputs": guard let v = r.strings() else { return false }; p.inputs = v; return true
            case "outputs": guard let v = r.strings() else { return false }; p.outputs = v; return true
            case "ops": return r.elements { (r: inout SimGraphReader) -> Bool in
                    guard let op = r.op() else { return false }
                    p.ops.append(op)
                    return true
                }
            case "quantizers":
                var names = Set<String>()
                names.reserveCapacity(1 << 10)
                var fields: [String] = []  // reused: a quantizer has a handful of fields
                return r.members { (name: String, r: inout SimGraphReader) -> Bool in
                    guard names.insert(name).inserted else { return false }
                    var range: Range<Int>? = nil
                    fields.removeAll(keepingCapacity: true)
                    var dtype: DType? = nil
                    guard r.members({ (field: String, r: inout SimGraphReader) -> Bool in
                        guard !fields.contains(field) else { return false }
                        fields.append(field)
                        guard field == "dtype" else { return r.skipValue() }
                        guard range == nil, let (text, at) = r.stringWithRange(), let d = DType(simSpelling: text) else { return false }
                        range = at
                        dtype = d
                        return true
                    }), let range, let dtype else { return false }
                    p.quantizers.append(.init(name: name, dtype: dtype))
                    p.dtypeRanges.append(range)
                    return true
                }
            default: return r.skipValue()
            }
        }) else { return nil }
        space()
        guard i == b.count, format == SimGraphFile.format,
              seen.isSuperset(of: ["inputs", "outputs", "ops", "quantizers"]) else { return nil }
        return p
    }

    private static let opKeyBits: [String: UInt16] = [
        "name": 1, "type": 2, "class": 4, "module": 8, "inputs": 16, "outputs": 32,
        "input_quantizers": 64, "output_quantizers": 128, "params": 256,
    ]

    private mutating func op() -> SimGraph.Op? {
        var name: String?, type: String?, className: String?, modules: [String]?
        var inputs: [String]?, outputs: [String]?, inQ: [String?]?, outQ: [String?]?
        var params: [SimGraph.Param] = []
        var seen: UInt16 = 0  // one bit per known key: a repeated key is left to the full reader
        guard members({ (key: String, r: inout SimGraphReader) -> Bool in
            guard let bit = SimGraphReader.opKeyBits[key], seen & bit == 0 else { return false }
            seen |= bit
            switch key {
            case "name": name = r.string(); return name != nil
            case "type": type = r.string(); return type != nil
            case "class":
                if r.null() { return true }
                className = r.string(); return className != nil
            case "module":
                if r.null() { return true }
                if r.peek(SimGraphReader.openBracket) { modules = r.strings(); return modules != nil }
                guard let m = r.string() else { return false }
                modules = [m]; return true
            case "inputs": inputs = r.strings(); return inputs != nil
            case "outputs": outputs = r.strings(); return outputs != nil
            case "input_quantizers": if r.null() { return true }; inQ = r.optionalStrings(); return inQ != nil
            case "output_quantizers": if r.null() { return true }; outQ = r.optionalStrings(); return outQ != nil
            case "params":
                if r.null() { return true }
                return r.members { (p: String, r: inout SimGraphReader) -> Bool in
                    guard !params.contains(where: { $0.name == p }) else { return false }
                    if r.null() { params.append(.init(p, nil)); return true }
                    guard let q = r.string() else { return false }
                    params.append(.init(p, q))
                    return true
                }
            default: return false  // an unknown op key: let the full reader name it
            }
        }), let name, let type, let inputs, let outputs, modules?.isEmpty != true else { return nil }
        if let inQ, inQ.count != inputs.count { return nil }
        if let outQ, outQ.count != outputs.count { return nil }
        return SimGraph.Op(name: name, type: type, className: className, modules: modules, inputs: inputs, outputs: outputs,
                           inputQuantizers: inQ, outputQuantizers: outQ, params: params)
    }

    // MARK: Tokens

    private mutating func space() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func peek(_ c: UInt8) -> Bool {
        space()
        return i < b.count && b[i] == c
    }

    private mutating func take(_ c: UInt8) -> Bool {
        space()
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    private mutating func null() -> Bool {
        space()
        guard i + 4 <= b.count, b[i] == UInt8(ascii: "n"), b[i + 1] == UInt8(ascii: "u"),
              b[i + 2] == UInt8(ascii: "l"), b[i + 3] == UInt8(ascii: "l") else { return false }
        i += 4
        return true
    }

    /// An ASCII string without escapes, and the byte range of its token (quotes included).
    private mutating func stringWithRange() -> (String, Range<Int>)? {
        space()
        guard i < b.count, b[i] == Self.quote else { return nil }
        let start = i
        i += 1
        let first = i
        while i < b.count {
            let c = b[i]
            if c == Self.quote {
                let s = String(decoding: UnsafeBufferPointer(rebasing: b[first..<i]), as: UTF8.self)
                i += 1
                return (s, start..<i)
            }
            if c == Self.backslash || c < 0x20 || c >= 0x80 { return nil }
            i += 1
        }
        return nil
    }

    private mutating func string() -> String? { stringWithRange()?.0 }

    private mutating func strings() -> [String]? {
        var out: [String] = []
        guard elements({ (r: inout SimGraphReader) -> Bool in
            guard let s = r.string() else { return false }
            out.append(s)
            return true
        }) else { return nil }
        return out
    }

    private mutating func optionalStrings() -> [String?]? {
        var out: [String?] = []
        guard elements({ (r: inout SimGraphReader) -> Bool in
            if r.null() { out.append(nil); return true }
            guard let s = r.string() else { return false }
            out.append(s)
            return true
        }) else { return nil }
        return out
    }

    /// `[ e, e, … ]`, calling `element` for each.
    private mutating func elements(_ element: (inout SimGraphReader) -> Bool) -> Bool {
        guard take(Self.openBracket) else { return false }
        if take(Self.closeBracket) { return true }
        while true {
            guard element(&self) else { return false }
            if take(Self.comma) { continue }
            return take(Self.closeBracket)
        }
    }

    /// `{ "k": v, … }`, calling `member` with each key.
    private mutating func members(_ member: (String, inout SimGraphReader) -> Bool) -> Bool {
        guard take(Self.openBrace) else { return false }
        if take(Self.closeBrace) { return true }
        while true {
            guard let key = string(), take(Self.colon), member(key, &self) else { return false }
            if take(Self.comma) { continue }
            return take(Self.closeBrace)
        }
    }

    /// Skips one value of any kind, checking it is well formed. Anything the general
    /// parser might reject — escapes, non-ASCII bytes, duplicate keys, deep nesting — makes
    /// it give up, so that parser decides.
    private mutating func skipValue() -> Bool {
        space()
        guard i < b.count else { return false }
        switch b[i] {
        case Self.openBrace, Self.openBracket:
            depth += 1
            defer { depth -= 1 }
            guard depth <= 500 else { return false }
            if b[i] == Self.openBracket { return elements { $0.skipValue() } }
            var keys = Set<String>()
            return members { key, r in keys.insert(key).inserted && r.skipValue() }
        case Self.quote:
            i += 1
            while i < b.count {
                if b[i] == Self.quote { i += 1; return true }
                if b[i] == Self.backslash || b[i] < 0x20 || b[i] >= 0x80 { return false }
                i += 1
            }
            return false
        default:
            // A literal or number: let the full reader judge anything unusual.
            let start = i
            while i < b.count, !(b[i] == Self.comma || b[i] == Self.closeBrace || b[i] == Self.closeBracket || b[i] <= 0x20) { i += 1 }
            let token = Array(b[start..<i])
            if token == Array("true".utf8) || token == Array("false".utf8) || token == Array("null".utf8) { return true }
            return (try? JSONParser.parse(token)).map { if case .number = $0 { return true } else { return false } } ?? false
        }
    }
}
