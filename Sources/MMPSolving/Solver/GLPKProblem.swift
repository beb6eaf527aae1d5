import CGLPK
import Foundation
import MMPModel

/// The one place that talks to GLPK: a binary integer program with `≤`/`=` rows and a
/// minimised objective.
///
/// Owns the C handle and hides GLPK's 1-based indexing and status codes. GLPK keeps
/// environment state that is not meant to be driven from several threads at once, so a
/// problem is created, used and deleted inside ``exclusively(_:)``: parts are planned on
/// all cores, but one at a time through GLPK.
final class GLPKProblem {
    enum Outcome: Equatable { case optimal, infeasible, failed(Int32) }

    private let prob: OpaquePointer
    private(set) var columnCount = 0
    private var objectiveColumns: [Int32] = []
    private static let lock = NSRecursiveLock()

    /// Runs `body` — which creates, solves and drops its problems — holding GLPK alone.
    static func exclusively<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    init() {
        prob = glp_create_prob()
        glp_set_obj_dir(prob, GLP_MIN)
    }

    deinit { glp_delete_prob(prob) }

    /// Adds `n` binary columns and returns their 0-based indices.
    func addBinaryColumns(_ n: Int) -> Range<Int> {
        let first = columnCount
        guard n > 0 else { return first..<first }
        glp_add_cols(prob, Int32(n))
        for j in first..<first + n { glp_set_col_kind(prob, Int32(j + 1), GLP_BV) }
        columnCount += n
        return first..<first + n
    }

    /// Forces binary column `j` to `value` (0 or 1).
    func fix(_ j: Int, to value: Double) {
        glp_set_col_bnds(prob, Int32(j + 1), GLP_FX, value, value)
    }

    /// Adds the row `Σ coef·x ≤ bound`.
    func addRow(_ terms: [(Int, Double)], atMost bound: Double) { addRow(terms, GLP_UP, bound) }

    /// Adds the row `Σ coef·x = value`.
    func addRow(_ terms: [(Int, Double)], equalTo value: Double) { addRow(terms, GLP_FX, value) }

    private func addRow(_ terms: [(Int, Double)], _ kind: Int32, _ bound: Double) {
        let row = glp_add_rows(prob, 1)
        glp_set_row_bnds(prob, row, kind, bound, bound)
        // GLPK rejects repeated columns in a row: merge them.
        var merged: [Int: Double] = [:]
        for (j, c) in terms { merged[j, default: 0] += c }
        let entries = merged.sorted { $0.key < $1.key }
        var ind: [Int32] = [0] + entries.map { Int32($0.key + 1) }
        var val: [Double] = [0] + entries.map(\.value)
        let cols = entries
        glp_set_mat_row(prob, row, Int32(cols.count), &ind, &val)
    }

    /// Replaces the objective with `Σ coef·x` (to be minimised).
    func setObjective(_ terms: [(Int, Double)]) {
        for j in objectiveColumns { glp_set_obj_coef(prob, j, 0) }
        objectiveColumns.removeAll(keepingCapacity: true)
        var merged: [Int: Double] = [:]
        for (j, c) in terms { merged[j, default: 0] += c }
        for (j, c) in merged {
            glp_set_obj_coef(prob, Int32(j + 1), c)
            objectiveColumns.append(Int32(j + 1))
        }
    }

    /// Solves the integer program with GLPK's branch-and-cut (presolve on, quiet).
    func solve() -> Outcome {
        glp_term_out(GLP_OFF)
        var parm = glp_iocp()
        glp_init_iocp(&parm)
        parm.presolve = GLP_ON
        parm.msg_lev = GLP_MSG_OFF
        let rc = glp_intopt(prob, &parm)
        if rc == GLP_ENOPFS { return .infeasible }
        guard rc == 0 else { return .failed(rc) }
        switch glp_mip_status(prob) {
        case GLP_OPT: return .optimal
        case GLP_NOFEAS: return .infeasible
        case let status: return .failed(status)
        }
    }

    /// Value of column `j` in the last MIP solution, rounded to 0 or 1.
    func value(_ j: Int) -> Int {
        glp_mip_col_val(prob, Int32(j + 1)) > 0.5 ? 1 : 0
    }
}
