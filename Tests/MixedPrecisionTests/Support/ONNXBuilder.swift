import Foundation
import SwiftProtobuf

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Builds small ONNX models in tests, with the same generated types the importer reads.
struct ONNXBuilder {
    var graph = Onnx_GraphProto()

    init(name: String = "test") { graph.name = name }

    /// A graph input of element type `type` (1 float, 7 int64).
    mutating func input(_ name: String, type: Int32 = 1) {
        graph.input.append(valueInfo(name, type))
    }

    mutating func output(_ name: String, type: Int32 = 1) {
        graph.output.append(valueInfo(name, type))
    }

    /// An initializer without values (as the fixtures and weightless files have).
    mutating func initializer(_ name: String, type: Int32 = 1, dims: [Int64]) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = type
        t.dims = dims
        graph.initializer.append(t)
    }

    /// An initializer whose values live in an external file that does not exist, with
    /// raw bytes too — fields the importer must skip.
    mutating func externalInitializer(_ name: String, dims: [Int64]) throws {
        var bytes: [UInt8] = []
        func varint(_ v: UInt64) { var v = v; while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }; bytes.append(UInt8(v)) }
        func field(_ n: UInt64, _ payload: [UInt8]) { varint(n << 3 | 2); varint(UInt64(payload.count)); bytes += payload }
        for d in dims { varint(1 << 3); varint(UInt64(d)) }
        varint(2 << 3); varint(1)
        field(8, Array(name.utf8))
        field(9, Array(repeating: 0xAB, count: 64))  // raw_data
        var entry: [UInt8] = []
        func sub(_ n: UInt64, _ s: String) { entry.append(UInt8(n << 3 | 2)); entry.append(UInt8(s.utf8.count)); entry += Array(s.utf8) }
        sub(1, "location"); sub(2, "weights-that-are-not-here.bin")
        field(13, entry)  // external_data
        varint(14 << 3); varint(1)  // data_location = EXTERNAL
        graph.initializer.append(try Onnx_TensorProto(serializedBytes: bytes))
    }

    /// A node; `scope` sets the dynamo exporter's name scopes and class; `ints` are
    /// integer attributes (`transB`). `name: ""` leaves it unnamed.
    mutating func node(
        _ type: String, _ inputs: [String], _ outputs: [String], name: String? = nil,
        scopes: [String]? = nil, classes: [String]? = nil, castTo: Int64? = nil, ints: [String: Int64] = [:]
    ) {
        var n = Onnx_NodeProto()
        n.opType = type
        n.input = inputs
        n.output = outputs
        n.name = name ?? "\(type)_\(graph.node.count)"
        func list(_ items: [String]) -> String { "[" + items.map { "'\($0)'" }.joined(separator: ", ") + "]" }
        if let scopes {
            var p = Onnx_StringStringEntryProto()
            p.key = "pkg.torch.onnx.name_scopes"
            p.value = list(scopes + [n.name])
            n.metadataProps.append(p)
        }
        if let classes {
            var p = Onnx_StringStringEntryProto()
            p.key = "pkg.torch.onnx.class_hierarchy"
            p.value = list(classes + ["aten.op"])
            n.metadataProps.append(p)
        }
        if let castTo {
            var a = Onnx_AttributeProto()
            a.name = "to"
            a.i = castTo
            a.type = 2
            n.attribute.append(a)
        }
        for (key, value) in ints.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key
            a.i = value
            a.type = 2
            n.attribute.append(a)
        }
        graph.node.append(n)
    }

    /// The default domain's opset the model imports.
    var opset: Int64 = 20

    func bytes() throws -> [UInt8] {
        var m = Onnx_ModelProto()
        m.irVersion = 10
        m.producerName = "mmp-tests"
        var opset = Onnx_OperatorSetIdProto()
        opset.version = self.opset
        m.opsetImport = [opset]
        m.graph = graph
        return try m.serializedBytes()
    }

    private func valueInfo(_ name: String, _ type: Int32) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = type
        v.type.tensorType = t
        return v
    }
}

/// The repository's root, for the committed fixtures.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

func fixture(_ path: String) -> String { repositoryRoot.appendingPathComponent(path).path }

/// A quantsim config from JSON text.
func config(_ json: String) throws -> QuantSimConfig { try QuantSimConfigFile.read(Array(json.utf8)) }

/// The sim graph of a fixture ONNX model with a committed config.
func importFixture(_ model: String, config name: String = "default") throws -> SimGraph {
    let cfg = try QuantSimConfigFile.read(Files.read(fixture("Data/configs/\(name).json")))
    return try ONNXImporter.simGraph(onnx: Files.read(fixture("Data/models/\(model).onnx")), config: cfg, modelName: model)
}
