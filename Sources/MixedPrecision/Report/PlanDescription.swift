import MMPFormats
import MMPModel
import MMPSolving

/// Names for the parts of a plan in the graph's own vocabulary, shared by the JSON
/// plan and the text log.
extension Plan {
    func quantizerName(_ q: QuantizerID) -> String { graph.quantizerName(q) }

    func opName(_ k: OpID) -> String { graph.opName(k) }

    /// `input 0 of op 'conv1'`, `param 'weight' of op 'conv1'`, `model output 0 'y'`.
    func describe(_ origin: Target.Origin) -> String {
        var out = ByteBuffer(capacity: 64)
        describe(origin, into: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The same, appended to `out` (the log has a line per target). An op whose module
    /// path is not its name (an ONNX node `node_Conv_813` of `features.1.conv.0.0`, a
    /// traced `Conv_4` of `layer1.0.conv1`) is named with its module too: that is the name
    /// a user's requests use.
    func describe(_ origin: Target.Origin, into out: inout ByteBuffer) {
        func op(_ k: OpID) {
            out.append(" of op '")
            out.append(opName(k))
            out.append(UInt8(ascii: "'"))
            if let module = graph.moduleNames(op: k).first, module != graph.opNames[k] {
                out.append(" (")
                out.append(graph.names[module])
                out.append(UInt8(ascii: ")"))
            }
        }
        switch origin {
        case let .edge(k, i):
            out.append("input ")
            out.append(decimal: i)
            op(k)
        case let .param(k, name):
            out.append("param '")
            out.append(name)
            out.append(UInt8(ascii: "'"))
            op(k)
        case let .output(k, j):
            out.append("output ")
            out.append(decimal: j)
            op(k)
        case let .modelOutput(k):
            out.append("model output ")
            out.append(decimal: k)
            out.append(" '")
            out.append(graph.outputs[k])
            out.append(UInt8(ascii: "'"))
        }
    }

    func json(_ origin: Target.Origin) -> JSONValue {
        switch origin {
        case let .edge(op, i): return .object([("kind", .string("edge")), ("op", .string(opName(op))), ("input", .int(i))])
        case let .param(op, name): return .object([("kind", .string("param")), ("op", .string(opName(op))), ("param", .string(name))])
        case let .output(op, j): return .object([("kind", .string("output")), ("op", .string(opName(op))), ("output", .int(j))])
        case let .modelOutput(k):
            return .object([("kind", .string("model-output")), ("index", .int(k)), ("tensor", .string(graph.outputs[k]))])
        }
    }

    func json(_ step: PathStep) -> JSONValue {
        func obj(_ kind: String, _ fields: [(String, JSONValue)]) -> JSONValue { .object([("step", .string(kind))] + fields) }
        switch step {
        case let .inputSlot(op, i): return obj("input-quantizer", [("op", .string(opName(op))), ("input", .int(i))])
        case let .reads(op, i, t): return obj("reads", [("op", .string(opName(op))), ("input", .int(i)), ("tensor", .string(t))])
        case let .quantizedAt(op, j): return obj("output-quantizer", [("op", .string(opName(op))), ("output", .int(j))])
        case let .transparent(op, i): return obj("transparent", [("op", .string(opName(op))), ("input", .int(i))])
        case let .param(op, n): return obj("param", [("op", .string(opName(op))), ("param", .string(n))])
        case let .outputSlot(op, j): return obj("output-quantizer", [("op", .string(opName(op))), ("output", .int(j))])
        case let .modelOutput(k, t): return obj("model-output", [("index", .int(k)), ("tensor", .string(t))])
        }
    }

    func json(_ d: Deviation) -> JSONValue {
        .object([
            ("quantizer", .string(quantizerName(d.quantizer))),
            ("origin", json(d.origin)),
            ("tier", .string(d.tier.rawValue)),
            ("requested", .string(d.requested.description)),
            ("realized", .string(d.realized.description))
        ])
    }

    func json(_ c: Conflict) -> JSONValue {
        func pair(_ k: KernelRules.Kernel) -> JSONValue {
            .array([.string(k.activation.description), k.param.map { .string($0.description) } ?? .null])
        }
        return .object(
            [
                ("kind", .string(c.kind.rawValue)),
                ("requests", .array(c.requests.map { .int($0.rawValue) })),
                ("quantizers", .array(c.quantizers.map { .string(quantizerName($0)) })),
                ("kernel_ops", .array(c.kernelOps.map { .string(opName($0)) })),
                (
                    "collisions",
                    .array(
                        c.collisions.map { col in
                            var fields: [(String, JSONValue)] = [
                                ("quantizer", .string(quantizerName(col.quantizer))),
                                (
                                    "asks",
                                    .array(
                                        col.asks.map { a in
                                            .object([
                                                ("request", .int(a.request.rawValue)), ("dtype", .string(a.dtype.description)),
                                                ("origin", json(a.origin)), ("path", .array(a.path.map(json)))
                                            ])
                                        })
                                )
                            ]
                            if !col.tiedSlots.isEmpty { fields.append(("tied_slots", .array(col.tiedSlots.map(JSONValue.string)))) }
                            return .object(fields)
                        })
                ),
                (
                    "kernel_rules",
                    .array(
                        c.kernelRules.map { k in
                            .object([
                                ("op", .string(opName(k.op))), ("type", .string(graph.opType(k.op))),
                                ("requested", .array(k.requestedText.map(JSONValue.string))),
                                ("supported", .array(k.supported.map(pair)))
                            ])
                        })
                ),
                (
                    "best_effort",
                    .array(
                        c.instead.map { i in
                            .object([
                                ("request", .int(i.request.rawValue)), ("outcome", .string(i.status.rawValue)),
                                ("deviations", .array(i.deviations.map(json)))
                            ])
                        })
                )
            ] + (c.convertsCannotHelp.isEmpty ? [] : [("converts_cannot_help", .array(c.convertsCannotHelp.map(JSONValue.string)))]))
    }

    /// Why quantizer `q` changed when no request asked it to: each rule or preference
    /// that would break if `q` alone went back to its given dtype.
    public func ruleReasons(for q: QuantizerID) -> [String] {
        // The dtype each quantizer would have with `q` alone back at its given dtype.
        func reverted(_ k: QuantizerID) -> DType { k == q ? previous[q] : dtypes[k] }
        var why: [String] = []
        for g in ruleIndex.groups[q] ?? [] {
            let group = problem.homogeneity[g]
            if Set(group.quantizers.map(reverted)).count > 1 {
                why.append("keeps op '\(opName(group.op))' reading its inputs at one dtype")
            }
        }
        for c in ruleIndex.kernels[q] ?? [] {
            let kc = problem.kernels[c]
            if kc.combinations != nil {
                if !kc.holds(reverted) {
                    func runs(_ qs: [QuantizerID]) -> String {
                        qs.isEmpty ? "-" : Set(qs.map { dtypes[$0].description }).sorted().joined(separator: "/")
                    }
                    let text = kc.slotText(runs, weight: kc.weight.map { dtypes[$0].description } ?? "-")
                    why.append("op '\(opName(kc.op))' needs a supported kernel: runs \(text)")
                }
                continue
            }
            let w = kc.weight.map(reverted)
            if kc.activations.contains(where: { !kc.allows(activation: reverted($0), weight: kc.weight == $0 ? reverted($0) : w) }) {
                let pair =
                    "(\(kc.activations.map { dtypes[$0].description }.joined(separator: "/")), \(kc.weight.map { dtypes[$0].description } ?? "-"))"
                why.append("op '\(opName(kc.op))' needs a supported kernel: runs \(pair)")
            }
        }
        return why.isEmpty ? ["no request asked; an equally good plan"] : why
    }
}
