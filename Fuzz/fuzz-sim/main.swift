import FuzzDriver
import MixedPrecision

// One sim graph file, read as `mmp plan --sim` reads it, and when it is valid, planned
// with a request on every layer and on the model outputs. Any input must give a plan or
// an `MMPError`; a trap, a hang or a leak is a finding.
runFuzzer { bytes in
    guard let graph = try? SimGraphFile.read(Array(bytes)) else { return }
    let requests: [Request] = [
        .setPrecision(.module(""), activation: .all(.int16), param: [ParamPrecision("weight", .int4)]),
        .setModelOutputPrecision(.all(.int8))
    ]
    if let problem = try? PlanningProblem(graph: graph, requests: requests, rules: .none) {
        _ = try? Planner.plan(problem, mode: .bestEffort)
    }
}
