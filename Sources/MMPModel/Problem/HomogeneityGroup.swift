/// A multi-input op that prefers to read all its inputs at one dtype (contract §6).
///
/// It applies when (a) every quantizer in the op's `eff(op, i)` sets had one dtype in
/// the given sim, (b) at least one of them is the subject of an explicit edge target of a
/// `set_precision` — some layer is asked to read it at a new dtype, and (c) the op's own
/// explicit targets do not ask for different dtypes on different inputs, and its latest
/// `set_precision` did not spell its inputs out with `null` or several dtypes.
///
/// Only layers pull: a model input or output request says what a tensor at the model's
/// boundary holds, not that a layer should read its other inputs alike (AIMET keeps the
/// `None` entries of `set_model_output_precision([int16, None, …])` as they were), and
/// neither does an output demoted by a derived target or a param request.
public struct HomogeneityGroup: Sendable, Equatable {
    public var op: OpID
    /// The sorted union of the op's effective input quantizers (at least two).
    public var quantizers: [QuantizerID]

    public static func find(graph: SimGraph, effective: EffectiveQuantizers, resolution: Resolution) -> [HomogeneityGroup] {
        // Flat per-quantizer and per-op marks instead of sets: this runs over every op.
        var subjects = IDArray<QuantizerID, Bool>(repeating: false, count: graph.quantizerCount)
        var edgeDType: [OpID: DType] = [:]
        var mixed = Set<OpID>()
        for t in resolution.targets where t.tier == .explicit {
            guard case .edge(let op, _) = t.origin else { continue }
            if case .setPrecision = resolution.requests[t.request] {
                for q in t.quantizers { subjects[q] = true }
            }
            if let d = edgeDType.updateValue(t.dtype, forKey: op), d != t.dtype { mixed.insert(op) }
        }
        let explicitSubject = subjects, mixedEdges = mixed
        let spelled = resolution.inputsAsSpelled
        // Ops are looked at on all cores, each thread a run of them, groups kept in op order.
        let runs = Parallel.runs(graph.opCount)
        return Parallel.map(runs.count) { r in
            var groups: [HomogeneityGroup] = []
            var union: [QuantizerID] = []
            for k in Range<OpID>(ids: runs[r]) where graph.inputCount(op: k) >= 2 {
                union.removeAll(keepingCapacity: true)
                for i in 0..<graph.inputCount(op: k) { effective.append(op: k, input: i, to: &union) }
                // The cheap test first: most ops read nothing a request asks about.
                guard union.contains(where: { explicitSubject[$0] }) else { continue }
                union.sortAndRemoveDuplicates()
                guard union.count >= 2 else { continue }
                let dtype = graph.dtypes[union[0]]
                guard union.allSatisfy({ graph.dtypes[$0] == dtype }) else { continue }
                guard !mixedEdges.contains(k), !spelled.contains(k) else { continue }
                groups.append(.init(op: k, quantizers: union))
            }
            return groups
        }.flatMap { $0 }
    }
}
