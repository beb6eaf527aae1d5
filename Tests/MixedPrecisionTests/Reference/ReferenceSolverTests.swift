import Testing
@testable import MixedPrecision

/// GLPK's lexicographic plans against brute force on a few hundred seeded random graphs:
/// same feasibility, same objective vector, in both modes; and every reported conflict
/// is minimal.
@Suite struct ReferenceSolverTests {
    static let seeds = Array(UInt64(1)...UInt64(400))

    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func glpkReachesTheBruteForceOptimum(_ mode: Plan.Mode) throws {
        var checked = 0, infeasible = 0, changed = 0
        for seed in Self.seeds {
            guard let c = RandomCase.make(seed: seed) else { continue }
            guard let problem = try? PlanningProblem(graph: c.graph, requests: c.requests, rules: c.rules) else { continue }
            let reference = BruteForceReference(problem)
            let plan = try Planner.plan(problem, mode: mode)
            let best = reference.optimum(mode: mode)
            checked += 1
            guard let best else {
                #expect(plan.status == .infeasible, "seed \(seed): brute force finds no feasible plan")
                infeasible += 1
                continue
            }
            #expect(plan.status == .ok, "seed \(seed): GLPK says infeasible, brute force finds \(best)")
            guard plan.status == .ok else { continue }
            let all = Set(problem.resolution.requests.indices)
            #expect(reference.feasible(plan.dtypes, strictRequests: mode == .strict ? all : nil), "seed \(seed): plan breaks a rule")
            #expect(reference.objective(plan.dtypes, mode: mode) == best, "seed \(seed): objective differs")
            // Settling parts by enumeration must give exactly GLPK's plan.
            let glpk = try Planner.plan(problem, mode: mode, options: .init(exhaustive: false))
            #expect(glpk.dtypes == plan.dtypes, "seed \(seed): enumeration and GLPK plans differ")
            if !plan.changed.isEmpty { changed += 1 }
        }
        // The generator must exercise the interesting cases, or this test proves little.
        #expect(checked >= 300)
        #expect(changed >= 100)
        if mode == .strict { #expect(infeasible >= 20) }
    }

    @Test func everyReportedConflictIsMinimal() throws {
        var conflicts = 0
        for seed in Self.seeds {
            guard let c = RandomCase.make(seed: seed),
                  let problem = try? PlanningProblem(graph: c.graph, requests: c.requests, rules: c.rules) else { continue }
            let plan = try Planner.plan(problem, mode: .strict)
            let reference = BruteForceReference(problem)
            for conflict in plan.conflicts {
                conflicts += 1
                let requests = Set(conflict.requests)
                let kernels = Set(problem.kernels.indices.filter { conflict.kernelOps.contains(problem.kernels[$0].op) })
                #expect(!reference.satisfiable(requests: requests, kernels: kernels), "seed \(seed): conflict is satisfiable")
                for r in requests {
                    #expect(reference.satisfiable(requests: requests.subtracting([r]), kernels: kernels),
                            "seed \(seed): request \(r) is not needed in the conflict")
                }
                for k in kernels {
                    #expect(reference.satisfiable(requests: requests, kernels: kernels.subtracting([k])),
                            "seed \(seed): kernel rule \(k) is not needed in the conflict")
                }
            }
        }
        #expect(conflicts >= 20)
    }
}
