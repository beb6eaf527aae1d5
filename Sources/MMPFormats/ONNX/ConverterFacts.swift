import MMPModel

/// What the converter files of an ONNX model (`overrides.json`, `ort_quant_overrides.json`)
/// need besides the sim graph: how each quantizer encodes (symmetry; a weight's channel
/// axis), which activations a supergroup fuses, the nodes' names as the file spells them,
/// and the model's opset. The ONNX importer knows them; a `mmp-sim/1` file carries none.
public struct ConverterFacts: Sendable, Equatable {
    /// A weight quantized per output channel: the axis of its initializer that holds the
    /// channels, and how many there are.
    public struct Channels: Sendable, Equatable {
        public var axis: Int
        public var count: Int

        public init(axis: Int, count: Int) {
            self.axis = axis
            self.count = count
        }
    }

    /// How one quantizer encodes, as `sim.json` writes it (`symmetric`, `per_channel`).
    public struct Encoding: Sendable, Equatable {
        public var symmetric: Bool
        /// Set for a weight quantized per channel; nil for one encoding per tensor.
        public var channels: Channels?

        public init(symmetric: Bool, channels: Channels? = nil) {
            self.symmetric = symmetric
            self.channels = channels
        }
    }

    /// The version of the default operator set the model imports (0: none declared).
    public var opset: Int
    /// Per op of the sim graph, in graph order: the node's name in the file, nil when the
    /// file leaves it unnamed.
    public var nodeNames: IDArray<OpID, String?>
    /// Per quantizer name.
    public var encodings: [String: Encoding]
    /// The activations inside a supergroup (the `Conv` output a fused `Relu` reads): never
    /// quantized, and never materialized by a backend that runs the group as one kernel.
    public var fused: Set<String>

    public init(opset: Int, nodeNames: IDArray<OpID, String?>, encodings: [String: Encoding], fused: Set<String>) {
        self.opset = opset
        self.nodeNames = nodeNames
        self.encodings = encodings
        self.fused = fused
    }

    /// Op types whose outputs hold only values of their inputs (data movement, max
    /// pooling, selection): an output is on its input's quantization grid, so it shares
    /// that input's encoding, as AIMET's export propagates it.
    public static let gridPreserving: Set<String> = [
        "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Expand", "Slice", "Split",
        "Tile", "Pad", "MaxPool", "GlobalMaxPool", "Concat", "Gather", "GatherElements", "GatherND", "DepthToSpace",
        "SpaceToDepth", "ReduceMax", "ReduceMin"
    ]

    /// AIMET's ONNX QuantSim quantizes weights per channel for these op types only
    /// (`allowed_op_type_for_per_channel`).
    public static let perChannelTypes: Set<String> = ["Conv", "ConvTranspose", "Gemm", "MatMul"]

    /// The most channels one weight is written with, per channel (a graph-only file can
    /// declare any shape; its weights are never read), and the most over the whole model.
    public static let maxChannels = 1 << 20
    public static let maxTotalChannels = 1 << 25

    /// The output-channel axis of a weight of rank `rank` read at input `input` of `node`,
    /// as AIMET places it: `Conv` 0, `ConvTranspose` 1, `Gemm` 0 with `transB` and 1
    /// without, `MatMul` the last axis of a right-hand weight (its columns) and the one
    /// before it of a left-hand one (its rows). Nil for other ops and for weights of rank < 2.
    static func channelAxis(of node: ONNXModel.Node, input: Int, rank: Int) -> Int? {
        guard rank >= 2 else { return nil }
        switch node.opType {
        case "Conv": return 0
        case "ConvTranspose": return 1
        case "Gemm": return node.transB ? 0 : 1
        case "MatMul": return input == 1 ? rank - 1 : rank - 2
        default: return nil
        }
    }
}
