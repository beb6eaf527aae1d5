import ArgumentParser
import MixedPrecision

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what requests can name: the module tree, model inputs and outputs, and the quantizers.",
        discussion: """
            Prints the module tree (every module path with the number of ops under it, and the op types \
            and classes of its own ops), the model inputs and outputs with the quantizers that govern them, \
            and every quantizer with its dtype and slots. With --onnx, quantizers are placed as --config says.
            """
    )

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Output format: text or json.")
    var format: CompareCommand.Format = .text

    func run() throws {
        model.noteDefaultConfig()
        let graph: SimGraph
        do {
            graph = try model.source.graph()
        } catch {
            printError(error.printable())
            throw ExitCode(1)
        }
        switch format {
        case .text: print(Inspection.render(graph), terminator: "")
        case .json: print(JSONWriter.write(Inspection.json(graph)), terminator: "")
        }
    }
}
