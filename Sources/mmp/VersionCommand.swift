import ArgumentParser
import MixedPrecision

/// `mmp version`: the same as `mmp --version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of mmp.")

    func run() { print(MMPVersion.current) }
}
