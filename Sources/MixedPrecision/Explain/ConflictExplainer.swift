import MMPFormats
import MMPModel
import MMPSolving

/// Turns a minimal conflicting set into an explanation a user can act on (contract §8):
/// the quantizers where the requests collide and how each request reaches them, the
/// kernel lists that forbid a pair, and what best-effort does instead.
enum ConflictExplainer {
    /// `bestEffort` holds what best-effort plans for the part's quantizers; `slots`, the
    /// slots of (at least) the part's quantizers.
    static func explain(
        _ members: Set<ConflictFinder.Member>, problem: PlanningProblem, part: Part,
        bestEffort: [QuantizerID: DType], slots index: QuantizerSlots
    ) -> Plan.Conflict {
        var requests: [RequestID] = [], kernels: [Int] = []
        for m in members.sorted() {
            switch m {
            case .kernel(let c): kernels.append(c)
            case .request(let r): requests.append(r)
            }
        }
        let graph = problem.graph
        let inPart = Set(part.quantizers)
        let targets = part.targets.map { problem.resolution.targets[$0] }
            .filter { $0.tier == .explicit && requests.contains($0.request) }

        var asked: [QuantizerID: Set<DType>] = [:]
        for t in targets { for q in t.quantizers where inPart.contains(q) { asked[q, default: []].insert(t.dtype) } }
        var ruleQuantizers = Set<QuantizerID>()
        for c in kernels {
            ruleQuantizers.formUnion(problem.kernels[c].activations)
            if let w = problem.kernels[c].weight { ruleQuantizers.insert(w) }
            ruleQuantizers.formUnion(problem.kernels[c].inputQuantizers.flatMap { $0 })
            ruleQuantizers.formUnion(problem.kernels[c].outputQuantizers)
        }
        var points = Set(asked.filter { $0.value.count > 1 || ruleQuantizers.contains($0.key) }.keys)
        if points.isEmpty { points = Set(asked.keys) }

        let collisions = points.sorted().map { q -> Plan.Conflict.Collision in
            let asks = targets.filter { $0.quantizers.contains(q) }.map { t in
                Plan.Conflict.Ask(
                    request: t.request, dtype: t.dtype, origin: t.origin,
                    path: QuantizerPath.trace(t.origin, to: q, graph: graph, effective: problem.effective))
            }
            let slots = index[q].map { QuantizerSlots.describe($0, graph: graph) }
            return .init(quantizer: q, asks: asks, tiedSlots: slots.count > 1 ? slots : [])
        }

        let rules = kernels.map { c -> Plan.Conflict.KernelRule in
            let kc = problem.kernels[c]
            func ask(_ q: QuantizerID) -> DType? { targets.first { $0.quantizers.contains(q) }?.dtype }
            let weight = kc.weight.flatMap(ask)
            if kc.combinations != nil {
                // Per input: what the requests ask of each input (and output), by position.
                func asked(_ qs: [QuantizerID]) -> String {
                    let ds = Set(qs.compactMap(ask)).sorted()
                    return ds.isEmpty ? "any" : ds.map(\.description).joined(separator: "/")
                }
                let text = kc.slotText(asked, weight: kc.weight == nil ? "-" : weight?.description ?? "any")
                return .init(op: kc.op, requested: [], requestedText: [text], supported: kc.kernels)
            }
            var pairs: [KernelRules.Kernel?] = []
            var text: [String] = []
            for a in kc.activations {
                let act = ask(a)
                if act == nil && weight == nil { continue }
                let pair = "(\(act?.description ?? "any"), \(kc.weight == nil ? "-" : weight?.description ?? "any"))"
                if !text.contains(pair) {
                    text.append(pair)
                    pairs.append(act.map { KernelRules.Kernel(activation: $0, param: weight) })
                }
            }
            return .init(op: kc.op, requested: pairs, requestedText: text, supported: kc.kernels)
        }

        let instead = requests.map { r -> Plan.Conflict.Instead in
            let own = part.targets.lazy.map { problem.resolution.targets[$0] }.filter { $0.request == r && $0.tier == .explicit }
            let measured = Measurement(own) { bestEffort[$0] ?? graph.dtypes[$0] }
            return .init(request: r, status: measured.status, deviations: measured.deviations)
        }

        return Plan.Conflict(
            kind: kernels.isEmpty ? .sharedQuantizer : .kernel,
            requests: requests,
            kernelOps: kernels.map { problem.kernels[$0].op },
            quantizers: points.sorted(),
            collisions: collisions,
            kernelRules: rules,
            instead: instead)
    }
}
