/// The readable report, `mmp_log.txt` (contract §9): the requests as given, the targets
/// after override, conflicts or deviations, and every quantizer that changed with the
/// requests that made it change.
public enum PlanLog {
    public static func render(_ plan: Plan) -> String {
        let res = plan.problem.resolution
        var out = "mmp plan: \(plan.mode.rawValue) mode, status \(plan.status.rawValue)\n"
        out += "sim: \(plan.graph.model.map { "model '\($0)', " } ?? "")\(plan.graph.ops.count) ops, \(plan.graph.quantizers.count) quantizers\n"

        out += "\nRequests as given (\(res.requests.count))\n"
        for (r, request) in res.requests.enumerated() { out += "  [\(r)] \(request)\n" }

        out += "\nTargets after override (\(res.targets.count))\n"
        for t in res.targets {
            let qs = t.quantizers.map(plan.quantizerName).joined(separator: ", ")
            out += "  [\(t.request)] \(plan.describe(t.origin)) -> \(t.dtype) (\(t.tier.rawValue)): \(qs)\n"
        }
        if !res.overridden.isEmpty {
            out += "\nOverridden targets (\(res.overridden.count))\n"
            for o in res.overridden {
                out += "  [\(o.target.request)] \(plan.describe(o.target.origin)) -> \(o.target.dtype), overridden by request \(o.by)\n"
            }
        }

        out += "\nOutcomes\n"
        for (r, o) in plan.outcomes.enumerated() {
            var line = "  [\(r)] \(o.status.rawValue)"
            if o.status == .selectedNothing { line += ": the selector matched no op" }
            if let c = plan.conflicts.firstIndex(where: { $0.requests.contains(r) }) { line += ": part of conflict \(c + 1)" }
            let missed = o.deviations.filter { $0.tier == .explicit }.count
            if missed > 0 { line += ": \(missed) quantizer(s) miss the requested dtype" }
            if !o.overriddenBy.isEmpty { line += " (partly overridden by \(o.overriddenBy.map(String.init).joined(separator: ", ")))" }
            out += line + "\n"
            for d in o.deviations {
                out += "      \(plan.quantizerName(d.quantizer)) at \(plan.describe(d.origin)): requested \(d.requested), planned \(d.realized)\(d.tier == .derived ? " (derived)" : "")\n"
            }
            for n in res.notes[r] { out += "      note: \(n)\n" }
        }

        if !plan.conflicts.isEmpty {
            out += "\nConflicts (\(plan.conflicts.count))\n"
            for (k, c) in plan.conflicts.enumerated() { out += describe(c, number: k + 1, plan: plan) }
            out += "\nNothing was written back: strict mode honours every request or none. Rerun with\n--best-effort to let later requests win, or change the requests above.\n"
        }

        let changed = plan.changed
        out += "\nChanged quantizers (\(changed.count))\n"
        for q in changed {
            let because = plan.reasons(for: q)
            let why = because.isEmpty ? plan.ruleReasons(for: q).joined(separator: "; ") : because.map { r in
                r.asked == plan.dtypes[q] ? "request \(r.request)" : "request \(r.request) asked \(r.asked)"
            }.joined(separator: ", ")
            out += "  \(plan.quantizerName(q)): \(plan.previous[q]) -> \(plan.dtypes[q]) (\(why))\n"
        }
        return out
    }

    /// A conflict in a few lines: the requests, where they collide, and the kernel rules.
    public static func describe(_ c: Plan.Conflict, number: Int, plan: Plan) -> String {
        let res = plan.problem.resolution
        var out = "  conflict \(number) (\(c.kind.rawValue)): requests \(c.requests.map(String.init).joined(separator: ", ")) cannot all hold\n"
        for r in c.requests { out += "    [\(r)] \(res.requests[r])\n" }
        for q in c.quantizers {
            let asks = res.targets.filter { $0.tier == .explicit && c.requests.contains($0.request) && $0.quantizers.contains(q) }
            let list = asks.map { "request \($0.request) wants \($0.dtype) via \(plan.describe($0.origin))" }
            out += "    at quantizer \(plan.quantizerName(q))\(list.isEmpty ? "" : ": " + list.joined(separator: "; "))\n"
        }
        for op in c.kernelOps {
            if let kc = plan.problem.kernels.first(where: { $0.op == op }) {
                out += "    op '\(plan.opName(op))' (\(plan.graph.ops[op].type)) supports only (activation, weight) kernels \(kc.kernels.map(\.description).joined(separator: ", "))\n"
            }
        }
        return out
    }
}
