import MixedPrecision

/// The few lines `mmp plan` prints: where the plan went and what it did.
enum PlanSummary {
    static func render(_ plan: Plan, outDir: String, written: [String]) -> String {
        var counts: [Plan.Outcome.Status: Int] = [:]
        for o in plan.outcomes { counts[o.status, default: 0] += 1 }
        let order: [Plan.Outcome.Status] = [.honored, .partiallyHonored, .notHonored, .overridden, .selectedNothing]
        let outcomeText = order.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
        var lines = [
            "\(plan.mode.rawValue) plan: \(plan.status.rawValue) — \(plan.outcomes.count) request\(plan.outcomes.count == 1 ? "" : "s") (\(outcomeText.isEmpty ? "none" : outcomeText))",
            "\(plan.changed.count) of \(plan.givenQuantizerCount) quantizers change dtype"
        ]
        for q in plan.changed.prefix(12) {
            lines.append("  \(plan.graph.quantizerName(q)): \(plan.previous[q]) -> \(plan.dtypes[q])")
        }
        if plan.changed.count > 12 { lines.append("  … \(plan.changed.count - 12) more in mmp_log.txt") }
        if plan.status == .ok, !plan.inserted.isEmpty {
            let n = plan.inserted.count
            lines.append("inserted \(n) input quantizer\(n == 1 ? "" : "s") (converts)")
            for (k, added) in plan.inserted.prefix(12).enumerated() {
                let q = plan.insertedQuantizer(k)
                lines.append(
                    "  \(added.name): \(plan.dtypes[q]), requantizes \(plan.graph.quantizerName(added.requantizes)) (\(plan.dtypes[added.requantizes]))"
                )
            }
            if n > 12 { lines.append("  … \(n - 12) more in mmp_log.txt") }
        }
        lines.append("\(plan.converts.count) convert\(plan.converts.count == 1 ? "" : "s"), given sim had \(plan.givenConverts.count)")
        lines.append("wrote \(written.joined(separator: ", ")) to \(outDir)")
        return lines.joined(separator: "\n")
    }
}
