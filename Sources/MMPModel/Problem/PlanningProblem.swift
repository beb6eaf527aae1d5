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
    public let firstCandidate: QuantizerID
    /// How requests select ops: the module tree and op kinds, which a widened graph
    /// (the same ops, more quantizers) shares.
    package let selection: LayerSelection

    public init(graph: SimGraph, requests: [Request], rules: KernelRules, firstCandidate: QuantizerID? = nil) throws(MMPError) {
        self.graph = graph
        self.rules = rules
        self.firstCandidate = firstCandidate ?? QuantizerID(graph.quantizerCount)
        // Independent passes run at once: effective quantizers, kernel rules and op kinds
        // beside the module tree. Targets then use both cores themselves.
        let ((effective, kernels, kinds), tree) = Parallel.both(
            { () -> (EffectiveQuantizers, [KernelConstraint], LayerSelection.OpKinds?) in
                let effective = EffectiveQuantizers(graph)
                return (
                    effective, Self.bind(rules, to: graph, effective: effective),
                    LayerSelection.needsKinds(requests) ? LayerSelection.OpKinds(graph) : nil
                )
            },
            { ModuleTree(graph) })
        self.effective = effective
        self.kernels = kernels
        selection = LayerSelection(graph, tree: tree, kinds: kinds)
        resolution = try Resolution(requests: requests, graph: graph, effective: effective, selection: selection)
        homogeneity = HomogeneityGroup.find(graph: graph, effective: effective, resolution: resolution)
    }

    /// The problem of `base`'s requests and rules on `graph`, which is `base`'s graph with
    /// input quantizers added (`--insert-converts`): the same ops and modules, so the
    /// module tree and op kinds are `base`'s; everything that reads quantizers is made anew.
    package init(widening base: PlanningProblem, graph: SimGraph, firstCandidate: QuantizerID? = nil) throws(MMPError) {
        precondition(graph.opCount == base.graph.opCount, "a widened graph has the same ops")
        self.graph = graph
        rules = base.rules
        self.firstCandidate = firstCandidate ?? QuantizerID(graph.quantizerCount)
        effective = EffectiveQuantizers(graph)
        kernels = Self.bind(rules, to: graph, effective: effective)
        selection = base.selection
        resolution = try Resolution(
            requests: base.resolution.requests.elements, graph: graph, effective: effective, selection: selection)
        homogeneity = HomogeneityGroup.find(graph: graph, effective: effective, resolution: resolution)
    }

    /// The kernel rules bound to the graph's ops. Per-input entries that name an output
    /// read the layer's fused output too.
    private static func bind(_ rules: KernelRules, to graph: SimGraph, effective: EffectiveQuantizers) -> [KernelConstraint] {
        let extended =
            rules.defaults?.contains(where: \.isExtended) == true || rules.perType.values.contains { $0.contains(where: \.isExtended) }
        return KernelConstraint.bind(rules, to: graph, effective: effective, writers: extended ? OutputWriters(graph) : nil)
    }

    /// The dtypes quantizer `q` may take: the requestable ones and its given dtype.
    public func domain(of q: QuantizerID) -> [DType] {
        let given = graph.dtypes[q]
        return DType.requestable.contains(given) ? DType.requestable : (DType.requestable + [given]).sorted()
    }

    /// The cost of realizing `realized` on quantizer `q` where `requested` was asked
    /// (contract §7): steps apart in precision order over the quantizer's own domain, so
    /// nearer is cheaper, and at equal distance higher beats lower. Zero when equal.
    public func nearnessCost(of q: QuantizerID, realized: DType, requested: DType) -> Int {
        let order = domain(of: q)
        guard let r = order.firstIndex(of: realized), let d = order.firstIndex(of: requested) else { return 0 }
        if r == d { return 0 }
        return 2 * abs(r - d) - (r > d ? 1 : 0)
    }
}
