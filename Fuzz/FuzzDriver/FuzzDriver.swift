import Foundation

/// Runs libFuzzer's driver (from `libclang_rt.fuzzer_no_main`) on `body`, which gets each
/// input the fuzzer makes, and exits with the driver's status. Every fuzz target's
/// `main.swift` is one call of this.
public func runFuzzer(_ body: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Void) -> Never {
    target = body
    var argc = CommandLine.argc
    var argv = Optional(CommandLine.unsafeArgv)
    exit(
        LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            target?(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
            return 0
        })
}

/// The target the C callback calls: it cannot capture, so the body waits here.
nonisolated(unsafe) private var target: (@Sendable (UnsafeBufferPointer<UInt8>) -> Void)?

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
