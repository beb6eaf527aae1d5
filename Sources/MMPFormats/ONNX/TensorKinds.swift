import MMPModel

/// What each tensor of an ONNX graph is: its element type (declared, or propagated
/// through ops), and whether it is a constant (an initializer, or computed only from
/// constants). Only non-constant float tensors are activations and get quantizers;
/// shape, index and boolean tensors never do.
struct TensorKinds {
    /// ONNX element types that are floating point (FLOAT, FLOAT16, DOUBLE, BFLOAT16, FLOAT8*, FLOAT4E2M1).
    static let floatTypes: Set<Int32> = [1, 10, 11, 16, 17, 18, 19, 20, 23]
    static let int64: Int32 = 7, bool: Int32 = 9, float: Int32 = 1

    private(set) var elemType: [String: Int32] = [:]
    private(set) var constant: Set<String> = []
    /// Node indices in an order where every producer precedes its consumers.
    let order: [Int]
    /// The node producing each tensor.
    let producer: [String: Int]

    init(_ model: ONNXModel) throws(MMPError) {
        var producer: [String: Int] = [:]
        for (k, n) in model.nodes.enumerated() {
            for t in n.outputs where !t.isEmpty {
                if let other = producer.updateValue(k, forKey: t) {
                    throw .invalidModel("tensor '\(t)' is produced by both node '\(model.nodes[other].name)' and node '\(n.name)'")
                }
            }
        }
        self.producer = producer
        let graphInputs = Set(model.inputs.map(\.name))
        // An output nothing produces would silently leave the model without it (and make
        // an output request read as honoured while changing nothing): onnx.checker rejects it too.
        for (k, o) in model.outputs.enumerated()
        where producer[o.name] == nil && !graphInputs.contains(o.name) && model.initializers[o.name] == nil {
            throw .invalidModel("graph output \(k) '\(o.name)' is produced by no node and is neither a graph input nor an initializer")
        }
        // Topological order (Kahn), ties by node index.
        var indegree = Array(repeating: 0, count: model.nodes.count)
        var consumers: [String: [Int]] = [:]
        for (k, n) in model.nodes.enumerated() {
            var seen = Set<String>()
            for t in n.inputs where !t.isEmpty && seen.insert(t).inserted {
                if producer[t] != nil {
                    indegree[k] += 1
                    consumers[t, default: []].append(k)
                } else if model.initializers[t] == nil && !graphInputs.contains(t) {
                    throw .invalidModel(
                        "node '\(n.name)' reads tensor '\(t)', which no node produces and which is neither a graph input nor an initializer"
                    )
                }
            }
        }
        // Kahn's algorithm, always taking the earliest ready node, so a file already in
        // topological order (as ONNX requires) keeps its order.
        let sorted = TopologicalOrder.kahn(indegree: &indegree, ties: .earliestFirst) { k, visit in
            for t in model.nodes[k].outputs where !t.isEmpty {
                for c in consumers[t] ?? [] { visit(c) }
            }
        }
        guard let order = sorted else {
            let stuck = model.nodes.indices.filter { indegree[$0] > 0 }.prefix(4).map { "'\(model.nodes[$0].name)'" }
            throw .invalidModel("the graph has a cycle through node \(stuck.joined(separator: ", "))")
        }
        self.order = order

        for (name, t) in model.initializers {
            elemType[name] = t.dataType
            constant.insert(name)
        }
        for i in model.inputs { if let t = i.elemType { elemType[i.name] = t } }
        for k in order {
            let n = model.nodes[k]
            let ins = n.inputs.filter { !$0.isEmpty }
            if ins.allSatisfy(constant.contains) && !Self.nondeterministic.contains(n.opType) {
                for t in n.outputs where !t.isEmpty { constant.insert(t) }
            }
            for (j, t) in n.outputs.enumerated() where !t.isEmpty {
                elemType[t] = model.declaredTypes[t] ?? infer(n, output: j)
            }
        }
    }

    func isFloat(_ t: String) -> Bool { elemType[t].map(Self.floatTypes.contains) ?? false }

    func isActivation(_ t: String) -> Bool { !t.isEmpty && isFloat(t) && !constant.contains(t) }

    private static let nondeterministic: Set<String> = [
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"
    ]
    private static let boolOutputs: Set<String> = [
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "IsInf"
    ]
    private static let int64Outputs: Set<String> = ["Shape", "Size", "NonZero", "ArgMax", "ArgMin", "NonMaxSuppression"]

    /// The element type of output `j` of a node whose output type is not declared.
    private func infer(_ n: ONNXModel.Node, output j: Int) -> Int32? {
        func input(_ i: Int) -> Int32? { i < n.inputs.count ? elemType[n.inputs[i]] : nil }
        switch n.opType {
        case "Constant": return n.valueType
        case "ConstantOfShape": return n.valueType ?? Self.float
        case "Cast": return n.castTo
        case "CastLike": return input(1)
        case _ where Self.boolOutputs.contains(n.opType): return Self.bool
        case _ where Self.int64Outputs.contains(n.opType): return Self.int64
        case "TopK": return j == 0 ? input(0) : Self.int64
        case "Where": return input(1) ?? input(2)
        case "DequantizeLinear": return Self.float
        case "QuantizeLinear": return input(2) ?? 2
        default:
            return input(0) ?? n.inputs.lazy.compactMap { self.elemType[$0] }.first
        }
    }
}
