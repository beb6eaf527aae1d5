import MMPFormats
import MMPModel
import MMPSolving

/// The quantization overrides a QNN converter reads (`overrides.json`,
/// `qnn-onnx-converter --quantization_overrides`), in the AIMET quantization encoding
/// specification's version 0.6.1: `activation_encodings` and `param_encodings`, each
/// tensor name (initializer name for params) → a list of encodings.
///
/// An integer encoding is `{"bitwidth", "dtype": "int", "is_symmetric": "True"|"False"}`,
/// one per output channel for a weight quantized per channel; a float one is
/// `{"bitwidth", "dtype": "float"}`, as the specification writes it. The plan computes no
/// ranges, so `min`, `max`, `scale` and `offset` are absent: the converter calibrates
/// them, at the bit widths and kinds given here. 0.6.1 is the version whose entries may
/// leave them out (1.0.0 and later require `scale` and `offset`).
///
/// Which tensors get an entry: see ``ConverterTensors`` (a supergroup's inner tensors get
/// none).
public enum OverridesFile {
    public static let version = "0.6.1"

    /// The file as a JSON value (for tests and tools; `write` is what is written).
    public static func encode(_ plan: Plan, facts: ConverterFacts) -> JSONValue {
        (try? JSONParser.parse(bytes(plan, facts: facts))) ?? .null
    }

    /// `overrides.json`.
    public static func bytes(_ plan: Plan, facts: ConverterFacts) -> [UInt8] {
        ByteBuffer.collect { write(plan, facts: facts, emit: $0) }
    }

    /// `overrides.json`, handed to `emit` in chunks (it stops when `emit` returns false):
    /// a per-channel weight of a large model has as many entries as output channels.
    public static func write(_ plan: Plan, facts: ConverterFacts, emit: (UnsafeBufferPointer<UInt8>) -> Bool) {
        let graph = plan.graph
        let tensors = ConverterTensors(plan, facts: facts)
        var out = ByteBuffer.streaming()
        out.append("{\n  \"version\": ")
        JSONWriter.quote(version, into: &out)
        out.append(",\n  \"activation_encodings\": {")
        var first = true
        for (name, source) in tensors.tensors {
            // A supergroup's inner tensor: the backend fuses the group, and AIMET's exports
            // give that tensor no encoding either.
            if case .fused = source { continue }
            let qs = ConverterTensors.quantizers(source)
            guard let q = qs.first, qs.allSatisfy({ entry($0, plan, facts) == entry(q, plan, facts) }) else { continue }
            out.append(first ? "\n    " : ",\n    ")
            first = false
            JSONWriter.quote(name, into: &out)
            out.append(": ")
            // An activation's encoding is per tensor.
            guard append(entry(q, plan, facts), channels: 1, to: &out, emit: emit) else { return }
        }
        out.append(first ? "},\n" : "\n  },\n")
        out.append("  \"param_encodings\": {")
        first = true
        for q in tensors.params {
            out.append(first ? "\n    " : ",\n    ")
            first = false
            JSONWriter.quote(graph.quantizerName(q), into: &out)
            out.append(": ")
            let e = entry(q, plan, facts)
            // A float encoding has no channels.
            let channels = e.dtype.kind == .int ? facts.encodings[graph.quantizerName(q)]?.channels?.count ?? 1 : 1
            guard append(e, channels: channels, to: &out, emit: emit) else { return }
        }
        out.append(first ? "}\n}\n" : "\n  }\n}\n")
        _ = out.flushAll(to: emit)
    }

    /// What one quantizer's encoding says: its planned dtype, and symmetry.
    private struct Entry: Equatable {
        var dtype: DType
        var symmetric: Bool
    }

    private static func entry(_ q: QuantizerID, _ plan: Plan, _ facts: ConverterFacts) -> Entry {
        Entry(dtype: plan.dtypes[q], symmetric: facts.encodings[plan.graph.quantizerName(q)]?.symmetric ?? false)
    }

    /// Appends the list of `channels` identical encodings (on one line when it is one),
    /// flushing as it goes; false when `emit` failed.
    private static func append(
        _ e: Entry, channels: Int, to out: inout ByteBuffer, emit: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        var one = ByteBuffer(capacity: 64)
        one.append("{\"bitwidth\": ")
        one.append(decimal: e.dtype.bits)
        if e.dtype.kind == .int {
            one.append(", \"dtype\": \"int\", \"is_symmetric\": ")
            one.append(e.symmetric ? "\"True\"}" : "\"False\"}")
        } else {
            one.append(", \"dtype\": \"float\"}")
        }
        guard channels > 1 else {
            out.append("[")
            out.append(contentsOf: one.bytes)
            out.append("]")
            return out.flush(to: emit)
        }
        out.append("[")
        for c in 0..<channels {
            out.append(c == 0 ? "\n      " : ",\n      ")
            out.append(contentsOf: one.bytes)
            guard out.flush(to: emit) else { return false }
        }
        out.append("\n    ]")
        return true
    }
}
