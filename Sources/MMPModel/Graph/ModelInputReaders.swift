extension SimGraph {
    /// The edges that first quantize model input `k` (contract §4): each edge reading the
    /// input with an input quantizer of its own, and — through readers that hold no
    /// quantizer at all (no input quantizer on that edge, no output quantizer, no quantized
    /// param: a `Reshape` or `Transpose` before the first layer) — the quantized edges that
    /// read their outputs, recursively. In op order, each edge once.
    ///
    /// An edge without an input quantizer whose op does quantize something (an output, a
    /// param) ends the walk there: what that op passes on is no longer the model input as
    /// read. An empty answer means the input is not quantized.
    public func quantizedReaders(ofModelInput k: Int) -> [(op: OpID, input: Int)] {
        guard let start = source.index[inputs[k]] else { return [] }
        var found: [(op: OpID, input: Int)] = []
        var pending = [start]
        var seenOps = Set<OpID>()
        while let tensor = pending.popLast() {
            for edge in consumers[id: tensor] {
                if inputSlots[edge.op][edge.input] != nil {
                    found.append(edge)
                    continue
                }
                let op = edge.op
                guard !outputSlots[op].contains(where: { $0 != nil }), !paramSlots[op].contains(where: { $0 != nil }),
                    seenOps.insert(op).inserted
                else { continue }
                pending.append(contentsOf: outputTensors(op: op))
            }
        }
        // Several walks may reach one edge only through distinct tensors, so an edge is
        // found once; the order is made independent of the walk.
        found.sort { ($0.op, $0.input) < ($1.op, $1.input) }
        return found
    }
}
