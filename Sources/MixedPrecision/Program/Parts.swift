/// Splits a planning problem into independent parts: sets of quantizers that no kernel
/// rule or homogeneity preference couples. Every level of the objective is a sum over
/// quantizers plus terms inside one part, so the lexicographic optimum of the whole is
/// the union of each part's optimum.
enum Parts {
    /// The parts that need a decision — those holding a target's quantizer — each sorted,
    /// ordered by their first quantizer. A part without targets keeps every given dtype:
    /// that is feasible (kernel rules accept the given pairs) and costs nothing at every level.
    static func needingDecision(_ problem: PlanningProblem) -> [[Int]] {
        var parent = Array(problem.graph.quantizers.indices)
        func find(_ a: Int) -> Int {
            var a = a
            while parent[a] != a { parent[a] = parent[parent[a]]; a = parent[a] }
            return a
        }
        func union(_ a: Int, _ b: Int) {
            let (ra, rb) = (find(a), find(b))
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        for kc in problem.kernels {
            let members = kc.activations + (kc.weight.map { [$0] } ?? [])
            for m in members.dropFirst() { union(members[0], m) }
        }
        for g in problem.homogeneity {
            for m in g.quantizers.dropFirst() { union(g.quantizers[0], m) }
        }
        var targetedRoots = Set<Int>()
        for t in problem.resolution.targets { for q in t.quantizers { targetedRoots.insert(find(q)) } }
        var parts: [Int: [Int]] = [:]
        for q in parent.indices {
            let r = find(q)
            if targetedRoots.contains(r) { parts[r, default: []].append(q) }
        }
        return parts.keys.sorted().compactMap { parts[$0] }
    }
}
