/// The keys of an `mmp-sim/1` op (contract §2): one table for both sim readers (the
/// document's own keys are ``SimDocumentKey``, below). The streaming reader matches a
/// key's bytes against it (no string is made per key of a million ops); the general
/// reader checks every key against it and names the list when one is unknown.
enum SimOpKey: Int, CaseIterable {
    case name, type, className, module, inputs, outputs, inputQuantizers, outputQuantizers, params

    /// The key as files spell it.
    var spelling: StaticString {
        switch self {
        case .name: return "name"
        case .type: return "type"
        case .className: return "class"
        case .module: return "module"
        case .inputs: return "inputs"
        case .outputs: return "outputs"
        case .inputQuantizers: return "input_quantizers"
        case .outputQuantizers: return "output_quantizers"
        case .params: return "params"
        }
    }

    /// The key's bit in a set of keys seen (an op names each key once).
    var bit: UInt16 { 1 << rawValue }

    /// The key spelt by `bytes`, if it is one.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        for key in Self.allCases where key.spelling.utf8CodeUnitCount == bytes.count {
            let s = key.spelling
            if bytes.elementsEqual(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) {
                self = key
                return
            }
        }
        return nil
    }

    /// Every key as files spell them.
    static let spellings: Set<String> = Set(allCases.map { "\($0.spelling)" })

    /// The keys in the contract's order, for an error message.
    static let list = allCases.map { "\($0.spelling)" }.joined(separator: ", ")
}

/// The top-level keys of an `mmp-sim/1` document (contract §2), for both sim readers:
/// what each reader looks for, and which a document must have. Other keys are carried
/// through untouched (a file may hold fields mmp does not read).
enum SimDocumentKey: String, CaseIterable {
    case format, model, inputs, outputs, ops, quantizers, tensors

    /// The key's spelling in a file.
    var spelling: String { rawValue }

    /// The key spelt `spelling`, if it is one mmp reads.
    init?(spelling: String) { self.init(rawValue: spelling) }

    /// The keys a document must have besides `format` (which must name ``SimGraphFile/format``).
    static let required: [SimDocumentKey] = [.inputs, .outputs, .ops, .quantizers]

    /// The key of each quantizer's dtype in `quantizers`, and of each tensor's shape in
    /// `tensors`.
    static let dtype: StaticString = "dtype", shape: StaticString = "shape"
}
