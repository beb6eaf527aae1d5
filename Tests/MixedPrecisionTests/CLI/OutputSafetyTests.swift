import Foundation
import Testing
@testable import MixedPrecision

/// The picture files obey the rules of every output: never an input, never another
/// output of the run, never a replaced device; and a run writes all its files or none
/// (issue 12).
@Suite struct OutputSafetyTests {
    func run(_ extra: [String], in dir: TempDir, environment: [String: String] = [:]) throws -> CLI.Result {
        let sim = dir.exists("sim.json") ? dir.path + "/sim.json" : try dir.file("sim.json", Samples.sim)
        let req = dir.exists("r.yaml") ? dir.path + "/r.yaml" : try dir.file("r.yaml", Samples.requests)
        return try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"] + extra, environment: environment)
    }

    @Test(arguments: ["--dot", "--svg"])
    func aPictureOntoTheInputIsRefused(_ flag: String) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try run([flag, dir.path + "/sim.json"], in: dir, environment: ["PATH": "/nonexistent"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("refusing to write '\(dir.path)/sim.json': it is one of the inputs") || flag == "--svg", "\(r.stderr)")
        #expect(dir.read("sim.json") == Samples.sim)
        #expect(!dir.exists("out"))
    }

    @Test func aPictureOntoAnotherOutputOfTheRunIsRefused() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try run(["--dot", dir.path + "/out/plan.json"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("refusing to write '\(dir.path)/out/plan.json' twice: two outputs of this run name it"), "\(r.stderr)")
        #expect(!dir.exists("out/plan.json"))
    }

    @Test func aDeviceIsWrittenThroughNotReplaced() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try run(["--dot", "/dev/null"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        #expect(dir.exists("out/plan.json"))
    }

    @Test func anUnwritablePictureLeavesNothingWritten() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        _ = try dir.file("blocker", "a file where a directory should be")
        let r = try run(["--dot", dir.path + "/blocker/plan.dot"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot write '\(dir.path)/blocker/plan.dot'"), "\(r.stderr)")
        #expect(!dir.exists("out"))
    }

    @Test func anSVGThatCannotBeRenderedLeavesNothingWritten() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try run(["--dot", dir.path + "/plan.dot", "--svg", dir.path + "/plan.svg"], in: dir, environment: ["PATH": "/nonexistent"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("Graphviz's 'dot' is not installed"), "\(r.stderr)")
        #expect(!dir.exists("out") && !dir.exists("plan.dot") && !dir.exists("plan.svg"))
    }
}
