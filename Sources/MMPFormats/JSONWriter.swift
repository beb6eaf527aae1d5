import MMPModel

/// Writes ``JSONValue`` as indented JSON, deterministically, into a byte buffer.
///
/// Objects keep their member order, numbers their original text. Small arrays and
/// objects (scalars only, under ``inlineWidth`` bytes) stay on one line, which keeps
/// sim graphs, plans and overrides readable in diffs. Bytes, not `String`, because
/// plans of a million quantizers must be written in well under a second.
public enum JSONWriter {
    /// The widest value written on one line.
    public static let inlineWidth = 96

    /// The document as UTF-8 bytes, with a final newline.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out = ByteBuffer()
        emit(value, indent: 0, into: &out)
        out.append(0x0A)
        return out.bytes
    }

    /// The document as text, with a final newline.
    public static func write(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Appends `value` on one line if it is small and at most two levels deep.
    package static func emitInline(_ value: JSONValue, depth: Int = 0, into out: inout ByteBuffer, limit: Int) -> Bool {
        let start = out.count
        func fail() -> Bool { out.truncate(to: start); return false }
        switch value {
        case .array(let items):
            guard depth < 2 else { return fail() }
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(", ") }
                guard emitInline(item, depth: depth + 1, into: &out, limit: limit), out.count - start <= limit else { return fail() }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard depth < 2 else { return fail() }
            out.append(UInt8(ascii: "{"))
            for (k, (key, item)) in members.enumerated() {
                if k > 0 { out.append(", ") }
                quote(key, into: &out)
                out.append(": ")
                guard emitInline(item, depth: depth + 1, into: &out, limit: limit), out.count - start <= limit else { return fail() }
            }
            out.append(UInt8(ascii: "}"))
        default:
            emit(value, indent: 0, into: &out)
        }
        return out.count - start <= limit ? true : fail()
    }

    package static func emit(_ value: JSONValue, indent: Int, into out: inout ByteBuffer) {
        switch value {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .number(let n): out.append(n)
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append("[]"); return }
            if emitInline(value, into: &out, limit: inlineWidth) { return }
            out.append("[\n")
            for (k, item) in items.enumerated() {
                out.pad(indent + 1)
                emit(item, indent: indent + 1, into: &out)
                out.append(k + 1 < items.count ? ",\n" : "\n")
            }
            out.pad(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out.append("{}"); return }
            if emitInline(value, into: &out, limit: inlineWidth) { return }
            out.append("{\n")
            for (k, (key, item)) in members.enumerated() {
                out.pad(indent + 1)
                quote(key, into: &out)
                out.append(": ")
                emit(item, indent: indent + 1, into: &out)
                out.append(k + 1 < members.count ? ",\n" : "\n")
            }
            out.pad(indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `s` as a JSON string literal.
    package static func quote(_ s: String, into out: inout ByteBuffer) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            for (i, b) in utf8.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
                out.append(UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                switch b {
                case 0x22: out.append("\\\"")
                case 0x5C: out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append("\\u00")
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                }
                runStart = i + 1
            }
            out.append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `s` as a JSON string literal to a `String` (for small texts).
    public static func quote(_ s: String, into out: inout String) {
        var buffer = ByteBuffer()
        quote(s, into: &buffer)
        out += String(decoding: buffer.bytes, as: UTF8.self)
    }
}

/// A growable byte buffer with the appends the writers need.
package struct ByteBuffer {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    package var count: Int { bytes.count }

    package mutating func append(_ b: UInt8) { bytes.append(b) }

    package mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    package mutating func append(_ b: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: b) }

    package mutating func append<C: Collection>(contentsOf c: C) where C.Element == UInt8 { bytes.append(contentsOf: c) }
    /// The same for an array, not generic: the plan writer appends two dtype spellings per
    /// quantizer from another module, where the generic one runs unspecialized.
    package mutating func append(contentsOf b: [UInt8]) { bytes.append(contentsOf: b) }

    /// Appends `n` in decimal, without making a string of it.
    package mutating func append(decimal n: Int) {
        guard n != 0 else { bytes.append(UInt8(ascii: "0")); return }
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        var m = n.magnitude
        while m > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(m % 10))
            m /= 10
        }
        bytes[start...].reverse()
    }

    package mutating func pad(_ n: Int) {
        for _ in 0..<n { bytes.append(0x20); bytes.append(0x20) }
    }

    package mutating func truncate(to n: Int) { bytes.removeSubrange(n...) }

    /// The size at which a streamed writer hands its bytes on (``flush(to:)``): large
    /// enough for few writes, small enough to stay in cache and keep memory flat.
    package static let chunkSize = 1 << 20

    /// An empty buffer for a streamed writer: room for a chunk and the entry that fills it.
    package static func streaming() -> ByteBuffer { ByteBuffer(capacity: chunkSize + (1 << 16)) }

    /// Once at least ``chunkSize`` bytes are held, hands them to `emit` and empties the
    /// buffer. False when `emit` reports a write error (the writer should stop).
    package mutating func flush(to emit: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        guard bytes.count >= Self.chunkSize else { return true }
        return flushAll(to: emit)
    }

    /// Hands every byte held (if any) to `emit` and empties the buffer.
    package mutating func flushAll(to emit: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        guard !bytes.isEmpty else { return true }
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes.withUnsafeBufferPointer(emit)
    }

    /// Everything a streamed writer emits, collected (for tests and small outputs).
    package static func collect(_ write: ((UnsafeBufferPointer<UInt8>) -> Bool) -> Void) -> [UInt8] {
        var all: [UInt8] = []
        write {
            all.append(contentsOf: $0); return true
        }
        return all
    }

    package static func += (buffer: inout ByteBuffer, s: String) { buffer.append(s) }
}

extension JSONValue {
    var isContainer: Bool { !isScalar }

    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }
}
