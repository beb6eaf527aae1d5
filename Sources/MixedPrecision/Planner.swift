import Foundation
import MMPFormats
import MMPModel
import MMPSolving

/// Turns a ``PlanningProblem`` into a ``Plan``: splits it into independent parts, solves
/// each part's program lexicographically with GLPK, and in strict mode explains parts
/// that cannot be solved.
public enum Planner {
    /// How the planner works; the defaults are what `mmp` uses. Tests turn the
    /// shortcuts off to check they give the same plans.
    public struct Options: Sendable {
        /// Split the problem into independent parts (else one program for all of it).
        public var split = true
        /// Settle small parts with a unique optimum by enumeration instead of GLPK.
        public var exhaustive = true
        /// `--fewest-converts`: a tier of fewest converts (contract §11) right after the
        /// requests' own tiers.
        public var fewestConverts = false
        /// `--insert-converts`: a new input quantizer may go on an edge a request speaks
        /// about, so the request holds there and not on the shared quantizer upstream
        /// (contract §11). Implies the fewest-converts tier.
        public var insertConverts = false
        public init(split: Bool = true, exhaustive: Bool = true, fewestConverts: Bool = false, insertConverts: Bool = false) {
            self.split = split
            self.exhaustive = exhaustive
            self.fewestConverts = fewestConverts
            self.insertConverts = insertConverts
        }
    }

    public static func plan(_ problem: PlanningProblem, mode: Plan.Mode, options: Options = .init()) throws(MMPError) -> Plan {
        var times = StageTimes()
        return try plan(problem, mode: mode, options: options, times: &times)
    }

    /// Plans, adding the time spent splitting the problem into parts (`build`) and
    /// building and solving each part's program (`solve`) to `times`.
    public static func plan(
        _ problem: PlanningProblem, mode: Plan.Mode, options: Options = .init(),
        times: inout StageTimes
    ) throws(MMPError) -> Plan {
        if options.insertConverts { return try ConvertInsertion.plan(problem, mode: mode, options: options, times: &times) }
        let decided = try decide(problem, mode: mode, options: options, times: &times)
        let status: Plan.Status = decided.conflicts.isEmpty ? .ok : .infeasible
        // Outcomes of requests outside every conflict come from the parts that did solve;
        // an infeasible plan itself changes nothing.
        let outcomes = Self.outcomes(problem, dtypes: decided.dtypes, conflicts: decided.conflicts)
        let plan = Plan(
            mode: mode, status: status, problem: problem,
            dtypes: status == .ok ? decided.dtypes : problem.graph.dtypes, outcomes: outcomes,
            conflicts: decided.conflicts, conflictsComplete: decided.complete, convertSites: decided.sites)
        times.lap("outcomes")
        return plan
    }

    /// What the planner decides before any report is made of it: a dtype per quantizer
    /// (the solved parts' where some part is infeasible), the explained conflicts, whether
    /// every conflict search finished, and the convert sites when converts were planned.
    struct Decision {
        var dtypes: IDArray<QuantizerID, DType>
        var conflicts: [Plan.Conflict]
        var complete: Bool
        var sites: [ConvertSite]?
    }

    /// Splits, solves and explains (`build` and `solve` in `times`); see ``Decision``.
    static func decide(
        _ problem: PlanningProblem, mode: Plan.Mode, options: Options, times: inout StageTimes
    ) throws(MMPError) -> Decision {
        var build = 0.0, solve = 0.0
        var clock = DispatchTime.now().uptimeNanoseconds
        func tick() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        let programMode: PrecisionProgram.Mode = mode == .strict ? .strict : .bestEffort
        var dtypes = problem.graph.dtypes
        var conflicts: [Plan.Conflict] = []
        var complete = true
        // The convert sites, only when converts are part of the objective: they couple the
        // quantizers of an op's inputs, so parts grow only then.
        let sites = options.fewestConverts ? ConvertSite.all(graph: problem.graph, effective: problem.effective) : []
        var parts = Parts.needingDecision(problem, sites: sites)
        if !options.split, parts.count > 1 {
            let whole = Part.union(parts)
            if case .solved(let chosen, _) = try LexicographicSolver.solve(
                PrecisionProgram(problem: problem, part: whole, mode: programMode, sites: sites))
            {
                for (k, q) in whole.quantizers.enumerated() { dtypes[q] = chosen[k] }
                parts = []
            }
        }
        build += tick()
        // Parts are independent: their programs are built and solved on all cores, each
        // thread taking a run of parts; results are used in part order.
        let runs = Parallel.runs(parts.count)
        let toSolve = parts
        let solved = Parallel.map(runs.count) { r in
            Self.solve(toSolve[runs[r]], of: problem, mode: programMode, exhaustive: options.exhaustive, sites: sites)
        }.joined()
        solve += tick()
        var infeasible: [Part] = []
        for (part, outcome) in zip(parts, solved) {
            switch try outcome.get() {
            case .solved(let chosen, _):
                for (k, q) in part.quantizers.enumerated() { dtypes[q] = chosen[k] }
            case .infeasible:
                infeasible.append(part)
            }
        }
        if !infeasible.isEmpty {
            // Every lookup below is local to the infeasible parts: their quantizers' slots
            // are found in one pass, never one graph walk per conflict.
            let slots = QuantizerSlots(problem.graph, of: Set(infeasible.flatMap(\.quantizers)))
            let runs = Parallel.runs(infeasible.count)
            let toExplain = infeasible
            let explained = Parallel.map(runs.count) { r in
                Self.explain(toExplain[runs[r]], of: problem, slots: slots)
            }.joined()
            for result in explained {
                let (found, complete:finished) = try result.get()
                conflicts += found
                complete = complete && finished
            }
        }
        times.add("build", seconds: build)
        times.add("solve", seconds: solve + tick())
        return Decision(dtypes: dtypes, conflicts: conflicts, complete: complete, sites: options.fewestConverts ? sites : nil)
    }

    /// The minimal conflicts of each infeasible part, explained, with what best-effort
    /// would do with the part instead; and whether every search finished.
    private static func explain(
        _ parts: ArraySlice<Part>, of problem: borrowing PlanningProblem,
        slots: QuantizerSlots
    ) -> [Result<([Plan.Conflict], complete: Bool), MMPError>] {
        parts.map { part in
            do throws(MMPError) {
                let found = try ConflictFinder.minimalConflicts(problem, part: part)
                var instead: [QuantizerID: DType] = [:]
                if case .solved(let chosen, _) = try LexicographicSolver.solve(
                    PrecisionProgram(problem: problem, part: part, mode: .bestEffort))
                {
                    for (k, q) in part.quantizers.enumerated() { instead[q] = chosen[k] }
                }
                let conflicts = found.conflicts.map {
                    ConflictExplainer.explain($0, problem: problem, part: part, bestEffort: instead, slots: slots)
                }
                return .success((conflicts, complete: found.complete))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Builds and solves the program of each of `parts`.
    private static func solve(
        _ parts: ArraySlice<Part>, of problem: borrowing PlanningProblem, mode: PrecisionProgram.Mode,
        exhaustive: Bool, sites: [ConvertSite]
    ) -> [Result<LexicographicSolver.Result, MMPError>] {
        var results: [Result<LexicographicSolver.Result, MMPError>] = []
        results.reserveCapacity(parts.count)
        for part in parts {
            let program = PrecisionProgram(problem: problem, part: part, mode: mode, sites: sites)
            switch exhaustive ? ExhaustiveSolver.solve(program) : nil {
            case .unique(let chosen)?: results.append(.success(.solved(dtypes: chosen, levels: [])))
            case .infeasible?: results.append(.success(.infeasible))
            case nil:
                do { results.append(.success(try LexicographicSolver.solve(program))) } catch { results.append(.failure(error)) }
            }
        }
        return results
    }

    static func outcomes(
        _ problem: PlanningProblem, dtypes: IDArray<QuantizerID, DType>, conflicts: [Plan.Conflict]
    ) -> IDArray<RequestID, Plan.Outcome> {
        let resolution = problem.resolution
        let inConflict = Set(conflicts.flatMap(\.requests))
        // Targets are ordered by request: each request's are one run, found without copying.
        var start = Array(repeating: 0, count: resolution.requests.count + 1)
        for t in resolution.targets { start[t.request.rawValue + 1] += 1 }
        for r in 0..<resolution.requests.count { start[r + 1] += start[r] }
        let overriddenBy = Dictionary(grouping: resolution.overridden, by: \.target.request)
        return IDArray(
            resolution.requests.indices.map { r -> Plan.Outcome in
                let targets = resolution.targets[start[r.rawValue]..<start[r.rawValue + 1]]
                let explicitCount = targets.count { $0.tier == .explicit }
                let measured = Measurement(targets) { dtypes[$0] }
                let deviations = measured.deviations
                let by = Array(Set((overriddenBy[r] ?? []).map(\.by))).sorted()
                let status: Plan.Outcome.Status
                if case .setPrecision = resolution.requests[r], resolution.selectedOps[r].isEmpty {
                    status = .selectedNothing
                } else if inConflict.contains(r) {
                    // Its part has no plan, so there is nothing it could be measured against.
                    return .init(status: .notHonored, deviations: [], overriddenBy: by, targetCount: explicitCount)
                } else if explicitCount == 0 && !by.isEmpty {
                    status = .overridden
                } else {
                    status = measured.status
                }
                return .init(status: status, deviations: deviations, overriddenBy: by, targetCount: explicitCount)
            })
    }
}
