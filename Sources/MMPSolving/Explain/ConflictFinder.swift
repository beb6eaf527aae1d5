import MMPModel

/// Finds why a part of a strict plan is infeasible: every minimal set of requests and
/// kernel rules that cannot hold together — dropping any one member makes the rest
/// feasible (contract §8).
///
/// One minimal set comes from a deletion filter over per-request and per-rule switches:
/// try each member without it; if the rest is still infeasible, it was not needed.
/// Kernel rules are tried first, so a conflict between requests alone is reported
/// without them. The others come from a hitting-set tree (Reiter): below each found set,
/// switch one of its members off for good and look again, until every branch is
/// feasible. Each look is one GLPK feasibility solve of the part.
package enum ConflictFinder {
    /// A switch in the deletion filter.
    package enum Member: Hashable, Comparable {
        case kernel(Int)
        case request(RequestID)
    }

    /// Minimal conflicts found in one part, and whether the search finished.
    package struct Result {
        package var conflicts: [Set<Member>]
        package var complete: Bool
    }

    /// Bounds on the search; a part this tangled is reported with what was found.
    package static let maxConflictsPerPart = 24
    package static let maxSolvesPerPart = 600

    package static func minimalConflicts(_ problem: PlanningProblem, part: Part) throws(MMPError) -> Result {
        let requests = Set(part.targets.map { problem.resolution.targets[$0] }.filter { $0.tier == .explicit }.map(\.request))
        let all = Set(part.kernels.map(Member.kernel) + requests.map(Member.request))
        var solves = 0

        func feasible(_ active: Set<Member>) throws(MMPError) -> Bool {
            solves += 1
            var r = Set<RequestID>(), k = Set<Int>()
            for m in active {
                switch m {
                case .kernel(let c): k.insert(c)
                case .request(let q): r.insert(q)
                }
            }
            return try LexicographicSolver.isFeasible(
                PrecisionProgram(
                    problem: problem, part: part, mode: .strict, activeRequests: r, activeKernels: k, withObjectives: false))
        }

        func deletionFilter(_ start: Set<Member>) throws(MMPError) -> Set<Member> {
            var active = start
            for m in start.sorted() {
                var without = active
                without.remove(m)
                if try !feasible(without) { active = without }
            }
            return active
        }

        var found: [Set<Member>] = []
        var closed: [Set<Member>] = []  // removals that leave a feasible rest
        var queue: [Set<Member>] = [[]]
        var seen: Set<Set<Member>> = [[]]
        var complete = true
        while !queue.isEmpty {
            if found.count >= maxConflictsPerPart || solves >= maxSolvesPerPart { complete = false; break }
            let removed = queue.removeFirst()
            if closed.contains(where: { $0.isSubset(of: removed) }) { continue }
            let conflict: Set<Member>
            if let known = found.first(where: { $0.isDisjoint(with: removed) }) {
                conflict = known
            } else {
                let active = all.subtracting(removed)
                if try feasible(active) { closed.append(removed); continue }
                conflict = try deletionFilter(active)
                found.append(conflict)
            }
            for m in conflict.sorted() {
                let next = removed.union([m])
                if seen.insert(next).inserted { queue.append(next) }
            }
        }
        found.sort { $0.sorted().lexicographicallyPrecedes($1.sorted()) }
        return Result(conflicts: found, complete: complete)
    }
}
