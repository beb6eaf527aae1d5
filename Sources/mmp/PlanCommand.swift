import ArgumentParser
import Foundation
import MixedPrecision

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan mixed precision for a sim graph and write the plan into a directory.",
        discussion: """
            Writes into --out-dir: plan.json (every quantizer's dtype, each request's outcome, the conflicts), \
            sim.json (the sim graph with the planned dtypes; only when the plan is feasible), mmp_log.txt \
            (the readable report) and, with --onnx, overrides.json (quantization overrides for converters). \
            Inputs are never modified; outputs are written atomically.

            Strict mode (the default) honours every request or reports each conflicting set of requests and \
            exits with status 2. Best-effort mode always plans, honouring later requests first. Invalid input \
            exits with status 1.
            """
    )

    @OptionGroup var model: ModelOptions

    @Option(
        name: .long,
        help: ArgumentHelp("The ordered precision requests (YAML or JSON); - reads standard input.", valueName: "requests.yaml"))
    var requests: String

    @Flag(name: .long, help: "Never fail on conflicts: later requests win, earlier ones get the nearest dtype.")
    var bestEffort = false

    @Flag(name: .long, help: "Fail with exit status 2 when any request cannot be honoured (the default).")
    var strict = false

    @Flag(name: .long, help: "Prefer the plan with the fewest Convert ops (then as usual), right after the requests themselves.")
    var fewestConverts = false

    @Flag(
        name: .long,
        help:
            "Let the plan add an input quantizer (a convert) on an edge a request names, instead of changing what the edge reads; implies --fewest-converts."
    )
    var insertConverts = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory for plan.json, mmp_log.txt, sim.json and, with --onnx, overrides.json (created if missing).", valueName: "DIR"))
    var outDir: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write a Graphviz picture: the region around each conflict, or the quantizers that changed.", valueName: "FILE"))
    var dot: String?

    @Option(name: .long, help: ArgumentHelp("Also render that picture as SVG (needs Graphviz's dot on PATH).", valueName: "FILE"))
    var svg: String?

    func validate() throws {
        if strict && bestEffort { throw ValidationError("--strict and --best-effort exclude each other") }
        if outDir.isEmpty { throw ValidationError("--out-dir is empty: name the directory for the plan") }
        if dot == "" || svg == "" { throw ValidationError("--dot and --svg need a file name") }
    }

    func run() throws {
        model.noteDefaultConfig()
        var job = PlanJob(
            inputs: PlanInputs(source: model.source, requestsPath: requests),
            mode: bestEffort ? .bestEffort : .strict, outDir: outDir, dotPath: dot)
        job.svgPath = svg
        job.options.fewestConverts = fewestConverts
        job.options.insertConverts = insertConverts
        job.renderSVG = Graphviz.svg
        let plan: Plan
        var times = StageTimes()
        do {
            plan = try job.run(times: &times)
        } catch {
            printError(error.printable())
            throw ExitCode(1)
        }
        printWarnings(plan.problem.resolution)
        print(PlanSummary.render(plan, outDir: outDir, written: job.outputNames(for: plan)))
        if ProcessInfo.processInfo.environment["MMP_TIMINGS"] != nil { printError("stage times\n" + times.description) }
        if let dot { print("wrote \(dot)") }
        if let svg { print("wrote \(svg)") }
        if plan.status == .infeasible {
            printError("strict plan is infeasible")
            // A terminal is for the first few; the log holds them all.
            for (k, c) in plan.conflicts.prefix(PlanLog.conflictsShown).enumerated() {
                printError(PlanLog.summarize(c, number: k + 1, plan: plan))
            }
            let more = plan.conflicts.count - PlanLog.conflictsShown
            if more > 0 { printError("… and \(more) more conflict\(more == 1 ? "" : "s"), listed in the log") }
            printError("see \(outDir)/mmp_log.txt; --best-effort plans anyway with later requests winning")
        }
        // Everything is written: leave without tearing down a large plan object by object
        // (for a million quantizers that alone takes seconds).
        fflush(nil)
        Foundation.exit(plan.status == .infeasible ? 2 : 0)
    }
}
