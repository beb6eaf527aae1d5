import MMPModel

/// Which constant inputs of an ONNX op are its params — quantized like weights — and
/// what they are called. Every other constant input (shapes, axes, epsilons, exponents,
/// clip bounds, scalars) is neither a param nor an activation.
///
/// | op | params |
/// |---|---|
/// | Conv, ConvTranspose, Gemm | input 1 `weight`, input 2 `bias` |
/// | MatMul | the one constant operand, `weight` |
/// | Gather | input 0 (an embedding table), `weight` |
/// | BatchNormalization, LayerNormalization, InstanceNormalization, GroupNormalization, RMSNormalization, SimplifiedLayerNormalization | input 1 `weight`, input 2 `bias` |
/// | Mul, Div | the one constant non-scalar operand, `weight` |
/// | Add, Sub | the one constant non-scalar operand, `bias` |
enum ParamRoles {
    static let normalizations: Set<String> = [
        "BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization",
        "RMSNormalization", "SimplifiedLayerNormalization"
    ]

    /// `(input index, param name)` for each param input of `node`.
    static func params(of node: ONNXModel.Node, kinds: TensorKinds, model: ONNXModel) -> [(input: Int, name: String)] {
        func isParam(_ i: Int) -> Bool {
            i < node.inputs.count && !node.inputs[i].isEmpty && kinds.constant.contains(node.inputs[i]) && kinds.isFloat(node.inputs[i])
        }
        /// A scalar (one element) is a coefficient such as an epsilon or a scale, not a param.
        func isScalar(_ i: Int) -> Bool {
            guard let root = model.initializers[ConstantRoots.root(of: node.inputs[i], model: model, kinds: kinds)] else { return false }
            return root.elementCount <= 1
        }
        switch node.opType {
        case "Conv", "ConvTranspose", "Gemm":
            return [(1, "weight"), (2, "bias")].filter { isParam($0.0) }
        case _ where normalizations.contains(node.opType):
            return [(1, "weight"), (2, "bias")].filter { isParam($0.0) }
        case "MatMul":
            let constants = [0, 1].filter(isParam)
            return constants.count == 1 ? [(constants[0], "weight")] : []
        case "Gather":
            return isParam(0) ? [(0, "weight")] : []
        case "Mul", "Div", "Add", "Sub":
            let constants = [0, 1].filter { isParam($0) && !isScalar($0) }
            guard constants.count == 1, node.inputs.count == 2, kinds.isActivation(node.inputs[1 - constants[0]]) else { return [] }
            return [(constants[0], node.opType == "Mul" || node.opType == "Div" ? "weight" : "bias")]
        default:
            return []
        }
    }
}

/// A constant computed from one initializer by data-movement ops (the transposed weight
/// of a Linear, a weight behind an Identity) is that initializer: its quantizer is named
/// after it, and ops reading it through different paths share one quantizer.
enum ConstantRoots {
    static let passThrough: Set<String> = ["Identity", "Transpose", "Cast", "Reshape", "Squeeze", "Unsqueeze", "Flatten"]

    static func root(of tensor: String, model: ONNXModel, kinds: TensorKinds) -> String {
        var t = tensor
        var steps = 0
        while model.initializers[t] == nil, let p = kinds.producer[t], steps < 64 {
            let node = model.nodes[p]
            guard passThrough.contains(node.opType), let data = node.inputs.first, kinds.constant.contains(data) else { break }
            t = data
            steps += 1
        }
        return t
    }

    /// Whether `tensor` holds its root initializer's values with the axes unchanged: it
    /// is the root, or reaches it through `Identity` and `Cast` only (a `Transpose` or a
    /// reshape moves the axes, and mmp does not read their permutations or shapes).
    static func keepsAxes(_ tensor: String, model: ONNXModel, kinds: TensorKinds) -> Bool {
        var t = tensor
        var steps = 0
        while model.initializers[t] == nil, let p = kinds.producer[t], steps < 64 {
            let node = model.nodes[p]
            guard node.opType == "Identity" || node.opType == "Cast", let data = node.inputs.first else { return false }
            t = data
            steps += 1
        }
        return model.initializers[t] != nil
    }
}
