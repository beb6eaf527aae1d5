import Foundation
import SyntheticModels
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
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
        #expect(r.stderr.contains("refusing to write '\(dir.path)/sim.json': it is one of the inputs"), "\(r.stderr)")
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

    @Test func anOutputDirectoryThatCannotBeMadeSaysWhy() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        _ = try dir.file("afile", "a file")
        let r = try CLI.run([
            "plan", "--sim", try dir.file("sim.json", Samples.sim), "--requests", try dir.file("r.yaml", Samples.requests),
            "--out-dir", dir.path + "/afile/out"
        ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot create output directory '\(dir.path)/afile/out': Not a directory"), "\(r.stderr)")
        #expect(!r.stderr.contains("NSCocoaErrorDomain"))
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

/// A run killed at any moment leaves its output directory holding the old set of files
/// or the new set, whole; temporary files are removed on a signal, and those of a killed
/// run by the next one (issue 12).
@Suite struct InterruptedRunTests {
    static let names = ["plan.json", "mmp_log.txt", "sim.json"]

    func snapshot(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for n in Self.names { out[n] = FileManager.default.contents(atPath: dir + "/" + n) }
        return out
    }

    func leftovers(_ dir: TempDir) -> [String] {
        let top = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let inside = (try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/out")) ?? []
        return (top + inside).filter { $0.contains(".tmp-") || $0.contains(".old-") }
    }

    @Test(arguments: [SIGKILL, SIGTERM])
    func aKilledRunLeavesTheOldSetOrTheNewSet(_ signal: Int32) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let model = SyntheticModel(shape: .decoder, quantizers: 30_000)
        let sim = try dir.file("sim.json", model.simJSON())
        let first = try dir.file("first.yaml", model.requestsYAML(count: 50, conflicts: false))
        let second = try dir.file("second.yaml", model.requestsYAML(count: 400, conflicts: false))
        func args(_ requests: String, _ out: String) -> [String] {
            ["plan", "--sim", sim, "--requests", requests, "--out-dir", dir.path + "/" + out]
        }
        #expect(try CLI.run(args(second, "new")).status == 0)
        let newSet = snapshot(dir.path + "/new")
        #expect(try CLI.run(args(first, "out")).status == 0)
        let oldSet = snapshot(dir.path + "/out")
        #expect(oldSet != newSet && oldSet.count == 3 && newSet.count == 3)

        var sawOld = false, sawNew = false
        for delay in stride(from: 0.05, through: 0.9, by: 0.17) {
            let pid = try Self.spawn(args(second, "out"))
            Thread.sleep(forTimeInterval: delay)
            kill(pid, signal)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let now = snapshot(dir.path + "/out")
            #expect(now == oldSet || now == newSet, "killed after \(delay) s: a mix of the two runs")
            if now == oldSet { sawOld = true } else { sawNew = true }
            if signal == SIGTERM { #expect(leftovers(dir).isEmpty, "after SIGTERM at \(delay) s: \(leftovers(dir))") }
            // Back to the old set for the next kill.
            #expect(try CLI.run(args(first, "out")).status == 0)
            #expect(leftovers(dir).isEmpty, "a finished run leaves \(leftovers(dir))")
        }
        #expect(sawOld, "no kill landed before the switch: the test proves little")
        _ = sawNew
    }

    /// Starts `mmp` with no signal blocked. (Foundation's `Process` starts children with
    /// almost every signal blocked, so a SIGTERM would wait until the run ends.)
    static func spawn(_ arguments: [String]) throws -> pid_t {
        guard let exe = CLI.executable?.path else { throw CocoaError(.fileNoSuchFile) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([exe] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, exe, &actions, &attributes, argv, environ) == 0 else { throw CocoaError(.executableLoad) }
        return pid
    }

    @Test func otherFilesOfTheOutputDirectoryStay() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("sim.json", Samples.sim)
        let req = try dir.file("r.yaml", Samples.requests)
        try FileManager.default.createDirectory(atPath: dir.path + "/out", withIntermediateDirectories: true)
        _ = try dir.file("out/notes.txt", "mine")
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"])
        #expect(r.status == 0)
        #expect(dir.read("out/notes.txt") == "mine")
        #expect(dir.exists("out/plan.json") && dir.exists("out/sim.json"))
        #expect(leftovers(dir).isEmpty)
    }
}
