import Foundation
import MixedPrecision

/// A libFuzzer target: one AIMET quantsim config, read as `--config` is read.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    _ = try? QuantSimConfigFile.read(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

// libFuzzer's driver (from libclang_rt.fuzzer_no_main): runs `fuzz` on each input it makes.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) })
