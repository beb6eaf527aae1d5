import MMPModel

/// Settles a small ``PrecisionProgram`` without GLPK: tries every assignment, and answers
/// only when the lexicographic optimum is reached by exactly one of them — then it is the
/// plan GLPK would return, since GLPK finds an optimum and there is only one. When the
/// optimum is shared, it answers nil and GLPK decides.
///
/// Most parts of a large plan are one quantizer with a target or two: this is what makes
/// them cheap.
package enum ExhaustiveSolver {
    /// Parts with at most this many assignments are enumerated.
    package static let maxAssignments = 256

    package enum Result {
        case infeasible
        case unique(dtypes: [DType])
    }

    package static func solve(_ program: PrecisionProgram) -> Result? {
        guard !program.hasAuxiliaryColumns else { return nil }
        // Hundreds of thousands of parts come through here: the buffers are made once per
        // part and reused for every assignment.
        let domains = program.domains
        var total = 1
        for d in domains {
            total *= d.count
            if total > maxAssignments { return nil }
        }
        // The rows that read each kernel choice's columns: given the x, a choice is the
        // first whose rows hold (the rows of one choice read no other's columns).
        var choiceOf = [Int](repeating: -1, count: program.columnCount)
        for (g, group) in program.choiceGroups.enumerated() { for j in group { choiceOf[j] = g } }
        var rowsOf = [[Int]](repeating: [], count: program.choiceGroups.count)
        if !program.choiceGroups.isEmpty {
            for (r, row) in program.rows.enumerated() {
                if let g = row.terms.lazy.map({ choiceOf[$0.0] }).first(where: { $0 >= 0 }) { rowsOf[g].append(r) }
            }
        }
        // Convert sites count from the dtypes (their indicators stay 0, their rows aside).
        let converts = program.converts
        let local = Dictionary(uniqueKeysWithValues: program.quantizers.enumerated().map { ($1, $0) })
        var choice = [Int](repeating: 0, count: domains.count)
        var columns = [Int](repeating: 0, count: program.columnCount)
        var values = [Int](repeating: 0, count: program.levels.count)
        var best = values
        var found = false
        var bestChoice = choice
        var ties = 0
        for _ in 0..<total {
            for (k, c) in choice.enumerated() {
                for i in 0..<domains[k].count { columns[program.firstColumn[k] + i] = i == c ? 1 : 0 }
            }
            // Each h at its least value: 1 exactly when its group reads mixed dtypes.
            for (g, members) in program.groupMembers.enumerated() {
                let first = members.first.map { domains[$0][choice[$0]] }
                columns[program.hFirst + g] = members.contains { domains[$0][choice[$0]] != first } ? 1 : 0
            }
            var chosen = true
            for (g, group) in program.choiceGroups.enumerated() {
                var accepted = false
                for pick in group {
                    for j in group { columns[j] = j == pick ? 1 : 0 }
                    if rowsOf[g].allSatisfy({ holds(program.rows[$0], columns) }) {
                        accepted = true
                        break
                    }
                }
                if !accepted { chosen = false; break }
            }
            if chosen, feasible(program, columns, skipping: converts.rows) {
                for (l, level) in program.levels.enumerated() {
                    switch level.kind {
                    case .converts, .convertElements:
                        values[l] = convertValue(level.kind, converts) { q in
                            guard let k = local[q] else { preconditionFailure("a convert site's quantizer is in its part") }
                            return domains[k][choice[k]]
                        }
                    default: values[l] = LexicographicSolver.value(level, columns)
                    }
                }
                if found, !values.lexicographicallyPrecedes(best) {
                    if values == best { ties += 1 }
                } else {
                    for l in values.indices { best[l] = values[l] }
                    for k in choice.indices { bestChoice[k] = choice[k] }
                    found = true
                    ties = 0
                }
            }
            // Next assignment (odometer).
            var k = 0
            while k < choice.count {
                choice[k] += 1
                if choice[k] < domains[k].count { break }
                choice[k] = 0
                k += 1
            }
        }
        guard found else { return .infeasible }
        guard ties == 0 else { return nil }
        return .unique(dtypes: bestChoice.enumerated().map { domains[$0][$1] })
    }

    private static func feasible(_ program: PrecisionProgram, _ columns: [Int], skipping: Range<Int>) -> Bool {
        program.rows.indices.allSatisfy { skipping.contains($0) || holds(program.rows[$0], columns) }
    }

    /// The converts of the sites (`.converts`) or the elements they move
    /// (`.convertElements`) with quantizer `q` at `dtype(q)`: the program's indicators at
    /// their optimum for those dtypes.
    private static func convertValue(
        _ kind: PrecisionProgram.LevelKind, _ converts: PrecisionProgram.ConvertColumns, _ dtype: (QuantizerID) -> DType
    ) -> Int {
        var total = 0
        for (site, elements) in converts.sites {
            let items = site.items(dtype, elements: { elements[$0] })
            if case .converts = kind {
                total += items.count
            } else {
                for item in items { total = ConvertSite.saturatingSum(total, elements[item.input] ?? 0) }
            }
        }
        return total
    }

    private static func holds(_ row: PrecisionProgram.Row, _ columns: [Int]) -> Bool {
        var v = 0.0
        for (j, c) in row.terms { v += c * Double(columns[j]) }
        switch row.kind {
        case .atMost(let b): return v <= b + 1e-9
        case .equal(let e): return abs(v - e) <= 1e-9
        }
    }
}
