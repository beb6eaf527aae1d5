import Foundation
import MMPFormats
import MMPModel
import MMPSolving

/// Where a command's model comes from — an `mmp-sim/1` file, or an ONNX file whose
/// quantizers an AIMET config places — and the config: what `inspect`, `compare` and
/// `plan` all read.
public struct ModelSource: Sendable, Equatable {
    public enum Model: Sendable, Equatable {
        /// An `mmp-sim/1` file.
        case sim(String)
        /// An ONNX file; quantizers are placed from the config at these defaults.
        case onnx(String, QuantizerDefaults)
    }

    public var model: Model
    public var configPath: String?

    public init(model: Model, configPath: String? = nil) {
        self.model = model
        self.configPath = configPath
    }

    /// The sim or ONNX file.
    public var path: String {
        switch model {
        case .sim(let path), .onnx(let path, _): return path
        }
    }

    /// Reads the config, if any. An ONNX model without one is placed as AIMET's default
    /// quantsim config places it, as `QuantizationSimModel` does when given none.
    public func config() throws(MMPError) -> QuantSimConfig? {
        guard let path = configPath else {
            if case .onnx = model { return try QuantSimConfigFile.read(Array(AIMETDefaultConfig.text.utf8)) }
            return nil
        }
        return try reading(path) { () throws(MMPError) in try QuantSimConfigFile.read(Files.read(path, as: .text)) }
    }

    /// The model as a sim graph, with its config read first.
    public func graph() throws(MMPError) -> SimGraph {
        let config = try config()
        return try simFile(from: bytes(), config: config).graph
    }

    /// The model file's bytes, bounded as its kind allows.
    func bytes() throws(MMPError) -> [UInt8] {
        switch model {
        case .sim(let path): return try Files.read(path, as: .sim)
        case .onnx(let path, _): return try Files.read(path, as: .binary)
        }
    }

    /// The model file as read for a plan: a sim file mapped when it can be (see
    /// ``MappedFile``: its bytes are then not held by the process), else its bytes.
    func contents() throws(MMPError) -> Contents {
        if case .sim(let path) = model, let mapped = Files.map(path, as: .sim) { return .mapped(mapped) }
        return .bytes(try bytes())
    }

    /// A model file's contents, read or mapped.
    enum Contents: Sendable {
        case bytes([UInt8])
        case mapped(MappedFile)
    }

    /// The sim file the model's contents make; an error names the file.
    func simFile(from contents: Contents, config: QuantSimConfig?) throws(MMPError) -> SimFile {
        switch contents {
        case .bytes(let bytes): return try simFile(from: bytes, config: config)
        case .mapped(let file): return try reading(path) { () throws(MMPError) in try SimGraphFile.load(file) }
        }
    }

    /// The sim file the model's bytes make; an error names the file.
    func simFile(from bytes: [UInt8], config: QuantSimConfig?) throws(MMPError) -> SimFile {
        try reading(path) { () throws(MMPError) in
            switch model {
            case .sim:
                return try SimGraphFile.load(bytes)
            case .onnx(let path, let defaults):
                // config() always gives an ONNX model one (AIMET's default).
                guard let config else { throw .io("an ONNX model needs a quantsim config to place its quantizers") }
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                return try ONNXImporter.simFile(onnx: bytes, config: config, defaults: defaults, modelName: name)
            }
        }
    }
}
