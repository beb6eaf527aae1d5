/// How a target's origin reaches one of its quantizers, step by step in the graph's own
/// names: which tensor an edge reads, which op wrote it, which ops were passed through
/// as transparent, where the quantizer sits.
public enum PathStep: Sendable, Equatable {
    /// Op `op` has its own quantizer on input `input`.
    case inputSlot(op: OpID, input: Int)
    /// Op `op` reads `tensor` at input `input`.
    case reads(op: OpID, input: Int, tensor: String)
    /// Op `op` writes the tensor at output `output` and quantizes it there.
    case quantizedAt(op: OpID, output: Int)
    /// Op `op` writes the tensor without an output quantizer (fused, data movement,
    /// functional): what governs it is what governs the op's input `input`.
    case transparent(op: OpID, input: Int)
    /// Param `name` of op `op`.
    case param(op: OpID, name: String)
    /// The output quantizer of op `op` at `output`.
    case outputSlot(op: OpID, output: Int)
    /// Model output `index`, tensor `tensor`.
    case modelOutput(index: Int, tensor: String)
}
