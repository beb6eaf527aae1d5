@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// The contract's §7 objective computed by enumerating every assignment — no GLPK, no
/// program. Written from the contract's words, independently of `PrecisionProgram`.
struct BruteForceReference {
    let problem: PlanningProblem
    let domains: IDArray<QuantizerID, [DType]>
    /// Targets and homogeneity groups as the contract defines them (§4–§6).
    let reference: ReferenceTargets

    /// The config's kernel lists, for the per-input rules read from the contract's words.
    let rules: KernelRules

    /// Nil when the reference finds the requests unresolvable.
    init?(_ problem: PlanningProblem, rules: KernelRules = .none) {
        self.problem = problem
        self.rules = rules
        guard let reference = ReferenceTargets(graph: problem.graph, requests: problem.resolution.requests.elements) else { return nil }
        self.reference = reference
        let given = problem.graph.dtypes
        domains = IDArray(given.map { Array(Set(DType.requestable + [$0])).sorted() })
    }

    /// Whether `a` keeps every kernel rule in `kernels` and (strict) every explicit
    /// target of `requests`.
    func feasible(_ a: IDArray<QuantizerID, DType>, strictRequests requests: Set<RequestID>?, kernels: Set<Int>? = nil) -> Bool {
        // Per-input lists, from the contract's words (not the library's binding).
        let perInputOps = kernels.map { ks in Set(ks.map { problem.kernels[$0].op }) }
        if !reference.perInputKernelsHold(a, rules: rules, ops: perInputOps) { return false }
        for (c, kc) in problem.kernels.enumerated() where kernels?.contains(c) ?? true {
            if kc.combinations != nil { continue }
            let w = kc.weight.map { a[$0] }
            for q in kc.activations where !kc.allows(activation: a[q], weight: kc.weight == q ? a[q] : w) { return false }
        }
        if let requests {
            for t in reference.targets where t.explicit && requests.contains(t.request) {
                if t.quantizers.contains(where: { a[$0] != t.dtype }) { return false }
            }
        }
        return true
    }

    /// Steps apart in quantizer `q`'s own precision order; a step up costs less than a step down.
    func cost(_ q: QuantizerID, realized r: DType, requested d: DType) -> Int {
        let order = domains[q]
        let i = order.firstIndex(of: r) ?? 0, j = order.firstIndex(of: d) ?? 0
        return i == j ? 0 : 2 * abs(i - j) - (i > j ? 1 : 0)
    }

    /// The objective vector of assignment `a`, most important first.
    ///
    /// With `firstCandidate` (`--insert-converts`), quantizers from there on are candidate
    /// converts: the sim's own quantizers that change count first, then the candidates that
    /// leave the dtype they started at (so a shared quantizer keeps its dtype at a tie).
    func objective(
        _ a: IDArray<QuantizerID, DType>, mode: Plan.Mode, fewestConverts: Bool = false, firstCandidate: QuantizerID? = nil
    ) -> [Int] {
        let targets = reference.targets
        var v: [Int] = []
        if mode == .bestEffort {
            // Deviations of every request, latest first; then nearness, latest first.
            var counts: [Int] = [], nears: [Int] = []
            for r in problem.resolution.requests.indices.reversed() {
                var count = 0, near = 0
                for t in targets where t.request == r && t.explicit {
                    for q in t.quantizers where a[q] != t.dtype {
                        count += 1
                        near += cost(q, realized: a[q], requested: t.dtype)
                    }
                }
                counts.append(count)
                nears.append(near)
            }
            v = counts + nears
        }
        // Fewest converts right after the requests' tiers (§11).
        if fewestConverts { v += [reference.converts(a), reference.convertElements(a)] }
        var heterogeneous = 0
        for g in reference.groups where Set(g.quantizers.map { a[$0] }).count > 1 { heterogeneous += 1 }
        var derived = 0
        for t in targets where !t.explicit { derived += t.quantizers.filter { a[$0] != t.dtype }.count }
        // Every quantizer that leaves its given dtype counts, those of targets too (§7).
        let first = firstCandidate ?? a.endIndex
        let moved = problem.graph.dtypes.indices.filter { a[$0] != problem.graph.dtypes[$0] }
        let others = moved.filter { $0 < first }.count, candidates = moved.filter { $0 >= first }.count
        return v + [heterogeneous, derived, others] + (first < a.endIndex ? [candidates] : [])
    }

    /// The number of assignments `optimum` enumerates.
    var assignmentCount: Int { domains.reduce(1) { $0 * $1.count } }

    /// The lexicographically least objective over all feasible assignments, or nil.
    func optimum(mode: Plan.Mode, fewestConverts: Bool = false, firstCandidate: QuantizerID? = nil) -> [Int]? {
        let all = Set(problem.resolution.requests.indices)
        var best: [Int]? = nil
        forEachAssignment { a in
            guard feasible(a, strictRequests: mode == .strict ? all : nil) else { return }
            let v = objective(a, mode: mode, fewestConverts: fewestConverts, firstCandidate: firstCandidate)
            if best.map({ v.lexicographicallyPrecedes($0) }) ?? true { best = v }
        }
        return best
    }

    /// Whether some assignment satisfies the explicit targets of `requests` and `kernels`.
    func satisfiable(requests: Set<RequestID>, kernels: Set<Int>) -> Bool {
        var found = false
        forEachAssignment { a in if !found && feasible(a, strictRequests: requests, kernels: kernels) { found = true } }
        return found
    }

    func forEachAssignment(_ body: (IDArray<QuantizerID, DType>) -> Void) {
        let n = domains.count
        var index = Array(repeating: 0, count: n)
        var a = IDArray<QuantizerID, DType>(domains.map { $0[0] })
        while true {
            body(a)
            var k = 0
            while k < n {
                let q = QuantizerID(k)
                index[k] += 1
                if index[k] < domains[q].count { a[q] = domains[q][index[k]]; break }
                index[k] = 0
                a[q] = domains[q][0]
                k += 1
            }
            if k == n { return }
        }
    }
}
