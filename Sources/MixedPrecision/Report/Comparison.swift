import MMPFormats
import MMPModel
import MMPSolving

/// Strict and best-effort plans of the same inputs, side by side: each request's outcome
/// in both modes, and every quantizer whose dtype differs between the two plans or from
/// the given sim.
public struct Comparison: Sendable {
    public let strict: Plan
    public let bestEffort: Plan

    public init(_ problem: PlanningProblem, options: Planner.Options = .init()) throws(MMPError) {
        strict = try Planner.plan(problem, mode: .strict, options: options)
        bestEffort = try Planner.plan(problem, mode: .bestEffort, options: options)
    }

    /// Quantizers whose dtype differs between the plans or from the given sim, in sim order.
    public var differing: [Int] {
        strict.graph.quantizers.indices.filter { q in
            let given = strict.previous[q]
            return strict.dtypes[q] != given || bestEffort.dtypes[q] != given
        }
    }

    /// The side-by-side table, as printed by `mmp compare`.
    public func table() -> String {
        let requests = strict.problem.resolution.requests
        let strictHead = strict.status == .ok ? "strict" : "strict (infeasible)"
        var rows: [[String]] = [["request", strictHead, "best-effort"]]
        for r in requests.indices {
            rows.append([
                "[\(r)] " + Self.clip("\(requests[r])", 72), strict.outcomes[r].status.rawValue, bestEffort.outcomes[r].status.rawValue
            ])
        }
        var out = Self.render(rows)
        if strict.status == .infeasible {
            out += "\nstrict: infeasible, \(strict.conflicts.count) conflict(s); a strict plan changes nothing\n"
            for (k, c) in strict.conflicts.enumerated() { out += "  " + PlanLog.summarize(c, number: k + 1, plan: strict) + "\n" }
        }
        // What each plan costs on the device (contract §11); a strict plan that is
        // infeasible keeps the given sim's.
        out +=
            "\nconverts: given sim \(strict.givenConverts.count), strict \(strict.converts.count), best-effort \(bestEffort.converts.count)\n"
        let diff = differing
        out += "\n"
        if diff.isEmpty {
            out += "No quantizer changes in either plan.\n"
        } else {
            var q: [[String]] = [["quantizer (\(diff.count) differ)", "given", strictHead, "best-effort"]]
            for i in diff {
                q.append([
                    strict.graph.quantizers[i].name, strict.previous[i].description,
                    strict.dtypes[i].description, bestEffort.dtypes[i].description
                ])
            }
            out += Self.render(q)
        }
        return out
    }

    /// The comparison for scripts (`mmp compare --format json`).
    public func json() -> JSONValue {
        let requests = strict.problem.resolution.requests
        return .object([
            ("format", .string("mmp-compare/1")),
            ("strict_status", .string(strict.status.rawValue)),
            (
                "converts",
                .object([
                    ("given", .int(strict.givenConverts.count)), ("strict", .int(strict.converts.count)),
                    ("best-effort", .int(bestEffort.converts.count))
                ])
            ),
            (
                "requests",
                .array(
                    requests.indices.map { r in
                        .object([
                            ("index", .int(r)),
                            ("request", .string(requests[r].description)),
                            ("strict", .string(strict.outcomes[r].status.rawValue)),
                            ("best-effort", .string(bestEffort.outcomes[r].status.rawValue))
                        ])
                    })
            ),
            (
                "quantizers",
                .array(
                    differing.map { q in
                        .object([
                            ("quantizer", .string(strict.graph.quantizers[q].name)),
                            ("given", .string(strict.previous[q].description)),
                            ("strict", .string(strict.dtypes[q].description)),
                            ("best-effort", .string(bestEffort.dtypes[q].description))
                        ])
                    })
            ),
            ("conflicts", .array(strict.conflicts.map(strict.json)))
        ])
    }

    static func clip(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n - 1)) + "…"
    }

    /// Left-aligned columns separated by two spaces; the first row is the header.
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        for row in rows { for (k, cell) in row.enumerated() { widths[k] = max(widths[k], cell.count) } }
        var out = ""
        for (n, row) in rows.enumerated() {
            let line = row.enumerated().map { k, cell in
                k + 1 == row.count ? cell : cell + String(repeating: " ", count: widths[k] - cell.count)
            }.joined(separator: "  ")
            out += line + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}
