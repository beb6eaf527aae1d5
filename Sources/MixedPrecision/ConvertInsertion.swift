import MMPFormats
import MMPModel
import MMPSolving

/// `--insert-converts` (contract §11): plans with a new input quantizer available on every
/// edge that a request speaks about but that reads a shared quantizer, and keeps only the
/// ones the plan uses.
///
/// The planner sees a widened graph — the sim plus one candidate quantizer per such edge,
/// each starting at the dtype of the quantizer it requantizes — and plans it with the
/// fewest-converts tier, so a candidate differs from what it reads only where a request
/// needs it. A candidate at the dtype it reads changes nothing that any rule, request or
/// count sees, so the plan is then restated on the sim with only the candidates that
/// convert: the same dtypes, the same outcomes, the same converts.
enum ConvertInsertion {
    /// The edges a convert may go on: each edge an explicit target speaks about whose input
    /// slot is empty and whose tensor is quantized, in op order, once — but for edges whose
    /// quantizers nothing contests (below).
    ///
    /// Join quantizers that share a target, a homogeneity group or a convert site; take a
    /// set `V` so joined in which every target asks one dtype `d` and no kernel rule binds
    /// a member. A plan with converts on edges reading `V` is never optimal: moving `V` and
    /// those converts to `d` honours every target on them, keeps every group and site on
    /// `V` (all within it) homogeneous and free of converts, touches nothing else, and
    /// saves the converts — no worse on any tier before converts, better on that one. The
    /// edges reading such a set get no candidate, so the widened program keeps the size of
    /// the plain one where nothing collides (a layer's inner edges, most of a large model's).
    static func candidates(_ problem: PlanningProblem, sites: [ConvertSite]) -> [(op: OpID, input: Int)] {
        let graph = problem.graph
        let contested = Contest(problem, sites: sites)
        var edges: Set<EdgeID> = []
        for t in problem.resolution.targets where t.tier == .explicit {
            guard case let .edge(op, input) = t.origin, graph.inputSlots[op][input] == nil else { continue }
            let reads = problem.effective.of(tensorID: graph.inputTensor(op: op, input: input))
            guard let q = reads.first, contested[q] else { continue }
            edges.insert(graph.edge(op: op, input: input))
        }
        // Edges are numbered in op order, then input order.
        return edges.sorted().map { graph.opAndInput(of: $0) }
    }

    /// Which quantizers a convert may serve (see ``candidates(_:sites:)``): the sets joined
    /// by targets, homogeneity groups and convert sites, each contested when its targets
    /// ask more than one dtype or a kernel rule binds a member.
    struct Contest {
        /// Per quantizer, whether its set is contested.
        private let contested: IDArray<QuantizerID, Bool>

        init(_ problem: PlanningProblem, sites: [ConvertSite]) {
            let n = problem.graph.quantizerCount
            var sets = DisjointSets(count: n)
            for t in problem.resolution.targets { sets.join(t.quantizers) }
            for g in problem.homogeneity { sets.join(g.quantizers) }
            for site in sites { sets.join(site.quantizers) }
            // Per set: the one dtype its targets ask, until a second one contests it.
            var asked = IDArray<QuantizerID, DType?>(repeating: nil, count: n)
            var contestedRoot = IDArray<QuantizerID, Bool>(repeating: false, count: n)
            for t in problem.resolution.targets {
                guard let q = t.quantizers.first else { continue }
                let r = sets.find(q)
                if let d = asked[r], d != t.dtype { contestedRoot[r] = true }
                asked[r] = t.dtype
            }
            for kc in problem.kernels { for q in kc.quantizers { contestedRoot[sets.find(q)] = true } }
            contested = IDArray(problem.graph.quantizerIDs.map { contestedRoot[sets.find($0)] })
        }

        subscript(q: QuantizerID) -> Bool { contested[q] }
    }

    static func plan(
        _ problem: PlanningProblem, mode: Plan.Mode, options: Planner.Options, times: inout StageTimes
    ) throws(MMPError) -> Plan {
        var options = options
        options.insertConverts = false
        options.fewestConverts = true
        let allSites = ConvertSite.all(graph: problem.graph, effective: problem.effective)
        let edges = candidates(problem, sites: allSites)
        guard !edges.isEmpty else {
            let planned = try Planner.plan(problem, mode: mode, options: options, times: &times)
            guard planned.status == .infeasible else { return planned }
            return Plan(
                mode: mode, status: .infeasible, problem: problem, dtypes: planned.dtypes, outcomes: planned.outcomes,
                conflicts: explained(planned.conflicts, in: problem, firstCandidate: QuantizerID(problem.graph.quantizerCount)),
                conflictsComplete: planned.conflictsComplete)
        }
        let graph = problem.graph
        let given = Converts(graph: graph, sites: allSites, dtypes: graph.dtypes)
        let (widenedGraph, candidates) = graph.inserting(inputQuantizersAt: edges, effective: problem.effective)
        let widened = try PlanningProblem(widening: problem, graph: widenedGraph, firstCandidate: QuantizerID(graph.quantizerCount))
        times.lap("resolve")
        let planned = try Planner.decide(widened, mode: mode, options: options, times: &times)
        let first = QuantizerID(graph.quantizerCount)
        guard planned.conflicts.isEmpty else {
            return Plan(
                mode: mode, status: .infeasible, problem: widened, dtypes: widenedGraph.dtypes,
                outcomes: Planner.outcomes(widened, dtypes: planned.dtypes, conflicts: planned.conflicts),
                conflicts: explained(planned.conflicts, in: widened, firstCandidate: first),
                conflictsComplete: planned.complete, inserted: candidates, givenConverts: given)
        }
        // A candidate converts when something it reads holds another dtype.
        let kept = candidates.indices.filter { k in
            let own = planned.dtypes[first + k]
            let reads = widened.effective.of(tensorID: widenedGraph.inputTensor(op: candidates[k].op, input: candidates[k].input))
            return reads.contains { planned.dtypes[$0] != own }
        }
        let final: PlanningProblem
        let inserted: [InsertedQuantizer]
        var sites: [ConvertSite]? = nil
        if kept.count == candidates.count {
            // The widened problem is the plan's: its convert sites are the plan's too.
            (final, inserted, sites) = (widened, candidates, planned.sites)
        } else {
            let (g, added) = graph.inserting(inputQuantizersAt: kept.map { edges[$0] }, effective: problem.effective)
            (final, inserted) = (try PlanningProblem(widening: problem, graph: g), added)
        }
        let dtypes = IDArray<QuantizerID, DType>(
            Array(planned.dtypes.elements[..<first.rawValue]) + kept.map { planned.dtypes[first + $0] })
        let plan = Plan(
            mode: mode, status: .ok, problem: final, dtypes: dtypes,
            outcomes: Planner.outcomes(final, dtypes: dtypes, conflicts: []), conflicts: [], convertSites: sites,
            inserted: inserted, givenConverts: given)
        times.lap("outcomes")
        return plan
    }

    /// `conflicts` with the reasons converts do not resolve them.
    private static func explained(_ conflicts: [Plan.Conflict], in problem: PlanningProblem, firstCandidate: QuantizerID) -> [Plan.Conflict]
    {
        conflicts.map { c in
            var c = c
            c.convertsCannotHelp = whyNot(c, in: problem, firstCandidate: firstCandidate)
            return c
        }
    }

    /// Why converts do not resolve conflict `c` of the widened problem: for each quantizer
    /// where requests ask different dtypes, and for each kernel rule, what a convert cannot
    /// change there.
    static func whyNot(_ c: Plan.Conflict, in problem: PlanningProblem, firstCandidate: QuantizerID) -> [String] {
        let graph = problem.graph
        let slots = QuantizerSlots(graph, of: Set(c.collisions.map(\.quantizer)))
        var why: [String] = []
        for col in c.collisions {
            let asked = Set(col.asks.map(\.dtype)).sorted().map(\.description).joined(separator: " and ")
            guard Set(col.asks.map(\.dtype)).count > 1 else { continue }
            let at = slots[col.quantizer]
            let place = at.first.map { QuantizerSlots.describe($0, graph: graph) } ?? graph.quantizerName(col.quantizer)
            if col.quantizer >= firstCandidate {
                why.append("\(place) is one edge: a convert there holds one dtype, and the requests ask \(asked) of it")
            } else if at.count > 1 {
                why.append(
                    "'\(graph.quantizerName(col.quantizer))' is tied (\(at.count) slots share it): a convert cannot split one quantizer")
            } else if case .param = at.first {
                why.append("\(place) is a param: converts change what an op reads, not its weights")
            } else if case .input = at.first {
                why.append("\(place) has its own quantizer already: the requests ask \(asked) of it")
            } else {
                why.append("\(place) is what the op writes: a convert changes what a reader sees, not what is written")
            }
        }
        for op in c.kernelOps {
            why.append(
                "op '\(graph.opName(op))' (\(graph.opType(op))) runs at the dtypes it reads, after any convert: its kernel rule still binds"
            )
        }
        return why
    }
}
