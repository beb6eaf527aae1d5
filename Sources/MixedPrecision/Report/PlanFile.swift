/// The machine-readable plan, `plan.json` (`mmp-plan/1`, contract §9).
public enum PlanFile {
    public static let format = "mmp-plan/1"

    public static func encode(_ plan: Plan) -> JSONValue {
        let changedReasons = Dictionary(uniqueKeysWithValues: plan.changed.map { ($0, plan.reasons(for: $0).map(\.request)) })
        let quantizers: [(String, JSONValue)] = plan.graph.quantizers.indices.map { q in
            var fields: [(String, JSONValue)] = [
                ("dtype", .string(plan.dtypes[q].description)),
                ("previous", .string(plan.previous[q].description)),
            ]
            if let because = changedReasons[q] {
                if because.isEmpty {
                    fields.append(("rules", .array(plan.ruleReasons(for: q).map(JSONValue.string))))
                } else {
                    fields.append(("because", .array(because.map(JSONValue.int))))
                }
            }
            return (plan.quantizerName(q), .object(fields))
        }
        let requests: [JSONValue] = plan.outcomes.enumerated().map { r, outcome in
            var fields: [(String, JSONValue)] = [
                ("index", .int(r)),
                ("request", .string(plan.problem.resolution.requests[r].description)),
                ("outcome", .string(outcome.status.rawValue)),
                ("targets", .int(outcome.targetCount)),
                ("deviations", .array(outcome.deviations.map(plan.json))),
            ]
            if !outcome.overriddenBy.isEmpty { fields.append(("overridden_by", .array(outcome.overriddenBy.map(JSONValue.int)))) }
            let notes = plan.problem.resolution.notes[r]
            if !notes.isEmpty { fields.append(("notes", .array(notes.map(JSONValue.string)))) }
            return .object(fields)
        }
        return .object([
            ("format", .string(format)),
            ("mode", .string(plan.mode.rawValue)),
            ("status", .string(plan.status.rawValue)),
            ("quantizers", .object(quantizers)),
            ("requests", .array(requests)),
            ("conflicts", .array(plan.conflicts.map(plan.json))),
            ("conflicts_complete", .bool(plan.conflictsComplete)),
        ])
    }
}
