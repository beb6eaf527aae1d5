import Foundation
import MMPModel
import SwiftProtobuf

/// The parts of an ONNX model the planner reads, as plain values: nodes with their
/// exporter metadata, and what each tensor is (element type, constant or not). Tensor
/// values are never read.
public struct ONNXModel: Sendable {
    public struct Node: Sendable {
        /// The node's name; a node the file leaves unnamed is called `<op type>_<index>`.
        public var name: String
        /// Whether the file names the node (tools such as ONNX Runtime's quantizer find
        /// nodes by the names the file gives them).
        public var isNamed = true
        public var opType: String
        public var domain: String
        public var inputs: [String]
        public var outputs: [String]
        /// `metadata_props` (the dynamo exporter's name scopes and class hierarchy).
        public var metadata: [String: String]
        /// The `to` attribute of a Cast.
        public var castTo: Int32?
        /// The element type of a `value` tensor attribute (Constant, ConstantOfShape).
        public var valueType: Int32?
        /// The `transB` attribute of a Gemm (its weight's layout, so its output channels).
        public var transB = false
    }

    /// A graph initializer: its element type and shape, never its values.
    public struct Initializer: Sendable {
        public var dataType: Int32
        public var dims: [Int64]
        /// The number of elements, saturating (a hostile shape must not trap).
        public var elementCount: Int64 {
            var n: Int64 = 1
            for d in dims {
                let (product, overflow) = n.multipliedReportingOverflow(by: max(d, 0))
                if overflow { return .max }
                n = product
            }
            return n
        }
    }

    public var producer: String
    /// The version of the default operator set (`""`, `ai.onnx`) the model imports; 0 when
    /// it imports none.
    public var opset = 0
    public var graphName: String
    public var nodes: [Node]
    public var initializers: [String: Initializer]
    /// Graph inputs that are not initializers, with their element types, in order.
    public var inputs: [(name: String, elemType: Int32?)]
    public var outputs: [(name: String, elemType: Int32?)]
    /// Declared element types from `value_info`.
    public var declaredTypes: [String: Int32]
    /// Declared shapes (`value_info`, graph inputs and outputs) where every dimension is a
    /// size, not a symbol.
    public var declaredShapes: [String: [Int]] = [:]

    /// Decodes an ONNX file's bytes.
    public static func read(_ bytes: [UInt8]) throws(MMPError) -> ONNXModel {
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true  // skips weights and everything else unread
        options.messageDepthLimit = 200
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw .invalidModel("not a readable ONNX model (\(describe(error)))")
        }
        guard proto.hasGraph, proto.irVersion > 0 else {
            throw .invalidModel("not an ONNX model: it has no graph or IR version")
        }
        let g = proto.graph
        guard !g.node.isEmpty else { throw .invalidModel("the ONNX graph has no nodes") }

        var initializers: [String: Initializer] = [:]
        for t in g.initializer where !t.name.isEmpty {
            initializers[t.name] = Initializer(dataType: t.dataType, dims: t.dims)
        }
        func elemType(_ v: Onnx_ValueInfoProto) -> Int32? {
            guard case .tensorType(let t)? = v.type.value, t.elemType != 0 else { return nil }
            return t.elemType
        }
        var declared: [String: Int32] = [:]
        var shapes: [String: [Int]] = [:]
        for v in g.valueInfo + g.input + g.output {
            if let t = elemType(v) { declared[v.name] = t }
            guard case .tensorType(let t)? = v.type.value, t.hasShape else { continue }
            var dims: [Int] = []
            for d in t.shape.dim {
                guard case .dimValue(let n)? = d.value, n >= 0, n < 1_000_000_000_000 else { dims = []; break }
                dims.append(Int(n))
            }
            if !dims.isEmpty || t.shape.dim.isEmpty { shapes[v.name] = dims }
        }
        let nodes = g.node.enumerated().map { k, n -> Node in
            var metadata: [String: String] = [:]
            for p in n.metadataProps { metadata[p.key] = p.value }
            var castTo: Int32? = nil, valueType: Int32? = nil, transB = false
            for a in n.attribute {
                if a.name == "to" { castTo = Int32(truncatingIfNeeded: a.i) }
                if a.name == "value", a.hasT { valueType = a.t.dataType }
                if a.name == "transB" { transB = a.i != 0 }
            }
            return Node(
                name: n.name.isEmpty ? "\(n.opType)_\(k)" : n.name, isNamed: !n.name.isEmpty, opType: n.opType,
                domain: n.domain, inputs: n.input, outputs: n.output, metadata: metadata, castTo: castTo,
                valueType: valueType, transB: transB)
        }
        let opset = proto.opsetImport.last { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map { Int(clamping: $0.version) } ?? 0
        return ONNXModel(
            producer: proto.producerName, opset: opset, graphName: g.name, nodes: nodes, initializers: initializers,
            inputs: g.input.filter { initializers[$0.name] == nil }.map { ($0.name, elemType($0)) },
            outputs: g.output.map { ($0.name, elemType($0)) },
            declaredTypes: declared, declaredShapes: shapes)
    }

    private static func describe(_ error: Error) -> String {
        switch error as? BinaryDecodingError {
        case .truncated?: return "the file is truncated"
        case .malformedProtobuf?: return "malformed protobuf"
        case .messageDepthLimit?: return "nesting too deep"
        case .invalidUTF8?: return "invalid UTF-8 in a string"
        default: return "\(error)"
        }
    }
}
