import MMPFormats
import MMPModel
import MMPSolving

/// What `mmp inspect` shows about a sim graph: what a user needs to write requests — the
/// module tree with op counts, op types and classes, the model inputs and outputs with
/// their quantizers, and every quantizer with its dtype and where it sits.
public enum Inspection {
    struct Module {
        var path: String
        var ops = 0
        var types: [String] = []
        var classes: [String] = []
    }

    static func modules(_ graph: SimGraph) -> [Module] {
        var byPath: [String: Module] = [:]
        for op in graph.ops {
            var counted: Set<String> = [""]
            byPath["", default: Module(path: "")].ops += 1
            for m in op.modules {
                for p in ModulePath.selfAndAncestors(m).map(String.init) where counted.insert(p).inserted {
                    byPath[p, default: Module(path: p)].ops += 1
                }
                var own = byPath[m] ?? Module(path: m)
                if !own.types.contains(op.type) { own.types.append(op.type) }
                if let c = op.className?.split(separator: ".").last.map(String.init), !own.classes.contains(c) { own.classes.append(c) }
                byPath[m] = own
            }
        }
        return byPath.keys.sorted(by: treeOrder).compactMap { byPath[$0] }
    }

    /// Paths in tree order, numeric components by value (`features.2` before `features.10`).
    static func treeOrder(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".", omittingEmptySubsequences: false), y = b.split(separator: ".", omittingEmptySubsequences: false)
        for (p, q) in zip(x, y) where p != q {
            if let i = Int(p), let j = Int(q) { return i < j }
            return p < q
        }
        return x.count < y.count
    }

    /// Where quantizer `q` sits, briefly: `output 0 of 'conv'`, `param 'weight' of 'conv'`.
    static func placement(_ graph: SimGraph) -> [[String]] {
        let slots = QuantizerSlots(graph)
        return graph.quantizers.indices.map { q in slots[q].map { QuantizerSlots.describe($0, graph: graph, opWord: false) } }
    }

    public static func render(_ graph: SimGraph) -> String {
        let effective = EffectiveQuantizers(graph)
        func names(_ qs: [QuantizerID]) -> String {
            qs.isEmpty ? "not quantized" : qs.map { "\(graph.quantizerName($0)) (\(graph.dtypes[$0]))" }.joined(separator: ", ")
        }
        var out = "model '\(graph.model ?? "?")': \(graph.opCount) ops, \(graph.quantizerCount) quantizers\n"
        out += "\nModel inputs (\(graph.inputs.count))\n"
        for (k, t) in graph.inputs.enumerated() {
            // What set_model_input_precision reaches: the first quantized readers, through data movement.
            let qs = Array(Set(graph.quantizedReaders(ofModelInput: k).compactMap { graph.inputSlots[$0.op][$0.input] })).sorted()
            out += "  [\(k)] \(t): \(names(qs))\n"
        }
        out += "\nModel outputs (\(graph.outputs.count))\n"
        for (k, t) in graph.outputs.enumerated() { out += "  [\(k)] \(t): \(names(effective.of(tensor: t)))\n" }

        let mods = modules(graph)
        out += "\nModules (\(mods.count)): path, ops under it, op types and classes of its own ops\n"
        let known = Set(mods.map(\.path))
        for m in mods {
            // Indented under each ancestor that is itself listed.
            let depth =
                ModulePath.selfAndAncestors(m.path).dropFirst().filter { known.contains(String($0)) }.count
                + (m.path.isEmpty ? 0 : 1)
            var line = String(repeating: "  ", count: depth + 1) + (m.path.isEmpty ? "\"\" (the whole model)" : m.path)
            line += "  \(m.ops) op\(m.ops == 1 ? "" : "s")"
            if !m.types.isEmpty { line += "  [\(m.types.joined(separator: ", "))]" }
            if !m.classes.isEmpty { line += "  \(m.classes.joined(separator: ", "))" }
            out += line + "\n"
        }

        let where_ = placement(graph)
        out += "\nQuantizers (\(graph.quantizerCount)): name, dtype, slots\n"
        for (q, quantizer) in graph.quantizers.enumerated() {
            let slots = where_[q]
            let shown = slots.prefix(3).joined(separator: ", ") + (slots.count > 3 ? ", … (\(slots.count) slots)" : "")
            out += "  \(quantizer.name)  \(quantizer.dtype)  \(slots.isEmpty ? "no slot" : shown)\n"
        }
        return out
    }

    public static func json(_ graph: SimGraph) -> JSONValue {
        let where_ = placement(graph)
        return .object([
            ("format", .string("mmp-inspect/1")),
            ("model", graph.model.map(JSONValue.string) ?? .null),
            ("inputs", .array(graph.inputs.map(JSONValue.string))),
            ("outputs", .array(graph.outputs.map(JSONValue.string))),
            (
                "modules",
                .array(
                    modules(graph).map { m in
                        .object([
                            ("path", .string(m.path)), ("ops", .int(m.ops)),
                            ("types", .array(m.types.map(JSONValue.string))), ("classes", .array(m.classes.map(JSONValue.string)))
                        ])
                    })
            ),
            (
                "quantizers",
                .array(
                    graph.quantizers.enumerated().map { q, quantizer in
                        .object([
                            ("name", .string(quantizer.name)), ("dtype", .string(quantizer.dtype.description)),
                            ("slots", .array(where_[q].map(JSONValue.string)))
                        ])
                    })
            )
        ])
    }
}
