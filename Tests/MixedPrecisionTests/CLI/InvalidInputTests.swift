import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Every invalid sim graph and request file of contract §2 and §3, through the real
/// executable: exit status 1, the message on stderr, and no output written.
@Suite struct InvalidInputTests {
    static func run(sim: String, requests: String) throws -> (CLI.Result, TempDir) {
        let dir = try TempDir()
        let s = try dir.file("sim.json", sim)
        let r = try dir.file("requests.yaml", requests)
        return (try CLI.run(["plan", "--sim", s, "--requests", r, "--out-dir", dir.path + "/out"]), dir)
    }

    @Test(arguments: SimGraphFileTests.invalid)
    func invalidSimExitsOne(_ c: (String, String, String)) throws {
        let (r, dir) = try Self.run(sim: c.1, requests: Samples.requests)
        defer { dir.cleanup() }
        #expect(r.status == 1, "\(c.0)")
        #expect(r.stderr.contains(c.2), "\(c.0): \(r.stderr)")
        #expect(!dir.exists("out"))
    }

    @Test(arguments: RequestFileTests.invalid)
    func invalidRequestsExitOne(_ c: (String, String)) throws {
        let (r, dir) = try Self.run(sim: Samples.sim, requests: c.0)
        defer { dir.cleanup() }
        #expect(r.status == 1)
        #expect(r.stderr.contains(c.1), "\(r.stderr)")
        #expect(!dir.exists("out"))
    }

    static let unresolvable: [(String, String)] = [
        (
            "requests: [{set_precision: {module: body.conf, activation: int16}}]",
            "unknown module path 'body.conf'; did you mean 'body.conv'?"
        ),
        ("requests: [{set_precision: {module: head, activation: [int16, int8]}}]", "lists 2 dtypes but op 'fc' has 1 activation inputs"),
        ("requests: [{set_model_input_precision: {activation: [int16, int8]}}]", "lists 2 dtypes but the model has 1 inputs"),
        ("requests: [{set_model_output_precision: {activation: [null, int8]}}]", "lists 2 dtypes but the model has 1 outputs")
    ]

    @Test(arguments: unresolvable)
    func requestsTheGraphCannotResolveExitOne(_ c: (String, String)) throws {
        let (r, dir) = try Self.run(sim: Samples.sim, requests: c.0)
        defer { dir.cleanup() }
        #expect(r.status == 1)
        #expect(r.stderr.contains(c.1), "\(r.stderr)")
        #expect(r.stderr.contains("request 0"), "\(r.stderr)")
    }
}
