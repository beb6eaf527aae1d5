import MMPFormats
import MMPModel
import MMPSolving

/// A Graphviz picture of the part of the graph a plan is about (contract §8, issue
/// "explain"): for an infeasible plan, the region around each conflict — the ops on the
/// requests' paths, the slots of the colliding quantizers and their readers, the kernel
/// ops; for a feasible plan, the quantizers that changed and the ops around them.
///
/// Ops are boxes; quantizers are filled ellipses coloured by dtype (the planned dtype,
/// or the given one for an infeasible plan); tensors run from producer through its
/// output quantizer to each reader. Colliding quantizers and the edges by which the
/// conflicting requests reach them are drawn in red.
public enum PlanPicture {
    /// At most this many ops are drawn; the rest of the region is summarised in a note.
    public static let maxOps = 300

    static func color(_ d: DType) -> String {
        switch (d.kind, d.bits) {
        case (.int, ...4): return "#c6dbef"
        case (.int, ...8): return "#e5e5e5"
        case (.int, ...16): return "#fdd49e"
        case (.int, _): return "#fc8d59"
        case (.float, ...8): return "#d4b9da"
        case (.float, ...16): return "#f768a1"
        case (.float, _): return "#ae017e"
        }
    }

    /// The ops a picture shows, and what it marks red.
    struct Region {
        var ops = Set<OpID>()
        /// Colliding quantizers.
        var hot = Set<QuantizerID>()
        /// Edge key → labels of the asks that reach a colliding quantizer by it ("req 0: int16").
        var hotEdges: [String: [String]] = [:]
    }

    /// The region around each conflict of an infeasible plan — the requests' paths, the
    /// slots of the colliding quantizers and their readers, the kernel ops — or around
    /// each quantizer a feasible plan changes. The slots of every quantizer the picture is
    /// about are found in one pass over the graph: per quantizer, that pass would make a
    /// large plan's picture quadratic.
    static func region(of plan: Plan) -> Region {
        let graph = plan.graph
        let infeasible = plan.status == .infeasible
        var region = Region()
        let about = infeasible ? Set(plan.conflicts.flatMap { $0.collisions.map(\.quantizer) }) : Set(plan.changed)
        let slots = QuantizerSlots(graph, of: about)
        func around(_ q: QuantizerID) {
            for slot in slots[q] {
                region.ops.insert(slot.op)
                if case let .output(k, j) = slot {
                    region.ops.formUnion(graph.consumers[id: graph.outputTensor(op: k, output: j)].map(\.op))
                }
            }
        }
        guard infeasible else {
            for q in plan.changed { around(q) }
            return region
        }
        for c in plan.conflicts {
            region.ops.formUnion(c.kernelOps)
            for col in c.collisions {
                region.hot.insert(col.quantizer)
                around(col.quantizer)
                for a in col.asks {
                    for step in a.path { if let op = step.op { region.ops.insert(op) } }
                    region.hotEdges[edgeKey(a.origin, quantizer: col.quantizer, graph: graph), default: []].append(
                        "req \(a.request): \(a.dtype)")
                }
            }
        }
        return region
    }

    public static func dot(_ plan: Plan) -> String {
        let graph = plan.graph
        let infeasible = plan.status == .infeasible
        let found = region(of: plan)
        let region = found.ops, hot = found.hot, hotEdges = found.hotEdges
        let ordered = region.sorted()
        let drawn = Set(ordered.prefix(maxOps))

        var out = "digraph mmp {\n"
        out +=
            "  rankdir=LR;\n  fontname=\"Helvetica\";\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n"
        let title =
            infeasible
            ? "\(plan.mode.rawValue) plan: infeasible, \(plan.conflicts.count) conflict(s); quantizers at their given dtype"
            : "\(plan.mode.rawValue) plan: \(plan.changed.count) quantizer(s) change dtype"
        out += "  labelloc=t;\n  label=\(quote(title + (ordered.count > maxOps ? " (showing \(maxOps) of \(ordered.count) ops)" : "")));\n"

        var quantizerNodes = Set<QuantizerID>()
        var quantizerNodesText = ""
        func quantizerNode(_ q: QuantizerID) -> String {
            let id = "q:" + graph.quantizerName(q)
            if quantizerNodes.insert(q).inserted {
                let given = plan.previous[q], now = plan.dtypes[q]
                var label = graph.quantizerName(q) + "\n" + (given == now ? "\(now)" : "\(given) → \(now)")
                var attrs = "shape=ellipse, style=filled, fillcolor=\"\(color(now))\""
                if hot.contains(q) {
                    let asks = plan.conflicts.flatMap(\.collisions).filter { $0.quantizer == q }.flatMap(\.asks)
                    label += "\nasked " + Array(Set(asks.map(\.dtype.description))).sorted().joined(separator: " / ")
                    attrs += ", color=red, penwidth=3"
                }
                quantizerNodesText += "  \(quote(id)) [\(attrs), label=\(quote(label))];\n"
            }
            return id
        }
        var opText = "", edgeText = ""
        var outside = Set<String>()

        for k in ordered where drawn.contains(k) {
            let op = graph.ops[k]
            let kernel = plan.conflicts.contains { $0.kernelOps.contains(k) }
            var text = label(op)
            if kernel, let rule = plan.conflicts.lazy.flatMap(\.kernelRules).first(where: { $0.op == k }) {
                // What the backend runs here, beside what the requests would make it run.
                text += "\nwould run " + rule.requestedText.joined(separator: ", ")
                text += "\nsupports " + rule.supported.map(\.description).joined(separator: ", ")
            }
            opText +=
                "  \(quote("op:" + op.name)) [shape=box, style=rounded\(kernel ? ", color=red, penwidth=2" : ""), label=\(quote(text))];\n"
            for (i, t) in op.inputs.enumerated() {
                // Where the tensor comes from, as drawn.
                var from: String
                switch graph.source[t] {
                case .op(let p, let j)?:
                    if drawn.contains(p) {
                        from = graph.outputSlots[p][j].map(quantizerNode) ?? "op:" + graph.opName(p)
                    } else {
                        from = "t:" + t
                        outside.insert(t)
                    }
                default:
                    from = "t:" + t
                    outside.insert(t)
                }
                if let qi = graph.inputSlots[k][i] {
                    let qn = quantizerNode(qi)
                    edgeText += "  \(quote(from)) -> \(quote(qn)) [label=\(quote(t))];\n"
                    from = qn
                }
                let key = "edge:\(k):\(i)"
                edgeText += "  \(quote(from)) -> \(quote("op:" + op.name)) [\(edgeAttrs(key, label: "in \(i)", hotEdges))];\n"
            }
            for (j, t) in op.outputs.enumerated() {
                if let q = graph.outputSlots[k][j] {
                    edgeText +=
                        "  \(quote("op:" + op.name)) -> \(quote(quantizerNode(q))) [\(edgeAttrs("output:\(k):\(j)", label: t, hotEdges))];\n"
                }
            }
            for (p, param) in op.params.enumerated() {
                guard let q = graph.paramSlots[k][p] else { continue }
                edgeText +=
                    "  \(quote(quantizerNode(q))) -> \(quote("op:" + op.name)) [style=dashed, \(edgeAttrs("param:\(k):\(param.name)", label: param.name, hotEdges))];\n"
            }
        }
        for t in outside.sorted() {
            let isInput = graph.inputs.contains(t)
            opText += "  \(quote("t:" + t)) [shape=plaintext, label=\(quote(isInput ? "model input \(t)" : t))];\n"
        }
        out += opText + quantizerNodesText + edgeText + legend(plan) + "}\n"
        return out
    }

    /// An op's box: its module path when it has one apart from its name (an ONNX node
    /// `node_Conv_813` is `features.1.conv.0.0`), its type, and the name.
    static func label(_ op: SimGraph.Op) -> String {
        let module = op.modules.first ?? op.name
        return module == op.name ? op.name + "\n" + op.type : module + "\n" + op.type + " (" + op.name + ")"
    }

    /// What the colours and lines mean: the dtypes the picture uses, and for a conflict
    /// the red marks.
    static func legend(_ plan: Plan) -> String {
        var used = Set<DType>()
        for q in plan.changed { used.insert(plan.dtypes[q]); used.insert(plan.previous[q]) }
        for c in plan.conflicts { for col in c.collisions { used.insert(plan.dtypes[col.quantizer]) } }
        var rows = used.sorted().map { "<tr><td bgcolor=\"\(color($0))\">  </td><td align=\"left\">\($0)</td></tr>" }
        rows.append("<tr><td>oval</td><td align=\"left\">quantizer: name, dtype (given → planned)</td></tr>")
        rows.append("<tr><td>box</td><td align=\"left\">op: module, type (node name)</td></tr>")
        rows.append("<tr><td>dashed</td><td align=\"left\">param read</td></tr>")
        if plan.status == .infeasible {
            rows.append("<tr><td><font color=\"red\">red</font></td><td align=\"left\">where the conflicting requests meet</td></tr>")
        }
        return
            "  legend [shape=plaintext, label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\"><tr><td colspan=\"2\"><b>legend</b></td></tr>"
            + rows.joined() + "</table>>];\n"
    }

    /// The key of the drawn edge an origin stands for.
    static func edgeKey(_ origin: Target.Origin, quantizer q: QuantizerID, graph: SimGraph) -> String {
        switch origin {
        case let .edge(op, i): return "edge:\(op):\(i)"
        case let .param(op, name): return "param:\(op):\(name)"
        case let .output(op, j): return "output:\(op):\(j)"
        case let .modelOutput(k):
            if case .op(let p, let j)? = graph.source[graph.outputs[k]] { return "output:\(p):\(j)" }
            return "model-output:\(k)"
        }
    }

    static func edgeAttrs(_ key: String, label: String, _ hot: [String: [String]]) -> String {
        guard let asks = hot[key] else { return "label=\(quote(label))" }
        return "label=\(quote(([label] + asks).joined(separator: "\n"))), color=red, fontcolor=red, penwidth=2"
    }

    static func quote(_ s: String) -> String {
        var out = ""
        JSONWriter.quote(s, into: &out)  // DOT strings take the same escapes for ", \ and newline
        return out
    }
}

extension PathStep {
    /// The op a step is about, if any.
    var op: OpID? {
        switch self {
        case let .inputSlot(op, _), let .reads(op, _, _), let .quantizedAt(op, _), let .transparent(op, _),
            let .param(op, _), let .outputSlot(op, _):
            return op
        case .modelOutput: return nil
        }
    }
}
