import Benchmark
import Foundation
import MixedPrecision
import SyntheticModels

/// One benchmark per stage of `mmp plan` — read, resolve targets, build and solve the
/// programs, write the outputs — on a synthetic decoder stack at four sizes, best-effort,
/// with about one request per hundred quantizers (some of them conflicting). Inputs for
/// each stage are prepared outside the measured region.
let benchmarks: @Sendable () -> Void = {
    let sizes = [10_000, 100_000, 300_000, 1_000_000]
    for size in sizes {
        let model = SyntheticModel(shape: .decoder, quantizers: size)
        let simBytes = Array(model.simJSON().utf8)
        let requestsText = model.requestsYAML(count: max(10, size / 100), conflicts: true)
        let label = size >= 1_000_000 ? "\(size / 1_000_000)M" : "\(size / 1_000)k"
        let config = Benchmark.Configuration(
            metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds,
            maxDuration: .seconds(size >= 300_000 ? 60 : 10), maxIterations: size >= 300_000 ? 3 : 10)

        Benchmark("read \(label)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try SimGraphFile.read(simBytes))
                blackHole(try RequestFile.parse(requestsText))
            }
        }
        Benchmark("resolve \(label)", configuration: config) { benchmark in
            let graph = try SimGraphFile.read(simBytes)
            let requests = try RequestFile.parse(requestsText)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try PlanningProblem(graph: graph, requests: requests, rules: .none))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("build+solve \(label)", configuration: config) { benchmark in
            let problem = try PlanningProblem(graph: SimGraphFile.read(simBytes), requests: RequestFile.parse(requestsText), rules: .none)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try Planner.plan(problem, mode: .bestEffort))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("write \(label)", configuration: config) { benchmark in
            let file = try SimGraphFile.load(simBytes)
            let problem = try PlanningProblem(graph: file.graph, requests: RequestFile.parse(requestsText), rules: .none)
            let plan = try Planner.plan(problem, mode: .bestEffort)
            var times = StageTimes()
            let dir = NSTemporaryDirectory() + "mmp-bench-\(label)"
            let job = PlanJob(simPath: "/nonexistent/sim.json", requestsPath: "/nonexistent/requests.yaml", mode: .bestEffort, outDir: dir)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try job.write(plan, file: file, times: &times)
            }
            benchmark.stopMeasurement()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }
}
