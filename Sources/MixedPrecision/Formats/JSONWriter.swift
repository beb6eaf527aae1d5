/// Writes ``JSONValue`` as indented JSON text, deterministically.
///
/// Objects keep their member order, numbers their original text. Small arrays and
/// objects (scalars only, under ``inlineWidth`` characters) stay on one line, which keeps
/// sim graphs, plans and overrides readable in diffs.
public enum JSONWriter {
    public static func write(_ value: JSONValue) -> String {
        var out = ""
        out.reserveCapacity(1 << 16)
        emit(value, indent: 0, into: &out)
        out.append("\n")
        return out
    }

    /// The widest value written on one line.
    public static let inlineWidth = 96

    /// `value` on one line, if it is small and holds no nested containers beyond one level of scalars.
    private static func inline(_ value: JSONValue, depth: Int = 0) -> String? {
        var out = ""
        switch value {
        case .array(let items):
            guard depth < 2 else { return nil }
            out = "["
            for (k, item) in items.enumerated() {
                guard let text = inline(item, depth: depth + 1) else { return nil }
                out += (k > 0 ? ", " : "") + text
            }
            out += "]"
        case .object(let members):
            guard depth < 2 else { return nil }
            out = "{"
            for (k, (key, item)) in members.enumerated() {
                guard let text = inline(item, depth: depth + 1) else { return nil }
                out += k > 0 ? ", " : ""
                quote(key, into: &out)
                out += ": " + text
            }
            out += "}"
        default:
            emit(value, indent: 0, into: &out)
        }
        return out.count <= inlineWidth ? out : nil
    }

    private static func emit(_ value: JSONValue, indent: Int, into out: inout String) {
        if value.isContainer, let text = inline(value) {
            out.append(text)
            return
        }
        switch value {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .number(let n): out.append(n)
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append("[]"); return }
            if items.allSatisfy(\.isScalar) {
                out.append("[")
                for (k, item) in items.enumerated() {
                    if k > 0 { out.append(", ") }
                    emit(item, indent: indent, into: &out)
                }
                out.append("]")
                return
            }
            out.append("[\n")
            for (k, item) in items.enumerated() {
                pad(indent + 1, &out)
                emit(item, indent: indent + 1, into: &out)
                out.append(k + 1 < items.count ? ",\n" : "\n")
            }
            pad(indent, &out)
            out.append("]")
        case .object(let members):
            if members.isEmpty { out.append("{}"); return }
            out.append("{\n")
            for (k, (key, item)) in members.enumerated() {
                pad(indent + 1, &out)
                quote(key, into: &out)
                out.append(": ")
                emit(item, indent: indent + 1, into: &out)
                out.append(k + 1 < members.count ? ",\n" : "\n")
            }
            pad(indent, &out)
            out.append("}")
        }
    }

    private static func pad(_ n: Int, _ out: inout String) {
        out.append(String(repeating: "  ", count: n))
    }

    /// Appends `s` as a JSON string literal.
    public static func quote(_ s: String, into out: inout String) {
        out.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: out.unicodeScalars.append(u)
            }
        }
        out.append("\"")
    }
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
