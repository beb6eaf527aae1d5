import Foundation
import SyntheticModels

/// `mmp-synth SHAPE QUANTIZERS REQUESTS OUT_DIR [--conflicts]`: writes OUT_DIR/sim.json and
/// OUT_DIR/requests.yaml for a synthetic model of about QUANTIZERS quantizers.
let args = CommandLine.arguments
guard args.count >= 5, let shape = SyntheticModel.Shape(rawValue: args[1]), let q = Int(args[2]), let r = Int(args[3]) else {
    FileHandle.standardError.write(Data("usage: mmp-synth decoder|moe|cnn QUANTIZERS REQUESTS OUT_DIR [--conflicts]\n".utf8))
    exit(1)
}
let model = SyntheticModel(shape: shape, quantizers: q)
let dir = args[4]
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
try model.simJSON().write(toFile: dir + "/sim.json", atomically: true, encoding: .utf8)
try model.requestsYAML(count: r, conflicts: args.contains("--conflicts")).write(
    toFile: dir + "/requests.yaml", atomically: true, encoding: .utf8)
print("\(dir): \(shape.rawValue), \(model.blocks) blocks")
