import Foundation
import MixedPrecision

/// A libFuzzer target: one sim graph file, read as `mmp plan --sim` reads it, and when it
/// is valid, planned with a request on every layer. Any input must give a plan or an
/// `MMPError`; a trap, a hang or a leak is a finding.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let graph = try? SimGraphFile.read(bytes) else { return 0 }
    let requests: [Request] = [.setPrecision(.module(""), activation: .all(.int16), param: [ParamPrecision("weight", .int4)]),
                               .setModelOutputPrecision(.all(.int8))]
    if let problem = try? PlanningProblem(graph: graph, requests: requests, rules: .none) {
        _ = try? Planner.plan(problem, mode: .bestEffort)
    }
    return 0
}

// libFuzzer's driver (from libclang_rt.fuzzer_no_main): runs `fuzz` on each input it makes.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) })
