import MMPModel

/// A sim-graph file as read: the graph, and beside it what a faithful write-back needs of
/// the file itself. The graph is only a graph; the bytes and the splice map travel here,
/// from the reader to the writer, and nowhere else.
public struct SimFile: Sendable {
    /// What the file was.
    public enum Original: Sendable {
        /// The bytes as read by the streaming reader, and per quantizer (in graph order)
        /// the byte range of its `"dtype"` string: write-back splices new dtypes in.
        case bytes([UInt8], dtypeRanges: [Range<Int>])
        /// The same for a file the streaming reader read mapped (``MappedFile``), whose
        /// bytes stay in the page cache rather than in the process.
        case mapped(MappedFile, dtypeRanges: [Range<Int>])
        /// The document as parsed (the general reader, or the ONNX importer's encoding
        /// with its extra quantizer fields): write-back patches its `dtype` fields.
        case document(JSONValue)
        /// Nothing: a graph built in code is encoded in full.
        case none
    }

    public let graph: SimGraph
    public let original: Original
    /// For a graph the ONNX importer built: what the converter files need besides it.
    public let converterFacts: ConverterFacts?

    public init(graph: SimGraph, original: Original = .none, converterFacts: ConverterFacts? = nil) {
        self.graph = graph
        self.original = original
        self.converterFacts = converterFacts
    }
}
