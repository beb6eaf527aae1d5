import ArgumentParser
import Foundation
import MixedPrecision

/// `mmp`: the command-line front of the planner. Parsing and printing only; the
/// library does the work.
@main
struct MMP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmp",
        abstract: "Manual mixed-precision planner for quantized neural networks.",
        discussion: """
            Reads a quantization-simulation graph and an ordered list of precision requests, finds every \
            quantizer that has to change, solves one integer program with GLPK, and writes the plan back into \
            the sim graph with a report.

            Exit status: 0 planned; 1 invalid input; 2 strict plan infeasible.
            """,
        version: MMPVersion.current,
        subcommands: [PlanCommand.self, CompareCommand.self, InspectCommand.self, VersionCommand.self]
    )

    /// Runs the command; usage errors exit with status 1 like every other invalid input.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let status = exitCode(for: error)
            if status == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(1)
        }
    }
}

func printError(_ message: String) {
    fflush(nil)  // flush stdout first: keep stdout and stderr in the order they were produced
    FileHandle.standardError.write(Data(("mmp: " + message + "\n").utf8))
}

/// Prints what the requests most likely got wrong but the plan went past.
func printWarnings(_ resolution: Resolution) {
    for line in resolution.warningLines { printError("warning: " + line) }
}
