/// Finds why a part of a strict plan is infeasible: a minimal set of requests and kernel
/// rules that cannot hold together — dropping any one of them makes the rest feasible.
///
/// A deletion filter over per-request and per-rule switches: try each member without
/// it; if the rest is still infeasible, it was not needed. Kernel rules are tried first,
/// so a conflict between requests alone is reported without them.
enum ConflictFinder {
    static func minimalConflict(_ problem: PlanningProblem, part: Part) throws(MMPError) -> Plan.Conflict {
        let inPart = Set(part.quantizers)
        var requests = Set(part.targets.map { problem.resolution.targets[$0] }.filter { $0.tier == .explicit }.map(\.request))
        var kernels = Set(part.kernels)

        func feasible(_ r: Set<Int>, _ k: Set<Int>) throws(MMPError) -> Bool {
            try LexicographicSolver.isFeasible(PrecisionProgram(
                problem: problem, part: part, mode: .strict, activeRequests: r, activeKernels: k, withObjectives: false))
        }
        for k in kernels.sorted() {
            var without = kernels
            without.remove(k)
            if try !feasible(requests, without) { kernels = without }
        }
        for r in requests.sorted() {
            var without = requests
            without.remove(r)
            if try !feasible(without, kernels) { requests = without }
        }

        // Where they collide: quantizers asked for different dtypes by the set's requests,
        // and the quantizers of the kernel rules involved.
        var asked: [Int: Set<DType>] = [:]
        for t in problem.resolution.targets where t.tier == .explicit && requests.contains(t.request) {
            for q in t.quantizers where inPart.contains(q) { asked[q, default: []].insert(t.dtype) }
        }
        var where_ = Set(asked.filter { $0.value.count > 1 }.keys)
        for k in kernels {
            let kc = problem.kernels[k]
            where_.formUnion(kc.activations.filter { asked[$0] != nil })
            if let w = kc.weight { where_.insert(w) }
        }
        return Plan.Conflict(
            kind: kernels.isEmpty ? .sharedQuantizer : .kernel,
            requests: requests.sorted(),
            kernelOps: kernels.map { problem.kernels[$0].op }.sorted(),
            quantizers: where_.sorted())
    }
}
