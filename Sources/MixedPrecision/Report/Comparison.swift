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

    /// Quantizers of the given sim whose dtype differs between the plans or from the
    /// given sim, in sim order.
    public var differing: [QuantizerID] {
        strict.givenQuantizers.filter { q in
            let given = strict.previous[q]
            return strict.dtypes[q] != given || bestEffort.dtypes[q] != given
        }
    }

    /// One row of the quantizer table: a quantizer's dtype given and in each plan (nil
    /// where it does not exist: an input quantizer only a plan inserted).
    public struct Row: Sendable, Equatable {
        public var quantizer: String
        public var given: DType?
        public var strict: DType?
        public var bestEffort: DType?
    }

    /// The differing quantizers of the sim, then the quantizers either plan inserted
    /// (`--insert-converts`), in op order.
    public var quantizerRows: [Row] {
        var rows = differing.map { q in
            Row(
                quantizer: strict.graph.quantizerName(q), given: strict.previous[q], strict: strict.dtypes[q],
                bestEffort: bestEffort.dtypes[q])
        }
        func inserted(_ plan: Plan) -> [(edge: EdgeID, name: String, dtype: DType)] {
            guard plan.status == .ok else { return [] }
            return plan.inserted.enumerated().map { k, a in
                (plan.graph.edge(op: a.op, input: a.input), a.name, plan.dtypes[plan.insertedQuantizer(k)])
            }
        }
        let (s, b) = (inserted(strict), inserted(bestEffort))
        // Edges are numbered in op order, then input order; both plans share the sim's.
        let edges = Set(s.map(\.edge)).union(b.map(\.edge)).sorted()
        for e in edges {
            let inS = s.first { $0.edge == e }, inB = b.first { $0.edge == e }
            rows.append(Row(quantizer: inS?.name ?? inB?.name ?? "", given: nil, strict: inS?.dtype, bestEffort: inB?.dtype))
        }
        return rows
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
        let diff = quantizerRows
        out += "\n"
        if diff.isEmpty {
            out += "No quantizer changes in either plan.\n"
        } else {
            var q: [[String]] = [["quantizer (\(diff.count) differ)", "given", strictHead, "best-effort"]]
            for row in diff {
                let dtypes: [DType?] = [row.given, row.strict, row.bestEffort]
                q.append([row.quantizer] + dtypes.map { (d: DType?) -> String in d?.description ?? "-" })
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
                            ("index", .int(r.rawValue)),
                            ("request", .string(requests[r].description)),
                            ("strict", .string(strict.outcomes[r].status.rawValue)),
                            ("best-effort", .string(bestEffort.outcomes[r].status.rawValue))
                        ])
                    })
            ),
            (
                "quantizers",
                .array(
                    quantizerRows.map { row in
                        func value(_ d: DType?) -> JSONValue { d.map { .string($0.description) } ?? .null }
                        return .object([
                            ("quantizer", .string(row.quantizer)), ("given", value(row.given)), ("strict", value(row.strict)),
                            ("best-effort", value(row.bestEffort))
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
