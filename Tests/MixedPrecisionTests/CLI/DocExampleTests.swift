import Foundation
import Testing

/// `docs/explaining-conflicts.md` shows the bundled conflict examples exactly as a user
/// sees them: the terminal output, the log's conflict section and `mmp compare`;
/// `docs/semantics.md` shows the warning for a misspelt param. These tests run the same
/// commands and compare, so the pages cannot drift from the tool.
@Suite struct DocExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let page = (try? String(contentsOfFile: root + "/docs/explaining-conflicts.md", encoding: .utf8)) ?? ""
    static let semantics = (try? String(contentsOfFile: root + "/docs/semantics.md", encoding: .utf8)) ?? ""

    /// The lines of the page's fenced block that starts with the command naming
    /// `requests`, without the command itself (`$ …` and its indented continuations).
    static func shownOutput(of command: String, requests: String, on page: String = page) -> [String] {
        let blocks = page.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        guard let block = blocks.first(where: { $0.contains("$ mmp \(command)") && $0.contains(requests) }) else { return [] }
        return block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.hasPrefix("$ ") && !$0.hasPrefix("    ") && !$0.isEmpty }
    }

    /// The page's fenced block holding the log section that begins with `first`.
    static func shownLog(startingWith first: String) -> String? {
        page.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            .first { $0.contains(first) }?.trimmingCharacters(in: .newlines)
    }

    /// The log's conflict section: from `Conflicts (` through the closing advice.
    static func conflictSection(_ log: String) -> String? {
        guard let start = log.range(of: "Conflicts ("),
            let end = log.range(of: "or change the requests below.", range: start.upperBound..<log.endIndex)
        else { return nil }
        return String(log[start.lowerBound..<end.upperBound])
    }

    /// The page's two `mmp plan` examples: the first also writes a picture (`--dot`).
    @Test(arguments: [
        ("requests-conflict.yaml", "out/conflict", "shared-quantizer", true),
        ("requests-kernel.yaml", "out/kernel", "kernel", false)
    ])
    func planOutputAndLogAreWhatThePageShows(_ requests: String, _ outDir: String, _ kind: String, _ dot: Bool) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try CLI.run(
            [
                "plan", "--sim", "Data/examples/resnet_tiny/sim.json",
                "--requests", "Data/examples/resnet_tiny/" + requests,
                "--config", "Data/configs/htp_like.json", "--out-dir", dir.path + "/" + outDir
            ]
                + (dot ? ["--dot", dir.path + "/" + outDir + ".dot"] : []), in: Self.root)
        #expect(r.status == 2)
        // The SVG needs Graphviz, which a test machine may lack; the rest is shown as is.
        let shown = Self.shownOutput(of: "plan", requests: requests).filter { !$0.hasPrefix("wrote docs/images/") }
        let seen = (r.stdout + r.stderr).replacingOccurrences(of: dir.path + "/", with: "").split(separator: "\n").map(String.init)
        #expect(seen == shown)
        let section = try #require(dir.read(outDir + "/mmp_log.txt").flatMap(Self.conflictSection))
        #expect(Self.shownLog(startingWith: "conflict 1 (\(kind))") == section)
    }

    @Test func theMisspeltParamWarningIsWhatSemanticsShows() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try CLI.run(
            [
                "plan", "--sim", "Data/examples/resnet_tiny/sim.json",
                "--requests", "Data/examples/resnet_tiny/requests-typo.yaml", "--out-dir", dir.path + "/out/typo"
            ], in: Self.root)
        #expect(r.status == 0)
        let shown = Self.shownOutput(of: "plan", requests: "requests-typo.yaml", on: Self.semantics)
        let seen = (r.stdout + r.stderr).replacingOccurrences(of: dir.path + "/", with: "").split(separator: "\n").map(String.init)
        #expect(!shown.isEmpty)
        #expect(seen == shown)
    }

    @Test func compareOutputIsWhatThePageShows() throws {
        let r = try CLI.run(
            [
                "compare", "--sim", "Data/examples/resnet_tiny/sim.json",
                "--requests", "Data/examples/resnet_tiny/requests-conflict.yaml",
                "--config", "Data/configs/htp_like.json"
            ], in: Self.root)
        #expect(r.status == 0)
        let shown = Self.shownOutput(of: "compare", requests: "requests-conflict.yaml")
        #expect(r.stdout.split(separator: "\n").map(String.init) == shown)
    }
}
