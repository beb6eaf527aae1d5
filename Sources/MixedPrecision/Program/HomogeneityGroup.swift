/// A multi-input op that prefers to read all its inputs at one dtype (contract §6).
///
/// It applies when (a) every quantizer in the op's `eff(op, i)` sets had one dtype in
/// the given sim, (b) at least one of them is the subject of an explicit target, and
/// (c) the op's own explicit targets do not ask for different dtypes on different
/// inputs. An output demoted only by a derived target does not pull the others along.
public struct HomogeneityGroup: Sendable, Equatable {
    public var op: Int
    /// The sorted union of the op's effective input quantizers (at least two).
    public var quantizers: [Int]

    public static func find(graph: SimGraph, effective: EffectiveQuantizers, resolution: Resolution) -> [HomogeneityGroup] {
        var explicitSubjects = Set<Int>()
        var edgeDTypes: [Int: Set<DType>] = [:]
        for t in resolution.targets where t.tier == .explicit {
            explicitSubjects.formUnion(t.quantizers)
            if case .edge(let op, _) = t.origin { edgeDTypes[op, default: []].insert(t.dtype) }
        }
        var groups: [HomogeneityGroup] = []
        for (k, op) in graph.ops.enumerated() where op.inputs.count >= 2 {
            var union = Set<Int>()
            for i in op.inputs.indices { union.formUnion(effective.of(op: k, input: i)) }
            guard union.count >= 2 else { continue }
            guard Set(union.map { graph.quantizers[$0].dtype }).count == 1 else { continue }
            guard !union.isDisjoint(with: explicitSubjects) else { continue }
            guard (edgeDTypes[k]?.count ?? 0) <= 1 else { continue }
            groups.append(.init(op: k, quantizers: union.sorted()))
        }
        return groups
    }
}
