extension SimGraph {
    /// The quantizer that writes what op `op` produces at output `output`: its own output
    /// quantizer, or when it has none there, its *fused output* (contract §4).
    ///
    /// A `Conv` fused with the `Relu` after it has no output quantizer of its own; the
    /// group's output quantizer sits on the `Relu`. The chain follows the tensor while its
    /// only reader is an op with one activation input, one output, no input quantizer on
    /// that edge and no quantized param, and answers the first such op's output
    /// quantizer. It stops — no fused output — at a model output, at a tensor with several
    /// readers (or none), and at a reader that quantizes its input or holds a quantized
    /// param: what comes after is no longer this layer's output.
    ///
    /// Answers the quantizer with the id of the tensor it writes; the op's own output
    /// quantizer when it has one.
    public func outputWriter(op: Int, output: Int) -> (quantizer: Int, tensor: Int)? {
        var tensor = outputTensor(op: op, output: output)
        if let q = outputSlots[op][output] { return (q, tensor) }
        // Each step moves to a later op of an acyclic graph, so the walk ends.
        while !isModelOutput(tensor: tensor) {
            let readers = consumers[id: tensor]
            guard readers.count == 1, let edge = readers.first else { return nil }
            let r = edge.op
            guard inputSlots[r].count == 1, outputSlots[r].count == 1, inputSlots[r][0] == nil,
                  !paramSlots[r].contains(where: { $0 != nil }) else { return nil }
            tensor = outputTensor(op: r, output: 0)
            if let q = outputSlots[r][0] { return (q, tensor) }
        }
        return nil
    }
}
