import MMPFormats
import MMPModel
import MMPSolving

/// The plan as ONNX Runtime's static quantizer takes it (`ort_quant_overrides.json`):
///
/// ```json
/// {
///   "TensorQuantOverrides": {"x": [{"quant_type": "QUInt16", "symmetric": false}],
///                            "conv.weight": [{"quant_type": "QInt8", "symmetric": true, "axis": 0}]},
///   "UseQDQContribOps": true,
///   "nodes_to_exclude": ["node_Gemm_12"]
/// }
/// ```
///
/// Every key but `nodes_to_exclude` is an extra option of `quantize_static` (the
/// `mmp_aimet.load_ort_overrides` loader turns `quant_type` names into `QuantType` values).
///
/// - `TensorQuantOverrides`: per tensor (``ConverterTensors``: a supergroup's inner
///   tensors too, which ONNX Runtime quantizes unless it removes the activation) its
///   `QuantType` — `QInt` for a symmetric quantizer, `QUInt` for an asymmetric one, at
///   4, 8 or 16 bits — and `symmetric`; a weight quantized per channel has its `axis`
///   (one entry stands for every channel). Float tensors and integer widths ONNX Runtime
///   has no type for get no entry, and neither do biases (ONNX Runtime quantizes a
///   bias to int32 itself).
/// - `UseQDQContribOps`: written (`true`) when the model's opset is below 21 and some
///   entry is 16- or 4-bit: the ONNX `QuantizeLinear` of those opsets has no such types.
/// - `nodes_to_exclude`: the named nodes that read, write or weigh with a float
///   quantizer in the plan (`fp16`): ONNX Runtime quantizes a node's inputs
///   and outputs together, so only an excluded node leaves a float tensor unquantized.
public enum OrtOverridesFile {
    /// The file as a JSON value.
    public static func encode(_ plan: Plan, facts: ConverterFacts) -> JSONValue {
        let graph = plan.graph
        let tensors = ConverterTensors(plan, facts: facts)
        func encoding(_ q: QuantizerID) -> ConverterFacts.Encoding? { facts.encodings[graph.quantizerName(q)] }
        func entry(_ q: QuantizerID) -> (type: String, symmetric: Bool)? {
            let symmetric = encoding(q)?.symmetric ?? false
            return quantType(plan.dtypes[q], symmetric: symmetric).map { ($0, symmetric) }
        }
        var members: [(String, JSONValue)] = []
        var needsContribOps = false
        /// `(quant_type, symmetric)` as the file spells them, noting a type that needs
        /// the contrib ops.
        func spelled(_ e: (type: String, symmetric: Bool)) -> [(String, JSONValue)] {
            if e.type.hasSuffix("16") || e.type.hasSuffix("4") { needsContribOps = true }
            return [("quant_type", .string(e.type)), ("symmetric", .bool(e.symmetric))]
        }
        func add(_ name: String, _ e: (type: String, symmetric: Bool), axis: Int? = nil, convert: JSONValue? = nil) {
            var fields = spelled(e)
            if let axis { fields.append(("axis", .int(axis))) }
            if let convert { fields.append(("convert", convert)) }
            members.append((name, .array([.object(fields)])))
        }
        let converts = insertedConverts(plan, facts: facts)
        for (name, source) in tensors.tensors {
            let qs = ConverterTensors.quantizers(source)
            guard let q = qs.first, let e = entry(q), qs.allSatisfy({ entry($0) ?? ("", false) == e }) else { continue }
            // A convert the plan inserted on an edge reading this tensor: ONNX Runtime's
            // `convert`, received by the nodes of those edges (one type per tensor).
            var convert: JSONValue? = nil
            if let readers = converts[name], let first = readers.first(where: { $0.type != e.type }) {
                let nodes = readers.filter { $0.type == first.type && $0.symmetric == first.symmetric }.map(\.node)
                convert = .object(spelled((first.type, first.symmetric)) + [("recv_nodes", .array(nodes.map(JSONValue.string)))])
            }
            add(name, e, convert: convert)
        }
        // ONNX Runtime quantizes a bias itself, to int32 at the input's scale times the
        // weight's: an override there would fight it.
        var bias = Set<QuantizerID>()
        for k in graph.opIDs {
            if let q = graph.paramSlot(op: k, named: "bias").flatMap({ graph.paramSlots[k][$0] }) { bias.insert(q) }
        }
        for q in tensors.params where !bias.contains(q) {
            guard let e = entry(q) else { continue }
            add(graph.quantizerName(q), e, axis: encoding(q)?.channels?.axis)
        }
        var top: [(String, JSONValue)] = [("TensorQuantOverrides", .object(members))]
        if needsContribOps && facts.opset < 21 { top.append(("UseQDQContribOps", .bool(true))) }
        top.append(("nodes_to_exclude", .array(excludedNodes(plan, facts: facts).map(JSONValue.string))))
        return .object(top)
    }

    /// `ort_quant_overrides.json`.
    public static func bytes(_ plan: Plan, facts: ConverterFacts) -> [UInt8] {
        JSONWriter.bytes(encode(plan, facts: facts))
    }

    /// Per tensor, the inserted converts (`--insert-converts`) that read it at an integer
    /// type ONNX Runtime has: the node of the edge, in op order, with the convert's type and
    /// symmetry (its settings are those of the quantizer it requantizes). Converts on
    /// unnamed nodes cannot be named, and an fp16 convert's node is excluded instead.
    static func insertedConverts(_ plan: Plan, facts: ConverterFacts) -> [String: [(node: String, type: String, symmetric: Bool)]] {
        guard plan.status == .ok else { return [:] }
        let graph = plan.graph
        var converts: [String: [(node: String, type: String, symmetric: Bool)]] = [:]
        for (k, added) in plan.inserted.enumerated() {
            guard added.op < facts.nodeNames.endIndex, let node = facts.nodeNames[added.op] else { continue }
            let symmetric = facts.encodings[graph.quantizerName(added.requantizes)]?.symmetric ?? false
            guard let type = quantType(plan.dtypes[plan.insertedQuantizer(k)], symmetric: symmetric) else { continue }
            converts[graph.inputTensorName(op: added.op, input: added.input), default: []].append((node, type, symmetric))
        }
        return converts
    }

    /// The name of the `onnxruntime.quantization.QuantType` for `dtype`, nil where there
    /// is none (a float, an integer width other than 4, 8 and 16).
    public static func quantType(_ dtype: DType, symmetric: Bool) -> String? {
        guard dtype.kind == .int, [4, 8, 16].contains(dtype.bits) else { return nil }
        return (symmetric ? "QInt" : "QUInt") + String(dtype.bits)
    }

    /// The nodes ONNX Runtime must leave unquantized: every named node with a float
    /// quantizer among those governing what it reads (contract §4), those writing its
    /// outputs (its own, or its fused output) and its params. In graph order, each once.
    public static func excludedNodes(_ plan: Plan, facts: ConverterFacts) -> [String] {
        let graph = plan.graph
        let effective = EffectiveQuantizers(graph)
        let writers = OutputWriters(graph)
        var names: [String] = []
        var seen = Set<String>()
        for k in graph.opIDs {
            guard k < facts.nodeNames.endIndex, let name = facts.nodeNames[k] else { continue }
            var governing: [QuantizerID] = graph.paramSlots[k].compactMap { $0 }
            for i in (0..<graph.inputCount(op: k)) { governing += effective.of(op: k, input: i) }
            for j in (0..<graph.outputCount(op: k)) {
                if let q = graph.outputSlots[k][j] ?? writers[op: k, output: j]?.quantizer { governing.append(q) }
            }
            if governing.contains(where: { plan.dtypes[$0].kind == .float }), seen.insert(name).inserted { names.append(name) }
        }
        return names
    }
}
