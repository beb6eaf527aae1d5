import ArgumentParser
import MixedPrecision

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Plan in strict and in best-effort mode and show the two side by side.",
        discussion: """
            Takes the same inputs as `mmp plan` and writes nothing: prints each request's outcome in both \
            modes, the conflicts that make strict mode fail, and every quantizer whose dtype differs between \
            the two plans or from the given sim. Exits with status 0 whether or not strict mode is feasible, \
            1 on invalid input.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var model: ModelOptions

    @Option(
        name: .long,
        help: ArgumentHelp("The ordered precision requests (YAML or JSON); - reads standard input.", valueName: "requests.yaml"))
    var requests: String

    @Option(name: .long, help: "Output format: text (a table) or json.")
    var format: Format = .text

    @Flag(name: .long, help: "Both plans prefer the fewest Convert ops, right after the requests themselves.")
    var fewestConverts = false

    @Flag(name: .long, help: "Both plans may add input quantizers (converts) where requests need them; implies --fewest-converts.")
    var insertConverts = false

    func run() throws {
        model.noteDefaultConfig()
        let inputs = PlanInputs(source: model.source, requestsPath: requests)
        let comparison: Comparison
        do {
            comparison = try Comparison(inputs.problem(), options: .init(fewestConverts: fewestConverts, insertConverts: insertConverts))
        } catch {
            printError(error.printable())
            throw ExitCode(1)
        }
        printWarnings(comparison.strict.problem.resolution)
        switch format {
        case .text: print(comparison.table(), terminator: "")
        case .json: print(JSONWriter.write(comparison.json()), terminator: "")
        }
    }
}
