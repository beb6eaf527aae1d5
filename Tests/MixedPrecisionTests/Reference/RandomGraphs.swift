@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// A small deterministic random number generator (SplitMix64), so every run of the
/// reference tests sees the same graphs.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
}

/// Random small sim graphs with requests and kernel rules, covering the contract's
/// couplings: shared producers, transparent ops, fused multi-input ops, tied slots,
/// odd given dtypes, kernel lists; fused layers (a Conv whose output quantizer is the
/// Relu's after it), model inputs read through ops holding no quantizer, and per-input
/// lists with `null`.
enum RandomCase {
    struct Case {
        var graph: SimGraph
        var requests: [Request]
        var rules: KernelRules
    }

    static let dtypes: [DType] = [.int4, .int8, .int16, .fp16, DType(.int, bits: 32)]

    static func make(seed: UInt64, maxQuantizers: Int = 6) -> Case? {
        var rng = SeededRandom(seed: seed)
        var g = GraphBuilder(inputs: rng.chance(0.3) ? ["x0", "x1"] : ["x0"])
        var tensors = g.inputs
        let opCount = Int.random(in: 2...5, using: &rng)
        func pickDType() -> DType {
            rng.chance(0.6) ? .int8 : dtypes[Int(rng.next() % UInt64(dtypes.count))]
        }
        func slot(_ name: String, _ p: Double) -> String? {
            guard rng.chance(p) else { return nil }
            if g.quantizers.count >= maxQuantizers || (!g.quantizers.isEmpty && rng.chance(0.1)) {
                // Tie to an existing quantizer.
                return g.quantizers[Int(rng.next() % UInt64(g.quantizers.count))].name
            }
            return g.quantizer(name, pickDType())
        }
        var kinds: [Int] = []
        for k in 0..<opCount {
            let kind = Int(rng.next() % 4)  // 0 Conv, 1 Add, 2 Relu, 3 Reshape (never quantized)
            kinds.append(kind)
            let arity = kind == 1 ? 2 : 1
            var inputs: [String] = []
            for _ in 0..<arity { inputs.append(tensors[Int(rng.next() % UInt64(tensors.count))]) }
            // A Relu after the op just made, often: fused groups (a Conv whose output is the Relu's).
            let fusedAfter = kind == 2 && rng.chance(0.5)
            if fusedAfter { inputs = [tensors[tensors.count - 1]] }
            let name = "op\(k)"
            let inQ = inputs.indices.map { kind == 3 || fusedAfter ? nil : slot("\(name).in\($0)", 0.3) }
            let outQ = [kind == 3 ? nil : slot("\(name).out0", fusedAfter ? 0.8 : kind == 2 ? 0.4 : 0.6)]
            var params: [SimGraph.Param] = []
            if kind == 0 { params.append(.init("weight", slot("\(name).weight", 0.6))) }
            g.ops.append(
                SimGraph.Op(
                    name: name, type: ["Conv", "Add", "Relu", "Reshape"][kind], modules: ["m\(k % 2).\(name)"], inputs: inputs,
                    outputs: ["\(name):0"], inputQuantizers: inQ, outputQuantizers: outQ, params: params))
            tensors.append("\(name):0")
        }
        g.outputs = [tensors[tensors.count - 1]]
        if rng.chance(0.3), tensors.count > 3 { g.outputs.insert(tensors[tensors.count - 2], at: 0) }
        guard !g.quantizers.isEmpty, var graph = try? g.build() else { return nil }
        // Tensor sizes for the convert tier's elements, from a stream of their own (the
        // graphs and requests stay what they were): most tensors known, of a few sizes, so
        // that mixed reads see equal and unequal inputs.
        var sizes = SeededRandom(seed: seed ^ 0x5EED_5EED)
        var shapes: [String: [Int]] = [:]
        for t in tensors where sizes.chance(0.85) { shapes[t] = [[1, 2, 3, 8][Int(sizes.next() % 4)], 4] }
        guard
            let shaped = try? SimGraph(
                model: graph.model, inputs: graph.inputs, outputs: graph.outputs, ops: graph.ops, quantizers: graph.quantizers,
                tensorShapes: shapes)
        else { return nil }
        graph = shaped

        var requests: [Request] = []
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let req = DType.requestable[Int(rng.next() % 4)]
            switch rng.next() % 6 {
            case 0:
                let inputs = g.inputs.count
                requests.append(.setModelInputPrecision(inputs > 1 && rng.chance(0.5) ? .each([nil, req]) : .all(req)))
            case 1: requests.append(.setModelOutputPrecision(.all(req)))
            default:
                let k = Int(rng.next() % UInt64(opCount))
                let whole = rng.chance(0.2)
                let selector: LayerSelector = whole ? .module("m\(k % 2)") : .module("m\(k % 2).op\(k)")
                let hasWeight = kinds.indices.contains { whole ? $0 % 2 == k % 2 && kinds[$0] == 0 : $0 == k && kinds[$0] == 0 }
                // An Add asked input by input, one left alone: it keeps its inputs as spelled.
                let act: ActivationPrecision? =
                    !whole && kinds[k] == 1 && rng.chance(0.3)
                    ? .each(rng.chance(0.5) ? [req, nil] : [nil, req]) : rng.chance(0.8) ? .all(req) : nil
                let params = hasWeight && rng.chance(0.6) ? [ParamPrecision("weight", DType.requestable[Int(rng.next() % 4)])] : []
                if act == nil && params.isEmpty { continue }
                requests.append(.setPrecision(selector, activation: act, param: params))
            }
        }
        var rules = KernelRules.none
        if rng.chance(0.5) {
            var kernels: [KernelRules.Kernel] = []
            for a in DType.requestable {
                for w in DType.requestable where rng.chance(0.35) { kernels.append(.init(activation: a, param: w)) }
            }
            if !kernels.isEmpty { rules.perType["Conv"] = kernels }
        }
        // Per-input kernels (§6) on the two-input Adds: allowed (input 0, input 1) pairs,
        // some with an input left free; now and then a Conv list that names its output.
        if rng.chance(0.35) {
            var kernels: [KernelRules.Kernel] = []
            for a in DType.requestable {
                for b in DType.requestable where rng.chance(0.3) {
                    kernels.append(.init(activation: a, param: nil, inputs: rng.chance(0.15) ? [a, nil] : [a, b]))
                }
            }
            if !kernels.isEmpty { rules.perType["Add"] = kernels }
        }
        if rng.chance(0.15), let conv = rules.perType["Conv"] {
            rules.perType["Conv"] = conv.map { .init(activation: $0.activation, param: $0.param, output: $0.activation) }
        }
        return Case(graph: graph, requests: requests, rules: rules)
    }
}
