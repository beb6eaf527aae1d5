import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// GLPK's lexicographic plans against brute force on a few hundred seeded random graphs:
/// same feasibility, same objective vector, in both modes; and every reported conflict
/// is minimal.
@Suite struct ReferenceSolverTests {
    static let seeds = Array(UInt64(1)...UInt64(1000))

    /// The planning problem of a seed and its brute-force reference, when the seed makes a
    /// graph whose requests resolve; the planner and the reference must agree on whether
    /// they do.
    static func problem(seed: UInt64) -> (PlanningProblem, BruteForceReference)? {
        guard let c = RandomCase.make(seed: seed) else { return nil }
        let problem: PlanningProblem
        do {
            problem = try PlanningProblem(graph: c.graph, requests: c.requests, rules: c.rules)
        } catch {
            #expect(
                ReferenceTargets(graph: c.graph, requests: c.requests) == nil, "seed \(seed): mmp refuses (\(error)), the contract resolves"
            )
            return nil
        }
        guard let reference = BruteForceReference(problem, rules: c.rules) else {
            Issue.record("seed \(seed): mmp resolves, the contract refuses")
            return nil
        }
        return (problem, reference)
    }

    @Test func targetsAndHomogeneityFollowTheContract() throws {
        var fused = 0, behindDataMovement = 0, spelled = 0, checked = 0
        for seed in Self.seeds {
            guard let (problem, brute) = Self.problem(seed: seed) else { continue }
            checked += 1
            let reference = brute.reference
            let mine = problem.resolution.targets.map {
                ReferenceTargets.Target(
                    origin: $0.origin, quantizers: $0.quantizers, dtype: $0.dtype, explicit: $0.tier == .explicit, request: $0.request)
            }
            #expect(
                Set(mine) == Set(reference.targets) && mine.count == reference.targets.count,
                "seed \(seed): targets \(mine) where the contract gives \(reference.targets)")
            #expect(
                Set(problem.homogeneity.map { ReferenceTargets.Group(op: $0.op, quantizers: $0.quantizers) }) == Set(reference.groups),
                "seed \(seed): homogeneity groups differ")
            let graph = problem.graph
            for t in reference.targets {
                if !t.explicit, case .output(let k, let j) = t.origin, graph.outputSlots[k][j] == nil { fused += 1 }
                if case .setModelInputPrecision = problem.resolution.requests[t.request], case .edge(let k, let i) = t.origin,
                    !graph.inputs.contains(graph.ops[k].inputs[i])
                {
                    behindDataMovement += 1
                }
            }
            if !problem.resolution.inputsAsSpelled.isEmpty { spelled += 1 }
        }
        // The generator must reach what the contract's new rules speak about.
        #expect(checked >= 600)
        #expect(fused >= 20)
        #expect(behindDataMovement >= 15)
        #expect(spelled >= 30)
    }

    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func glpkReachesTheBruteForceOptimum(_ mode: Plan.Mode) throws {
        var checked = 0, infeasible = 0, changed = 0
        for seed in Self.seeds {
            guard let (problem, reference) = Self.problem(seed: seed) else { continue }
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

    /// The converts a plan reports are §11's direct count, for the plan and for the given
    /// sim, in both modes — on graphs with inner input quantizers, fused groups and mixed reads.
    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func convertsAreTheContractsCount(_ mode: Plan.Mode) throws {
        var checked = 0, withConverts = 0, mixed = 0, requantized = 0
        for seed in Self.seeds {
            guard let (problem, brute) = Self.problem(seed: seed) else { continue }
            let plan = try Planner.plan(problem, mode: mode)
            checked += 1
            #expect(plan.converts.count == brute.reference.converts(plan.dtypes), "seed \(seed): \(plan.converts.items)")
            #expect(plan.givenConverts.count == brute.reference.converts(plan.previous), "seed \(seed): given")
            let moved = plan.converts.items.reduce(0) { $0 + ($1.elements ?? 0) }
            #expect(moved == brute.reference.convertElements(plan.dtypes), "seed \(seed): elements \(plan.converts.items)")
            if plan.converts.count > 0 { withConverts += 1 }
            mixed += plan.converts.items.filter { $0.kind == .mixedRead }.count
            requantized += plan.converts.items.filter { $0.kind == .requantize }.count
        }
        #expect(
            checked >= 500 && withConverts >= 20 && mixed >= 20 && requantized >= 20,
            "\(checked) cases, \(withConverts) with converts, \(mixed) mixed reads, \(requantized) requantize edges")
    }

    /// `--fewest-converts`: GLPK reaches the brute-force optimum with the convert tier right
    /// after the requests' tiers, in both modes, and the plan's converts are that tier.
    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func fewestConvertsReachesTheBruteForceOptimum(_ mode: Plan.Mode) throws {
        var checked = 0, fewer = 0
        for seed in Self.seeds {
            guard let (problem, reference) = Self.problem(seed: seed) else { continue }
            let plan = try Planner.plan(problem, mode: mode, options: .init(fewestConverts: true))
            guard let best = reference.optimum(mode: mode, fewestConverts: true) else {
                #expect(plan.status == .infeasible, "seed \(seed): brute force finds no feasible plan")
                continue
            }
            checked += 1
            #expect(plan.status == .ok, "seed \(seed)")
            guard plan.status == .ok else { continue }
            #expect(reference.objective(plan.dtypes, mode: mode, fewestConverts: true) == best, "seed \(seed): objective differs")
            // Settling parts by enumeration (converts counted from the dtypes) gives exactly GLPK's plan.
            let glpk = try Planner.plan(problem, mode: mode, options: .init(exhaustive: false, fewestConverts: true))
            #expect(glpk.dtypes == plan.dtypes, "seed \(seed): enumeration and GLPK plans differ")
            let plain = try Planner.plan(problem, mode: mode)
            if plan.converts.count < plain.converts.count { fewer += 1 }
        }
        #expect(checked >= 300 && fewer >= 10, "\(checked) checked, \(fewer) with fewer converts than without the tier")
    }

    /// `--insert-converts`: on the graph the contract's words widen — a candidate input
    /// quantizer on each edge an explicit target names whose slot is empty and whose
    /// tensor is quantized, starting at the dtype of the first quantizer it reads — GLPK's
    /// plan reaches the brute-force optimum of every tier (converts right after the
    /// requests), in both modes; what it did not insert reads as it would have.
    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func insertConvertsReachesTheBruteForceOptimum(_ mode: Plan.Mode) throws {
        var checked = 0, inserted = 0, rescued = 0
        for seed in Self.seeds {
            guard let c = RandomCase.make(seed: seed), let (problem, _) = Self.problem(seed: seed),
                let base = ReferenceTargets(graph: c.graph, requests: c.requests)
            else { continue }
            let graph = c.graph
            var edges: [[Int]] = []
            for t in base.targets where t.explicit {
                guard case let .edge(k, i) = t.origin, graph.ops[k].inputQuantizers[i] == nil,
                    !base.eff(tensor: graph.ops[k].inputs[i]).isEmpty, !edges.contains([k.rawValue, i])
                else { continue }
                edges.append([k.rawValue, i])
            }
            edges.sort { $0.lexicographicallyPrecedes($1) }
            var ops = Array(graph.ops), quantizers = Array(graph.quantizers)
            for (n, e) in edges.enumerated() {
                ops[e[0]].inputQuantizers[e[1]] = "candidate\(n)"
                quantizers.append(
                    .init(name: "candidate\(n)", dtype: graph.quantizers[base.eff(tensor: ops[e[0]].inputs[e[1]])[0]].dtype))
            }
            let widenedGraph = try SimGraph(
                model: "widened", inputs: graph.inputs, outputs: graph.outputs, ops: ops, quantizers: quantizers,
                tensorShapes: graph.tensorShapes)
            let widened = try PlanningProblem(graph: widenedGraph, requests: c.requests, rules: c.rules)
            guard let reference = BruteForceReference(widened, rules: c.rules), reference.assignmentCount <= 200_000 else { continue }
            let first = QuantizerID(graph.quantizerCount)
            let plan = try Planner.plan(problem, mode: mode, options: .init(insertConverts: true))
            checked += 1
            guard let best = reference.optimum(mode: mode, fewestConverts: true, firstCandidate: first) else {
                #expect(plan.status == .infeasible, "seed \(seed): brute force finds no feasible plan")
                continue
            }
            #expect(plan.status == .ok, "seed \(seed): GLPK says infeasible, brute force finds \(best)")
            guard plan.status == .ok else { continue }
            // The plan on the widened graph: an inserted quantizer's dtype where it inserted
            // one, else what the edge reads (in order, as candidates may read candidates).
            var a: [DType?] = Array(plan.dtypes.elements[..<first.rawValue]) + edges.map { _ in nil }
            for (k, added) in plan.inserted.enumerated() {
                guard let n = edges.firstIndex(of: [added.op.rawValue, added.input]) else {
                    Issue.record("seed \(seed): inserted on an edge the contract does not offer")
                    continue
                }
                a[first.rawValue + n] = plan.dtypes[first + k]
            }
            let widenedReference = reference.reference
            for _ in edges {
                for (n, e) in edges.enumerated() where a[first.rawValue + n] == nil {
                    a[first.rawValue + n] = widenedReference.eff(tensor: ops[e[0]].inputs[e[1]]).lazy.compactMap { a[$0.rawValue] }.first
                }
            }
            let assignment = IDArray<QuantizerID, DType>(a.compactMap { $0 })
            guard assignment.count == a.count else {
                Issue.record("seed \(seed): a candidate reads nothing assigned")
                continue
            }
            #expect(
                reference.objective(assignment, mode: mode, fewestConverts: true, firstCandidate: first) == best,
                "seed \(seed): objective differs")
            #expect(plan.converts.count == widenedReference.converts(assignment), "seed \(seed): converts differ")
            if !plan.inserted.isEmpty { inserted += 1 }
            if mode == .strict, try Planner.plan(problem, mode: mode).status == .infeasible { rescued += 1 }
        }
        #expect(
            checked >= 300 && inserted >= 20 && (mode == .bestEffort || rescued >= 10),
            "\(checked) checked, \(inserted) with inserted converts, \(rescued) strict plans rescued")
    }

    @Test func everyReportedConflictIsMinimal() throws {
        var conflicts = 0
        for seed in Self.seeds {
            guard let (problem, reference) = Self.problem(seed: seed) else { continue }
            let plan = try Planner.plan(problem, mode: .strict)
            for conflict in plan.conflicts {
                conflicts += 1
                let requests = Set(conflict.requests)
                let kernels = Set(problem.kernels.indices.filter { conflict.kernelOps.contains(problem.kernels[$0].op) })
                #expect(!reference.satisfiable(requests: requests, kernels: kernels), "seed \(seed): conflict is satisfiable")
                for r in requests {
                    #expect(
                        reference.satisfiable(requests: requests.subtracting([r]), kernels: kernels),
                        "seed \(seed): request \(r) is not needed in the conflict")
                }
                for k in kernels {
                    #expect(
                        reference.satisfiable(requests: requests, kernels: kernels.subtracting([k])),
                        "seed \(seed): kernel rule \(k) is not needed in the conflict")
                }
            }
        }
        #expect(conflicts >= 20)
    }
}
