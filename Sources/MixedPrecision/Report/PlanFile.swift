import MMPFormats
import MMPModel
import MMPSolving

/// The machine-readable plan, `plan.json` (`mmp-plan/1`, contract §9).
public enum PlanFile {
    public static let format = "mmp-plan/1"

    /// The plan as a JSON value (for tests and tools; `bytes` is what is written).
    public static func encode(_ plan: Plan) -> JSONValue {
        (try? JSONParser.parse(bytes(plan))) ?? .null
    }

    /// `plan.json`.
    public static func bytes(_ plan: Plan) -> [UInt8] {
        ByteBuffer.collect { write(plan, emit: $0) }
    }

    /// `plan.json`, handed to `emit` in chunks (it stops when `emit` returns false). The
    /// quantizer map — one entry per quantizer, a million for a large model — is written
    /// straight into a buffer that is emitted as it fills; the rest goes through
    /// ``JSONValue``.
    public static func write(_ plan: Plan, emit: (UnsafeBufferPointer<UInt8>) -> Bool) {
        var out = ByteBuffer.streaming()
        out.append("{\n  \"format\": ")
        JSONWriter.quote(format, into: &out)
        out.append(",\n  \"mode\": ")
        JSONWriter.quote(plan.mode.rawValue, into: &out)
        out.append(",\n  \"status\": ")
        JSONWriter.quote(plan.status.rawValue, into: &out)
        out.append(",\n  \"quantizers\": {")
        // A million entries: dtype spellings made once, changes marked in a flat array,
        // request numbers written as digits — no value per entry.
        var isChanged = IDArray<QuantizerID, Bool>(repeating: false, count: plan.dtypes.count)
        for q in plan.changed { isChanged[q] = true }
        var spellings = DTypeSpellings()
        // An infeasible plan's graph also holds the converts it could have inserted: they
        // are named in its conflicts, not listed as quantizers.
        let listed = plan.status == .ok ? plan.graph.quantizerIDs : plan.givenQuantizers
        let firstInserted = plan.givenQuantizers.upperBound
        for q in listed {
            out.append(q == 0 ? "\n    " : ",\n    ")
            JSONWriter.quote(plan.quantizerName(q), into: &out)
            out.append(": {\"dtype\": \"")
            spellings.append(plan.dtypes[q], to: &out)
            out.append("\", \"previous\": \"")
            spellings.append(plan.previous[q], to: &out)
            out.append("\"")
            if q >= firstInserted {
                let added = plan.inserted[q.rawValue - firstInserted.rawValue]
                out.append(", \"inserted\": ")
                JSONWriter.emit(
                    .object([
                        ("op", .string(plan.opName(added.op))), ("input", .int(added.input)),
                        ("requantizes", .string(plan.quantizerName(added.requantizes)))
                    ]), indent: 0, into: &out)
            }
            if isChanged[q] || q >= firstInserted {
                let because = plan.reasons(for: q)
                if because.isEmpty {
                    out.append(", \"rules\": ")
                    JSONWriter.emit(.array(plan.ruleReasons(for: q).map(JSONValue.string)), indent: 0, into: &out)
                } else {
                    out.append(", \"because\": [")
                    for (n, reason) in because.enumerated() {
                        if n > 0 { out.append(", ") }
                        out.append(decimal: reason.request.rawValue)
                    }
                    out.append("]")
                }
            }
            out.append("}")
            guard out.flush(to: emit) else { return }
        }
        out.append(listed.isEmpty ? "},\n" : "\n  },\n")
        let entries = rest(plan)
        for (k, (key, value)) in entries.enumerated() {
            out.append("  ")
            JSONWriter.quote(key, into: &out)
            out.append(": ")
            JSONWriter.emit(value, indent: 1, into: &out)
            out.append(k == entries.count - 1 ? "\n" : ",\n")
            guard out.flush(to: emit) else { return }
        }
        out.append("}\n")
        _ = out.flushAll(to: emit)
    }

    /// Everything after the quantizer map.
    static func rest(_ plan: Plan) -> [(String, JSONValue)] {
        let requests: [JSONValue] = zip(plan.outcomes.indices, plan.outcomes).map { r, outcome in
            var fields: [(String, JSONValue)] = [
                ("index", .int(r.rawValue)),
                ("request", .string(plan.problem.resolution.requests[r].description)),
                ("outcome", .string(outcome.status.rawValue)),
                ("targets", .int(outcome.targetCount)),
                ("deviations", .array(outcome.deviations.map { plan.json($0) }))
            ]
            if !outcome.overriddenBy.isEmpty { fields.append(("overridden_by", .array(outcome.overriddenBy.map { .int($0.rawValue) }))) }
            let warnings = plan.problem.resolution.warnings[r]
            if !warnings.isEmpty { fields.append(("warnings", .array(warnings.map(JSONValue.string)))) }
            let notes = plan.problem.resolution.notes[r]
            if !notes.isEmpty { fields.append(("notes", .array(notes.map(JSONValue.string)))) }
            return .object(fields)
        }
        return [
            ("requests", .array(requests)),
            ("conflicts", .array(plan.conflicts.map { plan.json($0) })),
            ("conflicts_complete", .bool(plan.conflictsComplete)),
            ("converts", converts(plan))
        ]
    }

    /// `converts` (contract §11): how many the plan makes and the given sim made, and
    /// where the plan's are.
    static func converts(_ plan: Plan) -> JSONValue {
        var summary: [(String, JSONValue)] = [("count", .int(plan.converts.count)), ("given_count", .int(plan.givenConverts.count))]
        if let e = plan.converts.elements { summary.append(("elements", .int(e))) }
        return .object(
            summary + [
                (
                    "items",
                    .array(
                        plan.converts.items.map { item in
                            var fields: [(String, JSONValue)] = [
                                ("kind", .string(item.kind.rawValue)), ("op", .string(plan.opName(item.op)))
                            ]
                            if item.kind == .requantize { fields.append(("input", .int(item.input))) }
                            fields += [
                                ("tensor", .string(plan.graph.inputTensorName(op: item.op, input: item.input))),
                                ("from", .string(item.from.description)), ("to", .string(item.to.description))
                            ]
                            if let e = item.elements { fields.append(("elements", .int(e))) }
                            fields.append(("inserted", .bool(item.inserted)))
                            return .object(fields)
                        })
                )
            ])
    }
}
