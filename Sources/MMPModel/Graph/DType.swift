/// A quantizer's data type: an integer or floating-point format of some bit width.
///
/// Requests name one of ``requestable`` (`int4`, `int8`, `int16`, `fp16`). A sim graph
/// may also hold other widths (`int2`…`int32`, `fp8`, `fp32`); such a quantizer can keep
/// its dtype or move to a requestable one.
///
/// Dtypes are ordered by precision: bit width first, and at equal width float ranks
/// above integer, so `int4 < int8 < int16 < fp16`.
public struct DType: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Integer or floating point.
    public enum Kind: String, Sendable { case int, float }

    public let kind: Kind
    public let bits: Int

    public init(_ kind: Kind, bits: Int) {
        self.kind = kind
        self.bits = bits
    }

    public static let int4 = DType(.int, bits: 4)
    public static let int8 = DType(.int, bits: 8)
    public static let int16 = DType(.int, bits: 16)
    public static let fp16 = DType(.float, bits: 16)

    /// The dtypes a request may ask for, lowest precision first.
    public static let requestable: [DType] = [.int4, .int8, .int16, .fp16]

    /// Parses a dtype as a sim graph may hold it: `intN` (2 ≤ N ≤ 32), `fp8`, `fp16`, `fp32`.
    public init?(simSpelling text: String) {
        if text.hasPrefix("int"), let n = Int(text.dropFirst(3)), (2...32).contains(n),
            String(n) == text.dropFirst(3)
        {
            self.init(.int, bits: n)
        } else if text == "fp8" || text == "fp16" || text == "fp32" {
            self.init(.float, bits: Int(text.dropFirst(2)) ?? 16)
        } else {
            return nil
        }
    }

    /// Parses a dtype a request may name: one of ``requestable``.
    public init?(requestSpelling text: String) {
        guard let d = DType(simSpelling: text), DType.requestable.contains(d) else { return nil }
        self = d
    }

    /// The dtype an AIMET config names as `{"bitwidth": n, "dtype": "int"|"float"}`.
    public init?(bitwidth: Int, kind: String) {
        switch kind {
        case "int" where (2...32).contains(bitwidth): self.init(.int, bits: bitwidth)
        case "float" where [8, 16, 32].contains(bitwidth): self.init(.float, bits: bitwidth)
        default: return nil
        }
    }

    public var description: String { kind == .int ? "int\(bits)" : "fp\(bits)" }

    public static func < (a: DType, b: DType) -> Bool {
        if a.bits != b.bits { return a.bits < b.bits }
        return a.kind == .int && b.kind == .float
    }
}
