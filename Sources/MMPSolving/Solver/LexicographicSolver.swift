import MMPModel

/// Solves a ``PrecisionProgram`` exactly in lexicographic order: each level is minimised
/// by GLPK with every earlier level held at its optimum by an extra row.
///
/// No weighted sum is involved, so nothing can overflow or tie: a later request's single
/// deviation is never traded for any number of deviations on earlier ones. A level whose
/// value is already zero in the current solution is optimal (every level is a count or a
/// cost, never negative) and costs no solve.
package enum LexicographicSolver {
    package enum Result {
        case infeasible
        /// The chosen dtype per local quantizer and the optimum of every level.
        case solved(dtypes: [DType], levels: [Int])
    }

    package static func solve(_ program: PrecisionProgram) throws(MMPError) -> Result {
        try GLPKProblem.exclusively { () throws(MMPError) -> Result in try solveAlone(program) }
    }

    /// `solve`, with GLPK held (see ``GLPKProblem/exclusively(_:)``).
    private static func solveAlone(_ program: PrecisionProgram) throws(MMPError) -> Result {
        let glpk = GLPKProblem()
        _ = glpk.addBinaryColumns(program.columnCount)
        for row in program.rows {
            switch row.kind {
            case .atMost(let b): glpk.addRow(row.terms, atMost: b)
            case .equal(let v): glpk.addRow(row.terms, equalTo: v)
            }
        }
        var incumbent: [Int]? = nil
        func run() throws(MMPError) -> Bool {
            switch glpk.solve() {
            case .optimal:
                incumbent = (0..<program.columnCount).map(glpk.value)
                return true
            case .infeasible: return false
            case .failed(let code): throw .solver("GLPK returned status \(code)")
            }
        }
        var values: [Int] = []
        for level in program.levels {
            if let current = incumbent, value(level, current) == 0 {
                values.append(0)
            } else {
                glpk.setObjective(level.terms)
                guard try run(), let current = incumbent else { return .infeasible }
                values.append(value(level, current))
            }
            // Hold this level at its optimum; terms are integral, so +0.5 is exact.
            if !level.terms.isEmpty {
                glpk.addRow(level.terms, atMost: Double(values[values.count - 1] - level.constant) + 0.5)
            }
        }
        if incumbent == nil {
            glpk.setObjective([])
            guard try run() else { return .infeasible }
        }
        guard let solution = incumbent else { return .infeasible }
        return .solved(dtypes: program.dtypes(from: solution), levels: values)
    }

    /// Whether the program's rows can all hold (objectives ignored).
    package static func isFeasible(_ program: PrecisionProgram) throws(MMPError) -> Bool {
        var p = program
        p.levels = []
        if case .solved = try solve(p) { return true }
        return false
    }

    package static func value(_ level: PrecisionProgram.Level, _ columns: [Int]) -> Int {
        var v = Double(level.constant)
        for (j, c) in level.terms { v += c * Double(columns[j]) }
        return Int(v.rounded())
    }
}
