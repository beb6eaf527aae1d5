import CFileSupport
import MMPModel

/// A streaming reader for well-formed `mmp-sim/1` files: builds the graph straight from
/// the bytes, without a general JSON tree, and remembers where each quantizer's dtype
/// string sits so write-back can splice new dtypes into the original bytes.
///
/// It handles the common case only — ASCII names without escapes, every key known. On
/// anything else it returns nil and ``SimGraphFile`` reads the file with the general
/// parser, which accepts every valid file and reports every error with its message. The
/// graph's own consistency is checked in both cases by `SimGraph.init`.
struct SimGraphReader {
    /// Where the reader is in the file's bytes.
    private var c: ByteCursor
    /// Nesting of skipped values; past the general parser's limit, it decides.
    private var depth = 0

    /// Files at least this large are read by two threads (see ``parse(_:splitNear:)``).
    static let parallelThreshold = 1 << 20

    /// Where in a large file the second thread starts looking for an op, in percent of
    /// its bytes: a little past the middle, because the quantizers at the end of the file
    /// cost less work per byte than the ops, so the first thread's share may be larger.
    static let secondThreadStartPercent = 38

    /// The graph in `bytes`, or nil when the file needs the general parser. `splitNear`
    /// is where a second thread starts looking for an op to read from; by default a
    /// little past the middle of a large file (the quantizers at its end take less work per
    /// byte than ops), and nil (one thread) for a small one.
    static func read(_ bytes: [UInt8], splitNear: Int?? = nil) throws(MMPError) -> SimFile? {
        let read: Parsed? = bytes.withUnsafeBufferPointer { parse($0, splitNear: splitNear ?? defaultSplit($0), release: nil) }
        guard var parsed = read, let graph = try graph(&parsed) else { return nil }
        return SimFile(graph: graph, original: .bytes(bytes, dtypeRanges: parsed.dtypeRanges))
    }

    /// The same for a mapped file: each thread gives back the pages it has read as it
    /// goes, so the file's bytes are never all in the process at once.
    /// `releaseStep` is how many bytes a thread reads between two give-backs.
    static func read(_ file: MappedFile, splitNear: Int?? = nil, releaseStep: Int = 16 << 20) throws(MMPError) -> SimFile? {
        let read: Parsed? = file.withBytes {
            parse($0, splitNear: splitNear ?? defaultSplit($0), release: Release(step: releaseStep, giveBack: { file.release($0) }))
        }
        file.release(0..<file.count)
        guard var parsed = read, let graph = try graph(&parsed) else { return nil }
        return SimFile(graph: graph, original: .mapped(file, dtypeRanges: parsed.dtypeRanges))
    }

    /// Where a second thread starts: none for a small file. In a large one, a little before
    /// the middle when the ops come first (the usual order, the quantizers after them);
    /// when a writer put the `quantizers` first, the middle of the ops, which run from
    /// their key to about the end: splitting the file's bytes would leave the second thread
    /// most of the ops.
    static func defaultSplit(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count >= parallelThreshold else { return nil }
        if let ops = opsKey(in: b), ops > b.count / 8 { return ops + (b.count - ops) / 100 * quantizersFirstPercent }
        return b.count / 100 * secondThreadStartPercent
    }

    /// Where, in the ops after a `quantizers` object, the second thread starts looking for
    /// an op, in percent of the bytes from the `ops` key to the end: the first thread has
    /// copied the quantizers entries before it reaches its ops.
    static let quantizersFirstPercent = 45

    /// Where the first `"ops"` followed by a colon is, in the first 60% of the file: the
    /// `ops` key, unless a name before it spells `ops` too — then only the split is off,
    /// and the first thread, which confirms it, reads on. Searched with `memmem`, so a
    /// quantizers object of a hundred megabytes costs milliseconds.
    private static func opsKey(in b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = b.baseAddress else { return nil }
        let needle: StaticString = "\"ops\""
        let limit = b.count / 10 * 6
        var from = 0
        while from < limit {
            let found = mmp_find_bytes(base + from, Int64(limit - from), needle.utf8Start, Int64(needle.utf8CodeUnitCount))
            guard found >= 0 else { return nil }
            let at = from + Int(found)
            var look = ByteCursor(b, at: at + needle.utf8CodeUnitCount)
            look.skipSpace()
            if look.peek() == colon { return at }
            from = at + 1
        }
        return nil
    }

    /// The graph of what was read, or nil when a quantizer is listed twice (the general
    /// reader names that error). The draft is handed over, not shared.
    private static func graph(_ parsed: inout Parsed) throws(MMPError) -> SimGraph? {
        var draft = SimGraphDraft()
        swap(&draft, &parsed.draft)
        guard parsed.quantizers.resolve(into: &draft) else { return nil }
        draft.model = parsed.model
        draft.inputs = parsed.inputs
        draft.outputs = parsed.outputs
        draft.tensorShapes = parsed.tensorShapes
        return try SimGraph(draft: draft)
    }

    /// How a reader of a mapped file gives back what it has read: every `step` bytes.
    struct Release: Sendable {
        var step: Int
        var giveBack: @Sendable (Range<Int>) -> Void
    }

    private init(b: UnsafeBufferPointer<UInt8>, release: Release?, from start: Int = 0) {
        c = ByteCursor(b, at: start)
        self.release = release
        released = start
    }

    /// Gives back the bytes of a mapped file behind the reader (nil for bytes in memory).
    private let release: Release?
    /// Where the bytes not given back yet begin.
    private var released: Int
    /// Gives back what this reader has passed, every `release.step` bytes.
    private mutating func giveBack() {
        guard let release, c.position - released >= release.step else { return }
        release.giveBack(released..<c.position)
        released = c.position
    }

    /// What the document holds, or the part of it one thread read.
    private struct Parsed {
        var seen: Set<String> = []
        var format: String?
        var model: String?
        var inputs: [String] = []
        var outputs: [String] = []
        /// The ops and quantizers, their names interned.
        var draft = SimGraphDraft()
        /// The `quantizers` entries, their names not yet interned.
        var quantizers = PendingQuantizers()
        var dtypeRanges: [Range<Int>] = []
        var tensorShapes: [String: [Int]] = [:]

        /// `head` (read up to an op in the middle of `ops`) followed by `tail` (read from
        /// there to the end); nil when both name one top-level key.
        /// `head`'s storage is taken over, not copied: its draft's columns and names grow in
        /// place (a copy would duplicate every column of half a million ops).
        static func joined(_ head: consuming Parsed, _ tail: Parsed) -> Parsed? {
            guard head.seen.isDisjoint(with: tail.seen) else { return nil }
            var p = consume head
            p.seen.formUnion(tail.seen)
            for key in SimDocumentKey.allCases where tail.seen.contains(key.spelling) {
                switch key {
                case .format: p.format = tail.format
                case .model: p.model = tail.model
                case .inputs: p.inputs = tail.inputs
                case .outputs: p.outputs = tail.outputs
                case .tensors: p.tensorShapes = tail.tensorShapes
                case .quantizers:
                    p.dtypeRanges = tail.dtypeRanges
                    p.quantizers = tail.quantizers
                case .ops: break  // the draft, below
                }
            }
            p.draft.append(draft: tail.draft)
            return p
        }

        /// Whether this is a whole `mmp-sim/1` document.
        var isComplete: Bool {
            format == SimGraphFile.format && SimDocumentKey.required.allSatisfy { seen.contains($0.spelling) }
        }
    }

    /// How reading a stretch of the document ended.
    private enum Step { case done, stopped, failed }

    /// Reads the document, with two threads when `splitNear` is given: one from the start,
    /// one from the first op after `splitNear` to the end. That point is only a guess — it
    /// is found by looking at bytes, not by parsing — so the first thread confirms it:
    /// reading ops from the start, it stops only if an op begins exactly there. If none
    /// does, the first thread reads the whole file and the second one's work is dropped.
    private static func parse(
        _ b: UnsafeBufferPointer<UInt8>, splitNear: Int?, release: Release?
    ) -> Parsed? {
        guard let near = splitNear, let split = opStart(after: near, in: b) else {
            var r = SimGraphReader(b: b, release: release)
            guard let p = r.document(stopAt: nil), p.1 == .done else { return nil }
            return p.0.isComplete ? p.0 : nil
        }
        let bytes = Unchecked(b)
        var (head, tail) = Parallel.both(
            { () -> (Parsed, Step)? in
                var r = SimGraphReader(b: bytes.value, release: release)
                return r.document(stopAt: split)
            },
            { () -> Parsed? in
                var r = SimGraphReader(b: bytes.value, release: release, from: split)
                return r.rest()
            })
        guard var pair = head else { return nil }
        head = nil
        // The first thread's reading, taken out of the pair so that it is the only owner.
        let step = pair.1
        var first = Parsed()
        swap(&first, &pair.0)
        let whole: Parsed?
        switch step {
        case .done: whole = first
        case .stopped:
            guard let rest = tail else { return nil }
            tail = nil
            whole = Parsed.joined(first, rest)
        case .failed: whole = nil
        }
        guard let whole, whole.isComplete else { return nil }
        return whole
    }

    /// Where an op seems to start after `offset`: a `{` after a comma and before a quote,
    /// which inside `ops` begins an element and elsewhere in an `mmp-sim/1` file does not
    /// occur outside strings.
    private static func opStart(after offset: Int, in b: UnsafeBufferPointer<UInt8>) -> Int? {
        var scan = ByteCursor(b, at: min(offset, b.count))
        let end = min(b.count, offset + (1 << 20))
        while scan.position < end, let byte = scan.peek() {
            scan.advance()
            guard byte == comma else { continue }
            var look = scan
            look.skipSpace()
            guard look.position < end, look.peek() == openBrace else { continue }
            let brace = look.position
            look.advance()
            look.skipSpace()
            if look.position < end, look.peek() == quote { return brace }
        }
        return nil
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    /// An empty reading with room for the names of the bytes from here to `end`: a
    /// table that grows as it fills would place every name again at each doubling.
    private func parsed(upTo end: Int) -> Parsed {
        var p = Parsed()
        let share = max(0, end - c.position)
        p.draft.names.reserveCapacity(names: share / Self.bytesPerName, bytes: share / Self.bytesPerNameByte)
        return p
    }

    /// About how many bytes of file hold one distinct name, and one byte of one: measured
    /// on exported and generated sims (a name is met some three times, with its JSON).
    private static let bytesPerName = 160, bytesPerNameByte = 4

    /// The document from its start; with `split`, stops at the op starting there.
    private mutating func document(stopAt split: Int?) -> (Parsed, Step)? {
        var p = parsed(upTo: split ?? c.count)
        guard take(Self.openBrace) else { return nil }
        if take(Self.closeBrace) { return end() ? (p, .done) : nil }
        let step = topMembers(&p, stopAt: split)
        switch step {
        case .failed: return nil
        case .stopped: return (p, .stopped)
        case .done: return end() ? (p, .done) : nil
        }
    }

    /// The document from the start of an op inside `ops` to its end.
    private mutating func rest() -> Parsed? {
        var p = parsed(upTo: c.count)
        guard opElements(&p, stopAt: nil) == .done else { return nil }
        if take(Self.comma) {
            guard topMembers(&p, stopAt: nil) == .done else { return nil }
        } else {
            guard take(Self.closeBrace) else { return nil }
        }
        return end() ? p : nil
    }

    /// Only whitespace is left.
    private mutating func end() -> Bool {
        space()
        return c.atEnd
    }

    /// Top-level `"key": value` members up to the closing brace, from a key.
    private mutating func topMembers(_ p: inout Parsed, stopAt split: Int?) -> Step {
        while true {
            guard let key = string(), take(Self.colon), p.seen.insert(key).inserted else { return .failed }
            switch SimDocumentKey(spelling: key) {
            case .format:
                p.format = string()
                if p.format == nil { return .failed }
            case .model:
                if !null() {
                    p.model = string()
                    if p.model == nil { return .failed }
                }
            case .inputs:
                guard let v = strings() else { return .failed }
                p.inputs = v
            case .outputs:
                guard let v = strings() else { return .failed }
                p.outputs = v
            case .ops:
                guard take(Self.openBracket) else { return .failed }
                if !take(Self.closeBracket) {
                    let step = opElements(&p, stopAt: split)
                    guard step == .done else { return step }
                }
            case .quantizers:
                guard quantizers(&p) else { return .failed }
            case .tensors:
                guard tensorShapes(&p) else { return .failed }
            case nil:
                guard skipValue() else { return .failed }
            }
            if take(Self.comma) { continue }
            return take(Self.closeBrace) ? .done : .failed
        }
    }

    /// Ops from the first one after `[` through the closing `]`; stops before an op that
    /// starts exactly at `split`.
    private mutating func opElements(_ p: inout Parsed, stopAt split: Int?) -> Step {
        while true {
            space()
            if c.position == split { return .stopped }
            guard op(&p.draft) else { return .failed }
            giveBack()
            if take(Self.comma) { continue }
            return take(Self.closeBracket) ? .done : .failed
        }
    }

    /// The `quantizers` object, noting where each dtype string sits.
    private mutating func quantizers(_ p: inout Parsed) -> Bool {
        // A quantizer's field names, as bytes of the file (reused: a quantizer has a handful).
        var fields: [UnsafeBufferPointer<UInt8>] = []
        let dtypeKey = SimDocumentKey.dtype
        let dtypeBytes = UnsafeBufferPointer(start: dtypeKey.utf8Start, count: dtypeKey.utf8CodeUnitCount)
        // The last dtype read, by its spelling: most quantizers share a few dtypes.
        var last: (spelling: UnsafeBufferPointer<UInt8>, dtype: DType)? = nil
        return keyedMembers { (key: UnsafeBufferPointer<UInt8>, r: inout SimGraphReader) -> Bool in
            var range: Range<Int>? = nil
            fields.removeAll(keepingCapacity: true)
            var dtype: DType? = nil
            guard
                r.keyedMembers({ (field: UnsafeBufferPointer<UInt8>, r: inout SimGraphReader) -> Bool in
                    guard !fields.contains(where: { $0.elementsEqual(field) }) else { return false }
                    fields.append(field)
                    guard field.elementsEqual(dtypeBytes) else { return r.skipValue() }
                    r.space()
                    let start = r.c.position
                    guard range == nil, let spelling = r.stringBytes() else { return false }
                    if let last, last.spelling.elementsEqual(spelling) {
                        dtype = last.dtype
                    } else {
                        guard let d = DType(simSpelling: String(decoding: spelling, as: UTF8.self)) else { return false }
                        last = (spelling, d)
                        dtype = d
                    }
                    range = start..<r.c.position
                    return true
                }), let range, let dtype
            else { return false }
            p.quantizers.append(key, dtype: dtype)
            p.dtypeRanges.append(range)
            r.giveBack()
            return true
        }
    }

    /// One op's list fields as read, before they go into the draft in its column order
    /// (the keys of an op may come in any order). Reused from op to op.
    private struct OpFields {
        var modules: [NameID] = []
        var inputs: [NameID] = []
        var outputs: [NameID] = []
        var inputQuantizers: [NameID?] = []
        var outputQuantizers: [NameID?] = []
        var params: [(name: NameID, quantizer: NameID?)] = []

        mutating func clear() {
            modules.removeAll(keepingCapacity: true)
            inputs.removeAll(keepingCapacity: true)
            outputs.removeAll(keepingCapacity: true)
            inputQuantizers.removeAll(keepingCapacity: true)
            outputQuantizers.removeAll(keepingCapacity: true)
            params.removeAll(keepingCapacity: true)
        }
    }
    private var fields = OpFields()

    /// The outputs of the last few ops, and the last few param names: what an op's inputs
    /// and params usually are.
    private var recentOutputs = RecentNames()
    private var recentParams = RecentNames()

    /// The last op type and class read: they recur, and are then not hashed again.
    private var lastKinds: (NameID?, NameID?) = (nil, nil)

    /// Reads one op into `d`; false (and `d` unusable) when the general reader must decide.
    private mutating func op(_ d: inout SimGraphDraft) -> Bool {
        var name: NameID?, type: NameID?, className: NameID?
        fields.clear()
        var seen: UInt16 = 0  // one bit per known key: a repeated key is left to the full reader
        var hasInputQuantizers = false, hasOutputQuantizers = false
        guard
            keyedMembers({ (key: UnsafeBufferPointer<UInt8>, r: inout SimGraphReader) -> Bool in
                // An unknown or repeated key: the full reader names it.
                guard let known = SimOpKey(bytes: key), seen & known.bit == 0 else { return false }
                seen |= known.bit
                switch known {
                case .name: name = r.name(&d); return name != nil
                case .type:
                    type = r.kind(&d, last: r.lastKinds.0)
                    r.lastKinds.0 = type
                    return type != nil
                case .className:
                    if r.null() { return true }
                    className = r.kind(&d, last: r.lastKinds.1)
                    r.lastKinds.1 = className
                    return className != nil
                case .module:
                    if r.null() { return true }
                    if r.peek(SimGraphReader.openBracket) {
                        return r.elements { (r: inout SimGraphReader) -> Bool in
                            guard let m = r.name(&d) else { return false }
                            r.fields.modules.append(m)
                            return true
                        } && !r.fields.modules.isEmpty
                    }
                    // Usually the op's own name: compared before it is hashed.
                    guard let bytes = r.stringBytes() else { return false }
                    r.fields.modules.append(name.flatMap { d.names.spells($0, bytes) ? $0 : nil } ?? d.intern(bytes))
                    return true
                case .inputs:
                    return r.elements { (r: inout SimGraphReader) -> Bool in
                        // Usually an output of one of the last few ops: compared before it is hashed.
                        guard let bytes = r.stringBytes() else { return false }
                        r.fields.inputs.append(r.recentOutputs.match(bytes, in: d.names) ?? d.intern(bytes))
                        return true
                    }
                case .outputs:
                    return r.elements { (r: inout SimGraphReader) -> Bool in
                        guard let t = r.name(&d) else { return false }
                        r.fields.outputs.append(t)
                        r.recentOutputs.note(t)
                        return true
                    }
                case .inputQuantizers:
                    if r.null() { return true }
                    hasInputQuantizers = true
                    return r.elements { (r: inout SimGraphReader) -> Bool in
                        if r.null() { r.fields.inputQuantizers.append(nil); return true }
                        guard let q = r.name(&d) else { return false }
                        r.fields.inputQuantizers.append(q)
                        return true
                    }
                case .outputQuantizers:
                    if r.null() { return true }
                    hasOutputQuantizers = true
                    return r.elements { (r: inout SimGraphReader) -> Bool in
                        if r.null() { r.fields.outputQuantizers.append(nil); return true }
                        guard let q = r.name(&d) else { return false }
                        r.fields.outputQuantizers.append(q)
                        return true
                    }
                case .params:
                    if r.null() { return true }
                    return r.keyedMembers { (key: UnsafeBufferPointer<UInt8>, r: inout SimGraphReader) -> Bool in
                        let p = r.recentParams.match(key, in: d.names) ?? d.intern(key)
                        r.recentParams.note(p)
                        guard !r.fields.params.contains(where: { $0.name == p }) else { return false }
                        if r.null() { r.fields.params.append((p, nil)); return true }
                        guard let q = r.name(&d) else { return false }
                        r.fields.params.append((p, q))
                        return true
                    }
                }
            }), let name, let type, seen & SimOpKey.inputs.bit != 0, seen & SimOpKey.outputs.bit != 0
        else { return false }
        // Absent quantizer lists are all nulls; present ones match their tensors.
        if !hasInputQuantizers {
            fields.inputQuantizers.append(contentsOf: repeatElement(nil, count: fields.inputs.count))
        } else if fields.inputQuantizers.count != fields.inputs.count {
            return false
        }
        if !hasOutputQuantizers {
            fields.outputQuantizers.append(contentsOf: repeatElement(nil, count: fields.outputs.count))
        } else if fields.outputQuantizers.count != fields.outputs.count {
            return false
        }
        d.beginOp(name: name, type: type, className: className)
        for m in fields.modules { d.addModule(m) }
        for (t, q) in zip(fields.inputs, fields.inputQuantizers) { d.addInput(t, quantizer: q) }
        for (t, q) in zip(fields.outputs, fields.outputQuantizers) { d.addOutput(t, quantizer: q) }
        for p in fields.params { d.addParam(p.name, quantizer: p.quantizer) }
        d.endOp()
        return true
    }

    /// The number of the next string, a name, interned in `d`.
    private mutating func name(_ d: inout SimGraphDraft) -> NameID? {
        guard let bytes = stringBytes() else { return nil }
        return d.intern(bytes)
    }

    /// The number of the next string, an op type or class: usually `last` again.
    private mutating func kind(_ d: inout SimGraphDraft, last: NameID?) -> NameID? {
        guard let bytes = stringBytes() else { return nil }
        if let last, d.names.spells(last, bytes) { return last }
        return d.intern(bytes)
    }

    // MARK: Tokens

    private mutating func space() { c.skipSpace() }

    private mutating func peek(_ byte: UInt8) -> Bool {
        space()
        return c.peek() == byte
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        space()
        guard c.peek() == byte else { return false }
        c.advance()
        return true
    }

    private mutating func null() -> Bool {
        space()
        guard c.peek() == UInt8(ascii: "n"), c.peek(1) == UInt8(ascii: "u"), c.peek(2) == UInt8(ascii: "l"),
            c.peek(3) == UInt8(ascii: "l")
        else { return false }
        c.advance(by: 4)
        return true
    }

    /// An ASCII string without escapes.
    private mutating func string() -> String? { stringBytes().map { String(decoding: $0, as: UTF8.self) } }

    /// The bytes of the next string token (without quotes), if it is one the fast path reads.
    private mutating func stringBytes() -> UnsafeBufferPointer<UInt8>? {
        space()
        guard c.peek() == Self.quote, let length = c.plainStringLength(from: 1) else { return nil }
        let first = c.position + 1
        c.advance(by: length + 2)
        return c.slice(first..<(first + length))
    }

    /// `tensors`: `{name: {"shape": [dims]}}`, other fields skipped. Anything unusual (a
    /// negative or huge dimension, a repeated name) is left to the general reader's errors.
    private mutating func tensorShapes(_ p: inout Parsed) -> Bool {
        members { (name: String, r: inout SimGraphReader) -> Bool in
            guard p.tensorShapes[name] == nil else { return false }
            var fields = Set<String>()
            return r.members { (key: String, r: inout SimGraphReader) -> Bool in
                guard fields.insert(key).inserted else { return false }
                guard key == "\(SimDocumentKey.shape)" else { return r.skipValue() }
                var dims: [Int] = []
                guard
                    r.elements({ (r: inout SimGraphReader) -> Bool in
                        guard let d = r.dimension() else { return false }
                        dims.append(d)
                        return true
                    })
                else { return false }
                p.tensorShapes[name] = dims
                return true
            }
        }
    }

    /// A tensor dimension: a non-negative integer of at most 12 digits.
    private mutating func dimension() -> Int? {
        space()
        var value = 0, digits = 0
        while let d = c.peek(), d >= 0x30, d <= 0x39, digits < 12 {
            value = value * 10 + Int(d - 0x30)
            digits += 1
            c.advance()
        }
        guard digits > 0, let next = c.peek(), next == Self.comma || next == Self.closeBracket || next <= 0x20 else { return nil }
        return value
    }

    private mutating func strings() -> [String]? {
        var out: [String] = []
        guard
            elements({ (r: inout SimGraphReader) -> Bool in
                guard let s = r.string() else { return false }
                out.append(s)
                return true
            })
        else { return nil }
        return out
    }

    private mutating func optionalStrings() -> [String?]? {
        var out: [String?] = []
        guard
            elements({ (r: inout SimGraphReader) -> Bool in
                if r.null() { out.append(nil); return true }
                guard let s = r.string() else { return false }
                out.append(s)
                return true
            })
        else { return nil }
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

    /// `{ "k": v, … }`, calling `member` with the bytes of each key (inside the file).
    private mutating func keyedMembers(_ member: (UnsafeBufferPointer<UInt8>, inout SimGraphReader) -> Bool) -> Bool {
        guard take(Self.openBrace) else { return false }
        if take(Self.closeBrace) { return true }
        while true {
            guard let key = stringBytes(), take(Self.colon), member(key, &self) else { return false }
            if take(Self.comma) { continue }
            return take(Self.closeBrace)
        }
    }

    /// `{ "k": v, … }`, calling `member` with each key.
    private mutating func members(_ member: (String, inout SimGraphReader) -> Bool) -> Bool {
        keyedMembers { key, r in member(String(decoding: key, as: UTF8.self), &r) }
    }

    /// Skips one value of any kind, checking it is well formed. Anything the general
    /// parser might reject — escapes, non-ASCII bytes, duplicate keys, deep nesting — makes
    /// it give up, so that parser decides.
    private mutating func skipValue() -> Bool {
        space()
        guard let first = c.peek() else { return false }
        switch first {
        case Self.openBrace, Self.openBracket:
            depth += 1
            defer { depth -= 1 }
            guard depth <= 500 else { return false }
            if first == Self.openBracket { return elements { $0.skipValue() } }
            var keys = Set<String>()
            return members { key, r in keys.insert(key).inserted && r.skipValue() }
        case Self.quote:
            c.advance()
            while let byte = c.peek() {
                c.advance()
                if byte == Self.quote { return true }
                if byte == Self.backslash || byte < 0x20 || byte >= 0x80 { return false }
            }
            return false
        default:
            // A literal or number: let the full reader judge anything unusual.
            let start = c.position
            c.skip { !($0 == Self.comma || $0 == Self.closeBrace || $0 == Self.closeBracket || $0 <= 0x20) }
            let token = c.slice(from: start)
            // The literals are compared in place: a file has one per quantizer or more.
            for literal: StaticString in ["true", "false", "null"]
            where token.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)) {
                return true
            }
            return (try? JSONParser.parse(Array(token))).map { if case .number = $0 { return true } else { return false } } ?? false
        }
    }
}

/// The last few names a reader met, to compare a spelling with before hashing it.
private struct RecentNames {
    private var ids: [NameID] = []
    private var next = 0
    private static let capacity = 8

    /// The kept name spelt `bytes`, if any, most recent first.
    func match(_ bytes: UnsafeBufferPointer<UInt8>, in names: NameTable) -> NameID? {
        var k = next
        for _ in 0..<ids.count {
            k = (k == 0 ? ids.count : k) - 1
            if names.spells(ids[k], bytes) { return ids[k] }
        }
        return nil
    }

    /// Keeps `id`, in place of the oldest once full.
    mutating func note(_ id: NameID) {
        if ids.count < Self.capacity {
            ids.append(id)
            next = ids.count % Self.capacity
        } else {
            ids[next] = id
            next = (next + 1) % Self.capacity
        }
    }
}

/// The entries of `quantizers` as read: names kept as bytes, not interned, until the ops
/// of the whole file are in one draft. Then most are found without hashing: files list
/// quantizers in the order of the op slots naming them (``resolve(into:)``).
struct PendingQuantizers {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var dtypes: [DType] = []

    mutating func append(_ name: UnsafeBufferPointer<UInt8>, dtype: DType) {
        bytes.append(contentsOf: name)
        ends.append(bytes.count)
        dtypes.append(dtype)
    }

    /// How far back and ahead of the last match in slot order a name is looked for.
    private static let behind = 4, ahead = 8

    /// Adds the quantizers to `draft`, in file order; false when one is listed twice.
    func resolve(into draft: inout SimGraphDraft) -> Bool {
        // The quantizer names of the op slots, in op order (and in an op: inputs, params,
        // outputs, as files list them).
        var order: [NameID] = []
        order.reserveCapacity(ends.count)
        for k in 0..<draft.opCount {
            for e in draft.inputStart[k]..<draft.inputStart[k + 1] { if let q = draft.inputQuantizers[e] { order.append(q) } }
            for e in draft.paramStart[k]..<draft.paramStart[k + 1] { if let q = draft.paramQuantizers[e] { order.append(q) } }
            for e in draft.outputStart[k]..<draft.outputStart[k + 1] { if let q = draft.outputQuantizers[e] { order.append(q) } }
        }
        var listed = Array(repeating: false, count: draft.names.count)
        var last = 0
        return bytes.withUnsafeBufferPointer { b in
            for q in ends.indices {
                let name = UnsafeBufferPointer(rebasing: b[(q == 0 ? 0 : ends[q - 1])..<ends[q]])
                var id: NameID? = nil
                for p in max(0, last - Self.behind)..<min(order.count, last + Self.ahead) where draft.names.spells(order[p], name) {
                    id = order[p]
                    last = p + 1
                    break
                }
                let found = id ?? draft.intern(name)
                if found.rawValue >= listed.count {
                    listed.append(contentsOf: repeatElement(false, count: max(found.rawValue + 1, 2 * listed.count) - listed.count))
                }
                if listed[found.rawValue] { return false }
                listed[found.rawValue] = true
                draft.addQuantizer(found, dtype: dtypes[q])
            }
            return true
        }
    }
}
