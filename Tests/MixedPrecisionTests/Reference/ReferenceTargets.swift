@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Contract §4–§6 read literally: effective quantizers by recursion, fused outputs and
/// model-input readers by walking tensor names, targets with the per-origin override, and
/// the homogeneity groups. Written from the contract's words over the graph's declared
/// ops (names, not the planner's indices), independently of `EffectiveQuantizers`,
/// `Resolution` and `HomogeneityGroup`; slow and plain on purpose.
struct ReferenceTargets {
    struct Target: Hashable, CustomStringConvertible {
        var origin: MixedPrecision.Target.Origin
        var quantizers: [QuantizerID]
        var dtype: DType
        var explicit: Bool
        var request: RequestID
        var description: String { "[\(request)] \(origin) \(quantizers) \(dtype)\(explicit ? "" : " derived")" }
    }

    struct Group: Hashable {
        var op: OpID
        var quantizers: [QuantizerID]
    }

    /// The graph as declared (its ops and quantizers by name), made once: the reference
    /// reads the contract's words, not the library's indices.
    struct Declared {
        let ops: IDArray<OpID, SimGraph.Op>
        let quantizers: IDArray<QuantizerID, SimGraph.Quantizer>
        let quantizerIndex: [String: QuantizerID]
        let inputs: [String]
        let outputs: [String]
        let tensorShapes: [String: [Int]]

        init(_ g: SimGraph) {
            ops = IDArray(Array(g.ops))
            let quantizers = IDArray<QuantizerID, SimGraph.Quantizer>(Array(g.quantizers))
            self.quantizers = quantizers
            quantizerIndex = Dictionary(uniqueKeysWithValues: quantizers.indices.map { (quantizers[$0].name, $0) })
            inputs = g.inputs
            outputs = g.outputs
            tensorShapes = g.tensorShapes
        }
    }

    let graph: Declared
    /// Surviving targets, in no particular order.
    private(set) var targets: [Target] = []
    private(set) var groups: [Group] = []

    /// Nil when the requests do not resolve (an unquantized model input or output).
    init?(graph: SimGraph, requests: [Request]) {
        self.graph = Declared(graph)
        var latest: [MixedPrecision.Target.Origin: Target] = [:]
        // The op's latest activation-setting set_precision spelled its inputs out with null or several dtypes.
        var spelled: [OpID: Bool] = [:]
        for (r, request) in zip(requests.indices.map(RequestID.init), requests) {
            switch request {
            case let .setPrecision(selector, activation, params):
                guard case .module(let m) = selector else { return nil }  // the random cases select by module
                for k in graph.ops.indices where graph.ops[k].modules.contains(where: { m.isEmpty || $0 == m || $0.hasPrefix(m + ".") }) {
                    let op = graph.ops[k]
                    if let activation {
                        var named: [DType] = []
                        for i in op.inputs.indices {
                            let d: DType?
                            switch activation {
                            case .all(let a): d = a
                            case .each(let list): d = list[i]
                            }
                            guard let d else { continue }
                            named.append(d)
                            let qs = eff(op: k, input: i)
                            if !qs.isEmpty {
                                latest[.edge(op: k, input: i)] = Target(
                                    origin: .edge(op: k, input: i), quantizers: qs, dtype: d, explicit: true, request: r)
                            }
                        }
                        if case .each(let list) = activation {
                            spelled[k] = list.contains(nil) || Set(named).count > 1
                        } else {
                            spelled[k] = false
                        }
                        let out: DType? = Set(named).count == 1 ? named.first : nil
                        for j in op.outputs.indices {
                            let origin = MixedPrecision.Target.Origin.output(op: k, output: j)
                            if let out, let w = writer(op: k, output: j),
                                graph.outputs.contains(w.tensor) || out < graph.quantizers[w.quantizer].dtype
                            {
                                latest[origin] = Target(origin: origin, quantizers: [w.quantizer], dtype: out, explicit: false, request: r)
                            } else if latest[origin]?.explicit == false {
                                latest[origin] = nil  // claimed by the later request
                            }
                        }
                    }
                    for p in params {
                        guard let slot = op.params.first(where: { $0.name == p.name }), let name = slot.quantizer,
                            let q = graph.quantizerIndex[name]
                        else { continue }
                        latest[.param(op: k, name: p.name)] = Target(
                            origin: .param(op: k, name: p.name), quantizers: [q], dtype: p.dtype, explicit: true, request: r)
                    }
                }
            case .setModelInputPrecision(let activation):
                for (k, t) in graph.inputs.enumerated() {
                    guard let d = dtype(activation, k) else { continue }
                    let edges = quantizedReaders(of: t)
                    if edges.isEmpty { return nil }
                    for (op, i) in edges {
                        latest[.edge(op: op, input: i)] = Target(
                            origin: .edge(op: op, input: i), quantizers: eff(op: op, input: i), dtype: d, explicit: true, request: r)
                    }
                }
            case .setModelOutputPrecision(let activation):
                for (k, t) in graph.outputs.enumerated() {
                    guard let d = dtype(activation, k) else { continue }
                    let qs = eff(tensor: t)
                    if qs.isEmpty { return nil }
                    var origin = MixedPrecision.Target.Origin.modelOutput(k)
                    if let p = producer(t), quantizer(graph.ops[p.op].outputQuantizers[p.output]) != nil {
                        origin = .output(op: p.op, output: p.output)
                    }
                    latest[origin] = Target(origin: origin, quantizers: qs, dtype: d, explicit: true, request: r)
                }
            }
        }
        targets = Array(latest.values)

        // Homogeneity (§6).
        var pulled = Set<QuantizerID>()
        var edgeDTypes: [OpID: Set<DType>] = [:]
        for t in targets where t.explicit {
            guard case .edge(let op, _) = t.origin else { continue }
            edgeDTypes[op, default: []].insert(t.dtype)
            if case .setPrecision = requests[t.request.rawValue] { pulled.formUnion(t.quantizers) }
        }
        for k in graph.ops.indices where graph.ops[k].inputs.count >= 2 {
            let union = Array(Set(graph.ops[k].inputs.indices.flatMap { eff(op: k, input: $0) })).sorted()
            guard union.count >= 2, Set(union.map { graph.quantizers[$0].dtype }).count == 1,
                union.contains(where: pulled.contains), (edgeDTypes[k]?.count ?? 0) <= 1, spelled[k] != true
            else { continue }
            groups.append(Group(op: k, quantizers: union))
        }
    }

    private func dtype(_ a: ActivationPrecision, _ k: Int) -> DType? {
        switch a {
        case .all(let d): return d
        case .each(let list): return list[k]
        }
    }

    private func quantizer(_ name: String?) -> QuantizerID? { name.flatMap { graph.quantizerIndex[$0] } }

    private func producer(_ tensor: String) -> (op: OpID, output: Int)? {
        for (k, op) in zip(graph.ops.indices, graph.ops) {
            if let j = op.outputs.firstIndex(of: tensor) { return (k, j) }
        }
        return nil
    }

    private func readers(_ tensor: String) -> [(OpID, Int)] {
        graph.ops.indices.flatMap { k in graph.ops[k].inputs.indices.filter { graph.ops[k].inputs[$0] == tensor }.map { (k, $0) } }
    }

    /// `eff(L, i)`.
    func eff(op k: OpID, input i: Int) -> [QuantizerID] {
        if let q = quantizer(graph.ops[k].inputQuantizers[i]) { return [q] }
        return eff(tensor: graph.ops[k].inputs[i])
    }

    /// `eff(T)`.
    func eff(tensor: String) -> [QuantizerID] {
        guard let (p, j) = producer(tensor).map({ ($0.op, $0.output) }) else { return [] }  // a model input
        if let q = quantizer(graph.ops[p].outputQuantizers[j]) { return [q] }
        return Array(Set(graph.ops[p].inputs.indices.flatMap { eff(op: p, input: $0) })).sorted()
    }

    /// Contract §11's converts of an assignment, counted from its words: a requantize edge
    /// for each own input quantizer whose tensor's `eff` holds another dtype, and
    /// `|∪ S_i| − max_i |S_i|` for each op.
    func converts(_ dtypes: IDArray<QuantizerID, DType>) -> Int {
        var count = 0
        for (k, op) in zip(graph.ops.indices, graph.ops) {
            for i in op.inputs.indices {
                guard let q = quantizer(op.inputQuantizers[i]) else { continue }
                if eff(tensor: op.inputs[i]).contains(where: { dtypes[$0] != dtypes[q] }) { count += 1 }
            }
            let sets = op.inputs.indices.map { Set(eff(op: k, input: $0).map { dtypes[$0] }) }
            count += sets.reduce(Set<DType>()) { $0.union($1) }.count - (sets.map(\.count).max() ?? 0)
        }
        return count
    }

    /// The elements those converts move (§11, docs/converts.md), from the words: a
    /// requantize edge moves its tensor; each dtype a mixed read converts moves the tensor
    /// of the first input holding it, the input read as is being one with the most dtypes
    /// and, among those, the one that makes the fewest elements move. Unknown sizes count 0.
    func convertElements(_ dtypes: IDArray<QuantizerID, DType>) -> Int {
        func size(_ tensor: String) -> Int { graph.tensorShapes[tensor].map { $0.reduce(1, *) } ?? 0 }
        var total = 0
        for (k, op) in zip(graph.ops.indices, graph.ops) {
            for i in op.inputs.indices {
                guard let q = quantizer(op.inputQuantizers[i]) else { continue }
                if eff(tensor: op.inputs[i]).contains(where: { dtypes[$0] != dtypes[q] }) { total += size(op.inputs[i]) }
            }
            let sets = op.inputs.indices.map { Set(eff(op: k, input: $0).map { dtypes[$0] }) }
            let union = sets.reduce(Set<DType>()) { $0.union($1) }
            let most = sets.map(\.count).max() ?? 0
            let moves = sets.indices.filter { sets[$0].count == most }.map { w in
                union.subtracting(sets[w]).compactMap { d in sets.firstIndex { $0.contains(d) }.map { size(op.inputs[$0]) } }.reduce(0, +)
            }
            total += moves.min() ?? 0
        }
        return total
    }

    /// Contract §6's per-input kernels, from its words: an op whose type's list has an
    /// entry listing inputs or naming an output runs an allowed combination — an entry of
    /// the list, or what it runs in the given sim — of each input's dtype (every quantizer
    /// of `eff(op, i)`), the weight's and the output's (its quantizer or fused output).
    /// Slots no entry names take any dtype; an op with no quantized input is not checked.
    func perInputKernelsHold(_ a: IDArray<QuantizerID, DType>, rules: KernelRules, ops only: Set<OpID>? = nil) -> Bool {
        for (k, op) in zip(graph.ops.indices, graph.ops) where only?.contains(k) ?? true {
            guard let list = rules.perType[op.type] ?? rules.defaults, list.contains(where: { $0.inputs != nil || $0.output != nil })
            else { continue }
            let effs = op.inputs.indices.map { eff(op: k, input: $0) }
            if effs.allSatisfy(\.isEmpty) { continue }
            let lists = list.map { $0.inputs ?? [$0.activation] }
            let weight = op.params.first { $0.name == "weight" }.flatMap { quantizer($0.quantizer) }
            let weightNamed = weight != nil && list.contains { $0.param != nil }
            let outputNamed = list.contains { $0.output != nil }
            let outs = outputNamed ? op.outputs.indices.compactMap { writer(op: k, output: $0)?.quantizer } : []
            func named(_ i: Int) -> Bool { lists.contains { i < $0.count && $0[i] != nil } }
            func all(_ qs: [QuantizerID], _ d: DType?) -> Bool { d.map { d in qs.allSatisfy { a[$0] == d } } ?? true }
            let byEntry = list.indices.contains { e in
                effs.indices.allSatisfy { i in !named(i) || all(effs[i], i < lists[e].count ? lists[e][i] : nil) }
                    && (!weightNamed || all(weight.map { [$0] } ?? [], list[e].param))
                    && (!outputNamed || all(outs, list[e].output))
            }
            let given = IDArray<QuantizerID, DType>(graph.quantizers.map(\.dtype))
            let keepsGiven =
                effs.indices.allSatisfy { i in !named(i) || Set(effs[i].map { a[$0] }).isSubset(of: Set(effs[i].map { given[$0] })) }
                && (!weightNamed || weight.map { a[$0] == given[$0] } ?? true)
                && (!outputNamed || Set(outs.map { a[$0] }).isSubset(of: Set(outs.map { given[$0] })))
            if !byEntry && !keepsGiven { return false }
        }
        return true
    }

    /// The output quantizer of (L, j), else its fused output; with the tensor it writes.
    func writer(op k: OpID, output j: Int) -> (quantizer: QuantizerID, tensor: String)? {
        var tensor = graph.ops[k].outputs[j]
        if let q = quantizer(graph.ops[k].outputQuantizers[j]) { return (q, tensor) }
        while !graph.outputs.contains(tensor) {
            let rs = readers(tensor)
            guard rs.count == 1 else { return nil }
            let r = graph.ops[rs[0].0]
            guard r.inputs.count == 1, r.outputs.count == 1, quantizer(r.inputQuantizers[0]) == nil,
                !r.params.contains(where: { quantizer($0.quantizer) != nil })
            else { return nil }
            tensor = r.outputs[0]
            if let q = quantizer(r.outputQuantizers[0]) { return (q, tensor) }
        }
        return nil
    }

    /// The edges that first quantize model input tensor `t`.
    func quantizedReaders(of t: String) -> [(OpID, Int)] {
        var out: [(OpID, Int)] = []
        for (k, i) in readers(t) {
            let op = graph.ops[k]
            if quantizer(op.inputQuantizers[i]) != nil {
                out.append((k, i))
            } else if op.outputQuantizers.allSatisfy({ quantizer($0) == nil }), op.params.allSatisfy({ quantizer($0.quantizer) == nil }) {
                for o in op.outputs { out += quantizedReaders(of: o) }
            }
        }
        var seen = Set<[Int]>()
        return out.filter { seen.insert([$0.0.rawValue, $0.1]).inserted }
    }
}
