/// Everything the contract says about one planning job, before any solver is involved:
/// the graph, its effective quantizers, the surviving targets, the kernel rules bound to
/// ops, and the homogeneity preferences. Plain values; the integer program is built
/// from this and nothing else.
public struct PlanningProblem: Sendable {
    public let graph: SimGraph
    public let effective: EffectiveQuantizers
    public let resolution: Resolution
    public let kernels: [KernelConstraint]
    public let homogeneity: [HomogeneityGroup]
    /// The kernel rules as configured, before binding: what the problem is rebuilt with
    /// when the graph gains quantizers (`--insert-converts`).
    public let rules: KernelRules
    /// The first quantizer the planner added (`--insert-converts`): quantizers from here
    /// on are candidate converts, not the sim's. The graph's quantizer count when none.
    public let firstCandidate: Int
    public init(graph: SimGraph, requests: [Request], rules: KernelRules, firstCandidate: Int? = nil) throws(MMPError) {
        self.graph = graph
        self.rules = rules
        self.firstCandidate = firstCandidate ?? graph.quantizers.count
        // Independent passes run at once: effective quantizers, kernel rules and op kinds
        // beside the module tree. Targets then use both cores themselves.
        let ((effective, kernels, kinds), tree) = Parallel.both(
            { () -> (EffectiveQuantizers, [KernelConstraint], LayerSelection.OpKinds?) in
                let effective = EffectiveQuantizers(graph)
                // Per-input entries that name an output read the layer's fused output too.
                let extended =
                    rules.defaults?.contains(where: \.isExtended) == true
                    || rules.perType.values.contains { $0.contains(where: \.isExtended) }
                let writers = extended ? OutputWriters(graph) : nil
                return (
                    effective, KernelConstraint.bind(rules, to: graph, effective: effective, writers: writers),
                    LayerSelection.needsKinds(requests) ? LayerSelection.OpKinds(graph) : nil
                )
            },
            { ModuleTree(graph) })
        self.effective = effective
        self.kernels = kernels
        resolution = try Resolution(
            requests: requests, graph: graph, effective: effective,
            selection: LayerSelection(graph, tree: tree, kinds: kinds))
        homogeneity = HomogeneityGroup.find(graph: graph, effective: effective, resolution: resolution)
    }

    /// The dtypes quantizer `q` may take: the requestable ones and its given dtype.
    public func domain(of q: Int) -> [DType] {
        let given = graph.quantizers[q].dtype
        return DType.requestable.contains(given) ? DType.requestable : (DType.requestable + [given]).sorted()
    }

    /// The cost of realizing `realized` on quantizer `q` where `requested` was asked
    /// (contract §7): steps apart in precision order over the quantizer's own domain, so
    /// nearer is cheaper, and at equal distance higher beats lower. Zero when equal.
    public func nearnessCost(of q: Int, realized: DType, requested: DType) -> Int {
        let order = domain(of: q)
        guard let r = order.firstIndex(of: realized), let d = order.firstIndex(of: requested) else { return 0 }
        if r == d { return 0 }
        return 2 * abs(r - d) - (r > d ? 1 : 0)
    }
}
