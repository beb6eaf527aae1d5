import MMPFormats
import MMPModel
import MMPSolving

/// The readable report, `mmp_log.txt` (contract §9): the conflicts (first, when strict mode
/// found any), the requests as given, the targets after override, the outcomes with their
/// deviations, and every quantizer that changed with the requests that made it change.
public enum PlanLog {
    /// How many conflicts `mmp plan` prints on stderr; the log lists every one.
    public static let conflictsShown = 20

    public static func render(_ plan: Plan) -> String {
        String(decoding: bytes(plan), as: UTF8.self)
    }

    /// The report as bytes.
    public static func bytes(_ plan: Plan) -> [UInt8] {
        ByteBuffer.collect { write(plan, emit: $0) }
    }

    /// The report, handed to `emit` in chunks as it is written (a large model's report
    /// has a line per target and per change); it stops when `emit` returns false.
    public static func write(_ plan: Plan, emit: Emit) {
        var out = ByteBuffer.streaming()
        // The two long sections (a line per target, a line per change) are appended piece
        // by piece, with each dtype spelled once.
        var spellings = DTypeSpellings()
        header(plan, &out)
        guard conflicts(plan, &out, emit), requests(plan, &out, emit), targets(plan, &out, &spellings, emit),
            overridden(plan, &out, emit), outcomes(plan, &out, emit), changed(plan, &out, &spellings, emit),
            inserted(plan, &out, emit), converts(plan, &out, emit)
        else { return }
        _ = out.flushAll(to: emit)
    }

    /// Takes the report's bytes as they are written; false stops the writing.
    public typealias Emit = (UnsafeBufferPointer<UInt8>) -> Bool

    private static func header(_ plan: Plan, _ out: inout ByteBuffer) {
        out += "mmp plan: \(plan.mode.rawValue) mode, status \(plan.status.rawValue)\n"
        out +=
            "sim: \(plan.graph.model.map { "model '\($0)', " } ?? "")\(plan.graph.opCount) ops, \(plan.givenQuantizerCount) quantizers\n"
    }

    /// What a user of a failed strict plan reads first: the conflicts, before the request
    /// and target listings that can run to thousands of lines.
    private static func conflicts(_ plan: Plan, _ out: inout ByteBuffer, _ emit: Emit) -> Bool {
        guard !plan.conflicts.isEmpty else { return true }
        out += "\nConflicts (\(plan.conflicts.count))\n"
        for (k, c) in plan.conflicts.enumerated() {
            out += describe(c, number: k + 1, plan: plan)
            guard out.flush(to: emit) else { return false }
        }
        if !plan.conflictsComplete {
            out += "  (the search stopped after \(plan.conflicts.count) conflicts; there may be more)\n"
        }
        out +=
            "\nNothing was written back: strict mode honours every request or none. Rerun with\n--best-effort to let later requests win, or change the requests below.\n"
        return true
    }

    private static func requests(_ plan: Plan, _ out: inout ByteBuffer, _ emit: Emit) -> Bool {
        let res = plan.problem.resolution
        out += "\nRequests as given (\(res.requests.count))\n"
        for (r, request) in res.requests.enumerated() {
            out += "  [\(r)] \(request)\n"
            guard out.flush(to: emit) else { return false }
        }
        return true
    }

    private static func targets(_ plan: Plan, _ out: inout ByteBuffer, _ spellings: inout DTypeSpellings, _ emit: Emit) -> Bool {
        let res = plan.problem.resolution
        out += "\nTargets after override (\(res.targets.count))\n"
        for t in res.targets {
            out.append("  [")
            out.append(decimal: t.request.rawValue)
            out.append("] ")
            plan.describe(t.origin, into: &out)
            out.append(" -> ")
            spellings.append(t.dtype, to: &out)
            out.append(" (")
            out.append(t.tier.rawValue)
            out.append("): ")
            for (n, q) in t.quantizers.enumerated() {
                if n > 0 { out.append(", ") }
                out.append(plan.quantizerName(q))
            }
            out.append("\n")
            guard out.flush(to: emit) else { return false }
        }
        return true
    }

    private static func overridden(_ plan: Plan, _ out: inout ByteBuffer, _ emit: Emit) -> Bool {
        let res = plan.problem.resolution
        guard !res.overridden.isEmpty else { return true }
        out += "\nOverridden targets (\(res.overridden.count))\n"
        for o in res.overridden {
            out += "  [\(o.target.request)] \(plan.describe(o.target.origin)) -> \(o.target.dtype), overridden by request \(o.by)\n"
            guard out.flush(to: emit) else { return false }
        }
        return true
    }

    private static func outcomes(_ plan: Plan, _ out: inout ByteBuffer, _ emit: Emit) -> Bool {
        let res = plan.problem.resolution
        out += "\nOutcomes\n"
        for (r, o) in zip(plan.outcomes.indices, plan.outcomes) {
            var line = "  [\(r)] \(o.status.rawValue)"
            if o.status == .selectedNothing { line += ": the selector matched no op" }
            if let c = plan.conflicts.firstIndex(where: { $0.requests.contains(r) }) { line += ": part of conflict \(c + 1)" }
            let missed = o.deviations.filter { $0.tier == .explicit }.count
            if missed > 0 { line += ": \(missed) quantizer(s) miss the requested dtype" }
            if !o.overriddenBy.isEmpty { line += " (partly overridden by \(o.overriddenBy.map(\.description).joined(separator: ", ")))" }
            out += line + "\n"
            for d in o.deviations {
                out +=
                    "      \(plan.quantizerName(d.quantizer)) at \(plan.describe(d.origin)): requested \(d.requested), planned \(d.realized)\(d.tier == .derived ? " (derived)" : "")\n"
            }
            for w in res.warnings[r] { out += "      warning: \(w)\n" }
            for n in res.notes[r] { out += "      note: \(n)\n" }
            guard out.flush(to: emit) else { return false }
        }
        return true
    }

    private static func changed(_ plan: Plan, _ out: inout ByteBuffer, _ spellings: inout DTypeSpellings, _ emit: Emit) -> Bool {
        let changed = plan.changed
        out += "\nChanged quantizers (\(changed.count))\n"
        for q in changed {
            out.append("  ")
            out.append(plan.quantizerName(q))
            out.append(": ")
            spellings.append(plan.previous[q], to: &out)
            out.append(" -> ")
            spellings.append(plan.dtypes[q], to: &out)
            out.append(" (")
            let because = plan.reasons(for: q)
            if because.isEmpty {
                out.append(plan.ruleReasons(for: q).joined(separator: "; "))
            } else {
                for (n, r) in because.enumerated() {
                    if n > 0 { out.append(", ") }
                    out.append("request ")
                    out.append(decimal: r.request.rawValue)
                    if r.asked != plan.dtypes[q] {
                        out.append(" asked ")
                        spellings.append(r.asked, to: &out)
                    }
                }
            }
            out.append(")\n")
            guard out.flush(to: emit) else { return false }
        }
        return true
    }

    /// The input quantizers the plan inserted (`--insert-converts`), where each sits, what
    /// it requantizes and the requests that asked for it.
    private static func inserted(_ plan: Plan, _ out: inout ByteBuffer, _ emit: Emit) -> Bool {
        guard plan.status == .ok, !plan.inserted.isEmpty else { return true }
        out += "\nInserted quantizers (\(plan.inserted.count))\n"
        for (k, added) in plan.inserted.enumerated() {
            let q = plan.insertedQuantizer(k)
            let because = plan.reasons(for: q).map { "request \($0.request)" }.joined(separator: ", ")
            out +=
                "  \(added.name): \(plan.dtypes[q]) at \(plan.describe(.edge(op: added.op, input: added.input))), requantizes '\(plan.quantizerName(added.requantizes))' (\(plan.dtypes[added.requantizes])) (\(because.isEmpty ? "the rules" : because))\n"
            guard out.flush(to: emit) else { return false }
        }
        return true
    }

    /// Where the plan converts (contract §11), and which requests made each: those whose
    /// targets changed a quantizer of the op's inputs there.
    private static func converts(_ plan: Plan, _ out: inout ByteBuffer, _ emit: Emit) -> Bool {
        // "0 elements" says nothing a count of 0 does not.
        let total = plan.converts.count == 0 ? "" : plan.converts.elements.map { ", \($0) elements" } ?? ""
        out += "\nConverts (\(plan.converts.count)\(total); the given sim had \(plan.givenConverts.count))\n"
        let effective = plan.problem.effective
        for item in plan.converts.items {
            var involved: [QuantizerID] = []
            for i in 0..<plan.graph.inputCount(op: item.op) { involved += effective.of(op: item.op, input: i) }
            if item.kind == .requantize { involved += effective.of(tensorID: plan.graph.inputTensor(op: item.op, input: item.input)) }
            var requests = Set<RequestID>(), byRules = false
            for q in involved where plan.dtypes[q] != plan.previous[q] {
                let because = plan.reasons(for: q)
                if because.isEmpty { byRules = true }
                requests.formUnion(because.map(\.request))
            }
            let why =
                requests.isEmpty
                ? (byRules ? "the rules" : "as in the given sim")
                : requests.sorted().map { "request \($0)" }.joined(separator: ", ")
            let place = plan.describe(.edge(op: item.op, input: item.input))
            let size = (item.elements.map { ", \($0) elements" } ?? "") + (item.inserted ? ", inserted" : "")
            let tensor = plan.graph.inputTensorName(op: item.op, input: item.input)
            switch item.kind {
            case .requantize:
                out += "  requantize at \(place): reads '\(tensor)' at \(item.from), converted to \(item.to) (\(why)\(size))\n"
            case .mixedRead:
                out += "  mixed read at \(place): '\(tensor)' arrives at \(item.from), the op reads \(item.to) (\(why)\(size))\n"
            }
            guard out.flush(to: emit) else { return false }
        }
        return true
    }

    /// A conflict in full: the requests, where they collide and how each request gets
    /// there, the kernel lists involved, and what best-effort does instead.
    public static func describe(_ c: Plan.Conflict, number: Int, plan: Plan) -> String {
        let res = plan.problem.resolution
        let who = c.requests.count == 1 ? "request \(c.requests[0])" : "requests \(c.requests.map(\.description).joined(separator: ", "))"
        var out =
            "  conflict \(number) (\(c.kind.rawValue)): \(who)\(c.kernelOps.isEmpty ? "" : " and the kernel rule\(c.kernelOps.count > 1 ? "s" : "") of \(c.kernelOps.map { "op '\(plan.opName($0))'" }.joined(separator: ", "))") cannot all hold\n"
        for r in c.requests { out += "    [\(r)] \(res.requests[r])\n" }
        for col in c.collisions {
            let candidate = col.quantizer >= plan.givenQuantizers.upperBound ? " (a convert mmp could insert)" : ""
            out += "    at quantizer \(plan.quantizerName(col.quantizer))\(candidate):\n"
            for a in col.asks {
                out += "      request \(a.request) asks \(a.dtype): \(QuantizerPath.describe(a.path, graph: plan.graph))\n"
            }
            if !col.tiedSlots.isEmpty { out += "      it is tied: one quantizer at \(col.tiedSlots.joined(separator: ", "))\n" }
        }
        for k in c.kernelRules {
            out +=
                "    op '\(plan.graph.opName(k.op))' (\(plan.graph.opType(k.op))) would run \(k.requestedText.joined(separator: " and ")); its supported \(k.supported.contains(where: \.isExtended) ? "" : "(activation, weight) ")kernels are \(k.supported.map(\.description).joined(separator: ", "))\n"
        }
        for why in c.convertsCannotHelp { out += "    a convert cannot help: \(why)\n" }
        if !c.instead.isEmpty {
            out += "    best-effort instead:\n"
            for i in c.instead {
                var line = "      [\(i.request)] \(i.status.rawValue)"
                if !i.deviations.isEmpty {
                    line +=
                        ": "
                        + i.deviations.map { "\(plan.quantizerName($0.quantizer)) \($0.realized) (asked \($0.requested))" }.joined(
                            separator: ", ")
                }
                out += line + "\n"
            }
        }
        return out
    }

    /// A conflict in one line, for the terminal.
    public static func summarize(_ c: Plan.Conflict, number: Int, plan: Plan) -> String {
        let who = c.requests.count == 1 ? "request \(c.requests[0])" : "requests \(c.requests.map(\.description).joined(separator: ", "))"
        var parts: [String] = []
        for col in c.collisions where Set(col.asks.map(\.dtype)).count > 1 {
            // One request asking one dtype at many places (63 edges of a shared tensor) is
            // said once, with the count.
            var groups: [(request: RequestID, dtype: DType, places: [Target.Origin])] = []
            for a in col.asks {
                if let k = groups.firstIndex(where: { $0.request == a.request && $0.dtype == a.dtype }) {
                    groups[k].places.append(a.origin)
                } else {
                    groups.append((a.request, a.dtype, [a.origin]))
                }
            }
            let asks = groups.map { g -> String in
                let text = "request \(g.request) asks \(g.dtype)"
                guard g.places.count > 1 else { return text }
                let edges = g.places.allSatisfy { if case .edge = $0 { true } else { false } }
                return text + " at \(g.places.count) \(edges ? "edges" : "places")"
            }.joined(separator: ", ")
            parts.append("collide at \(plan.quantizerName(col.quantizer)) (\(asks))")
        }
        for k in c.kernelRules {
            parts.append(
                "op '\(plan.graph.opName(k.op))' (\(plan.graph.opType(k.op))) would run \(k.requestedText.joined(separator: " and ")), supports only \(k.supported.map(\.description).joined(separator: ", "))"
            )
        }
        if let why = c.convertsCannotHelp.first { parts.append("a convert cannot help: \(why)") }
        return "conflict \(number): \(who): \(parts.joined(separator: "; "))"
    }
}
