import Foundation
import Testing

/// `docs/converts.md` shows, on the bundled residual network, a plan's converts, the same
/// plan with `--fewest-converts`, and a strict conflict that `--insert-converts` resolves,
/// exactly as a user sees them. These tests run the same commands and compare.
@Suite struct ConvertsDocTests {
    static let page = (try? String(contentsOfFile: DocExampleTests.root + "/docs/converts.md", encoding: .utf8)) ?? ""
    static let blocks = page.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)

    /// The output lines of the page's block whose command names `requests` and ends with
    /// `flag` (none: a command without flags).
    static func shown(_ requests: String, flag: String?) -> [String] {
        let block = blocks.first { b in
            guard b.contains("$ mmp plan"), b.contains(requests) else { return false }
            let command = b.split(separator: "\n").filter { $0.hasPrefix("$ ") || $0.hasPrefix("    ") }.joined()
            return flag.map { command.contains($0) } ?? (!command.contains("--fewest-converts") && !command.contains("--insert-converts"))
        }
        return (block ?? "").split(separator: "\n").map(String.init).filter { !$0.hasPrefix("$ ") && !$0.hasPrefix("    ") }
    }

    @Test(
        arguments: [
            ("requests-converts.yaml", "out/converts", nil), ("requests-converts.yaml", "out/converts", "--fewest-converts"),
            ("requests-conflict.yaml", "out/insert", "--insert-converts")
        ] as [(String, String, String?)])
    func thePageShowsWhatTheRunPrints(_ requests: String, _ outDir: String, _ flag: String?) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try CLI.run(
            [
                "plan", "--sim", "Data/examples/resnet_tiny/sim.json", "--requests", "Data/examples/resnet_tiny/" + requests,
                "--out-dir", dir.path + "/" + outDir
            ] + (flag.map { [$0] } ?? []), in: DocExampleTests.root)
        #expect(r.status == 0, "\(r.stderr)")
        let shown = Self.shown(requests, flag: flag)
        #expect(!shown.isEmpty)
        let seen = (r.stdout + r.stderr).replacingOccurrences(of: dir.path + "/", with: "").split(separator: "\n").map(String.init)
        #expect(seen == shown)
        // The log's converts section, where the page shows it.
        let log = dir.read(outDir + "/mmp_log.txt") ?? ""
        if flag == nil {
            let section = try #require(Self.blocks.first { $0.contains("Converts (1;") && $0.contains("layer1.0.add") }).trimmingCharacters(
                in: .newlines)
            #expect(log.contains(section + "\n"))
        }
    }

    /// The reason a convert cannot resolve a kernel conflict, as the page quotes it.
    @Test func aKernelConflictSaysWhyAConvertCannotHelp() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try CLI.run(
            [
                "plan", "--sim", "Data/examples/resnet_tiny/sim.json", "--requests", "Data/examples/resnet_tiny/requests-kernel.yaml",
                "--config", "Data/configs/htp_like.json", "--insert-converts", "--out-dir", dir.path
            ], in: DocExampleTests.root)
        #expect(r.status == 2)
        let quoted = try #require(Self.blocks.first { $0.contains("a convert cannot help") }).trimmingCharacters(in: .newlines)
        #expect((dir.read("mmp_log.txt") ?? "").contains(quoted + "\n"))
    }
}
