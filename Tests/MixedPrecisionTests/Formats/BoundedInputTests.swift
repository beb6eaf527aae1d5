import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Inputs that never end, or are far larger than any model, are refused quickly with a
/// message naming the path; found by fuzzing `mmp` from the outside (issue 12).
@Suite struct BoundedInputTests {
    @Test(arguments: [("--sim", "/dev/zero"), ("--requests", "/dev/urandom"), ("--config", "/dev/zero")])
    func aDeviceThatNeverEndsIsRefusedAtOnce(_ c: (String, String)) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var paths = ["--sim": try dir.file("sim.json", Samples.sim), "--requests": try dir.file("r.yaml", Samples.requests)]
        paths[c.0] = c.1
        var args = ["plan", "--sim", paths["--sim"] ?? "", "--requests", paths["--requests"] ?? "", "--out-dir", dir.path + "/out"]
        if c.0 == "--config" { args += ["--config", c.1] }
        let r = try CLI.run(args)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot read '\(c.1)': it is not a text file"), "\(r.stderr)")
        #expect(!dir.exists("out"))
    }

    @Test func anEndlessPipeOfTextStopsAtTheLimit() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let fifo = dir.path + "/requests.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "yes '  - set_model_input_precision: {activation: int16}' > '\(fifo)' 2>/dev/null"]
        try writer.run()
        defer { writer.terminate() }
        let r = try CLI.run(["plan", "--sim", try dir.file("sim.json", Samples.sim), "--requests", fifo, "--out-dir", dir.path + "/out"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot read '\(fifo)': it is larger than 64 MB"), "\(r.stderr)")
    }

    @Test func aRegularFileLargerThanTheLimitIsRefusedBeforeItIsRead() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/huge.yaml"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 100 << 20) == 0)  // sparse: no disk used
        #expect { try Files.read(path, as: .text) } throws: { "\($0)".contains("it is larger than 64 MB") }
    }

    @Test func aDanglingSymbolicLinkIsNotCalledMissing() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let loop = dir.path + "/loop"
        #expect(symlink(loop, loop) == 0)
        #expect { try Files.read(loop) } throws: { "\($0)".contains("symbolic link that leads nowhere (or in a loop)") }
    }
}

extension BoundedInputTests {
    @Test func anONNXModelGivenAsASimIsToldToUseONNX() throws {
        #expect { try Files.read(fixture("Data/models/mobilenet_v2.onnx"), as: .sim) } throws: {
            "\($0)".contains("it looks like an ONNX model: read it with --onnx")
        }
    }
}
