/// Settles a small ``PrecisionProgram`` without GLPK: tries every assignment, and answers
/// only when the lexicographic optimum is reached by exactly one of them — then it is the
/// plan GLPK would return, since GLPK finds an optimum and there is only one. When the
/// optimum is shared, it answers nil and GLPK decides.
///
/// Most parts of a large plan are one quantizer with a target or two: this is what makes
/// them cheap.
enum ExhaustiveSolver {
    /// Parts with at most this many assignments are enumerated.
    static let maxAssignments = 256

    enum Result {
        case infeasible
        case unique(dtypes: [DType])
    }

    static func solve(_ program: PrecisionProgram) -> Result? {
        let sizes = program.domains.map(\.count)
        var total = 1
        for n in sizes {
            total *= n
            if total > maxAssignments { return nil }
        }
        let xCount = program.columnCount - program.groupMembers.count
        var choice = Array(repeating: 0, count: sizes.count)
        var columns = Array(repeating: 0, count: program.columnCount)
        var best: [Int]? = nil
        var bestChoice = choice
        var ties = 0
        for _ in 0..<total {
            for (k, c) in choice.enumerated() {
                for i in 0..<sizes[k] { columns[program.firstColumn[k] + i] = i == c ? 1 : 0 }
            }
            // Each h at its least value: 1 exactly when its group reads mixed dtypes.
            for (g, members) in program.groupMembers.enumerated() {
                let dtypes = Set(members.map { program.domains[$0][choice[$0]] })
                columns[xCount + g] = dtypes.count > 1 ? 1 : 0
            }
            if feasible(program, columns) {
                let values = program.levels.map { LexicographicSolver.value($0, columns) }
                if let b = best, !values.lexicographicallyPrecedes(b) {
                    if values == b { ties += 1 }
                } else {
                    best = values
                    bestChoice = choice
                    ties = 0
                }
            }
            // Next assignment (odometer).
            var k = 0
            while k < choice.count {
                choice[k] += 1
                if choice[k] < sizes[k] { break }
                choice[k] = 0
                k += 1
            }
        }
        guard best != nil else { return .infeasible }
        guard ties == 0 else { return nil }
        return .unique(dtypes: bestChoice.enumerated().map { program.domains[$0][$1] })
    }

    private static func feasible(_ program: PrecisionProgram, _ columns: [Int]) -> Bool {
        for row in program.rows {
            var v = 0.0
            for (j, c) in row.terms { v += c * Double(columns[j]) }
            switch row.kind {
            case .atMost(let b): if v > b + 1e-9 { return false }
            case .equal(let e): if abs(v - e) > 1e-9 { return false }
            }
        }
        return true
    }
}
