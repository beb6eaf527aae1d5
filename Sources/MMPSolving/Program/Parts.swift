import MMPModel

/// One independent part of a planning problem: quantizers that kernel rules or
/// homogeneity preferences couple, with everything that speaks about them.
package struct Part: Sendable {
    /// The part's quantizers, sorted.
    package var quantizers: [QuantizerID]
    /// Indices into `resolution.targets` of targets reaching at least one of them.
    package var targets: [Int] = []
    /// Indices into `problem.kernels` of the rules binding them.
    package var kernels: [Int] = []
    /// Indices into `problem.homogeneity` of the preferences among them.
    package var groups: [Int] = []
    /// Indices into the planner's convert sites (with `--fewest-converts`) among them.
    package var sites: [Int] = []

    /// All of `parts` as one part (targets reaching several parts are listed once).
    package static func union(_ parts: [Part]) -> Part {
        var whole = Part(quantizers: parts.flatMap(\.quantizers).sorted())
        whole.targets = Array(Set(parts.flatMap(\.targets))).sorted()
        whole.kernels = parts.flatMap(\.kernels).sorted()
        whole.groups = parts.flatMap(\.groups).sorted()
        whole.sites = parts.flatMap(\.sites).sorted()
        return whole
    }
}

/// Splits a planning problem into independent parts. Every level of the objective is a
/// sum over quantizers plus terms inside one part, so the lexicographic optimum of the
/// whole is the union of each part's optimum.
package enum Parts {
    /// The parts that need a decision — those holding a target's quantizer — ordered by
    /// their first quantizer. A part without targets keeps every given dtype: that is
    /// feasible (kernel rules accept the given pairs) and costs nothing at every level.
    ///
    /// With convert `sites` (`--fewest-converts`), the quantizers of each site are coupled
    /// too, and a part whose given dtypes already convert somewhere needs a decision even
    /// without targets: fewer converts rank above the given dtypes.
    package static func needingDecision(_ problem: PlanningProblem, sites: [ConvertSite] = []) -> [Part] {
        var sets = DisjointSets(count: problem.graph.quantizerCount)
        for kc in problem.kernels { sets.join(kc.quantizers) }
        for g in problem.homogeneity { sets.join(g.quantizers) }
        for site in sites { sets.join(site.quantizers) }
        // Roots are each set's smallest quantizer, so ordering by root orders by first quantizer.
        // Part of each root, flat (-1: no part): this runs over every quantizer.
        let count = problem.graph.quantizerCount
        var partOfRoot = IDArray<QuantizerID, Int>(repeating: -1, count: count)
        var parts: [Part] = []
        func partIndex(of q: QuantizerID) -> Int {
            let r = sets.find(q)
            if partOfRoot[r] >= 0 { return partOfRoot[r] }
            partOfRoot[r] = parts.count
            parts.append(Part(quantizers: []))
            return parts.count - 1
        }
        for (t, target) in problem.resolution.targets.enumerated() {
            // A target's quantizers are few: the parts it reached so far are checked in a list.
            var reached: [Int] = []
            for q in target.quantizers {
                let k = partIndex(of: q)
                if reached.contains(k) { continue }
                reached.append(k)
                parts[k].targets.append(t)
            }
        }
        let given = problem.graph.dtypes
        for site in sites where site.count({ given[$0] }) > 0 { _ = partIndex(of: site.quantizers[0]) }
        func part(of q: QuantizerID) -> Int? {
            let k = partOfRoot[sets.find(q)]
            return k >= 0 ? k : nil
        }
        for q in problem.graph.quantizerIDs {
            if let k = part(of: q) { parts[k].quantizers.append(q) }
        }
        for (c, kc) in problem.kernels.enumerated() {
            if let q = kc.activations.first, let k = part(of: q) { parts[k].kernels.append(c) }
        }
        for (g, group) in problem.homogeneity.enumerated() {
            if let q = group.quantizers.first, let k = part(of: q) { parts[k].groups.append(g) }
        }
        for (s, site) in sites.enumerated() {
            if let q = site.quantizers.first, let k = part(of: q) { parts[k].sites.append(s) }
        }
        return parts.sorted { $0.quantizers[0] < $1.quantizers[0] }
    }
}
