import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// The Swift API shaped like AIMET's `MixedPrecisionConfigurator`.
@Suite struct ConfiguratorTests {
    @Test func recordsRequestsInOrderAndApplies() throws {
        let sim = try SimGraphFile.read(Array(Samples.sim.utf8))
        var mp = MixedPrecisionConfigurator(sim: sim)
        mp.setPrecision(module: "body", activation: .int16)
        mp.setPrecision(moduleType: "Linear", param: ["weight": .int4])
        mp.setPrecision(pattern: "hea*", activation: .int8)
        mp.setModelInputPrecision([.fp16])
        mp.setModelOutputPrecision(.int16)
        #expect(
            mp.requests == [
                .setPrecision(.module("body"), activation: .all(.int16), param: []),
                .setPrecision(.moduleType("Linear"), activation: nil, param: [.init("weight", .int4)]),
                .setPrecision(.pattern("hea*"), activation: .all(.int8), param: []),
                .setModelInputPrecision(.each([.fp16])),
                .setModelOutputPrecision(.all(.int16))
            ])
        // `body.relu` is transparent: it and `head` read one quantizer, conv's output.
        // Request 0 wants it int16 (via relu), request 2 int8 (via fc): a conflict.
        let strict = try mp.apply(strict: true)
        #expect(strict.status == .infeasible)
        #expect(strict.conflicts.map(\.requests) == [[0, 2]])
        let best = try mp.apply(strict: false)
        #expect(best.status == .ok)
        #expect(best.dtype("conv.in") == .fp16)  // request 3 overrides request 0 on that edge
        #expect(best.dtype("conv.out") == .int8)  // request 2 beats request 0
        #expect(best.dtype("fc.w") == .int4)
        #expect(best.dtype("fc.out") == .int16)  // request 4 overrides request 2's derived output
        #expect(best.outcomes.map(\.status) == [.notHonored, .honored, .honored, .honored, .honored])
    }

    @Test func kernelRulesFromAConfigFile() throws {
        let rules = try QuantSimConfigFile.read(
            Array(
                """
                {"defaults": {"supported_kernels": [
                   {"activation": {"bitwidth": 8, "dtype": "int"}, "param": {"bitwidth": 8, "dtype": "int"}},
                   {"activation": {"bitwidth": 16, "dtype": "float"}, "param": {"bitwidth": 16, "dtype": "float"}}]},
                 "op_type": {"Gemm": {"supported_kernels": [
                   {"activation": {"bitwidth": 16, "dtype": "float"}, "param": {"bitwidth": 16, "dtype": "float"}}]}}}
                """.utf8)
        ).kernelRules
        #expect(rules.defaults == [.init(activation: .int8, param: .int8), .init(activation: .fp16, param: .fp16)])
        #expect(rules.kernels(forType: "Gemm") == [.init(activation: .fp16, param: .fp16)])
        let sim = try SimGraphFile.read(Array(Samples.sim.utf8))
        var mp = MixedPrecisionConfigurator(sim: sim, kernelRules: rules)
        mp.setPrecision(module: "head", activation: .fp16)
        let plan = try mp.apply(strict: true)
        #expect(plan.status == .ok)
        #expect(plan.dtype("fc.w") == .fp16)  // the only fp16 kernel needs an fp16 weight
    }
}
