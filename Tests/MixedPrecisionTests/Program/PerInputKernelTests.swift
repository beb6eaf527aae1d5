import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Per-input kernels (contract §6): config entries whose `activation` lists one dtype per
/// input, entries naming `output`, and `Data/configs/htp_like_pairs.json`.
@Suite struct PerInputKernelTests {
    static let pairs = fixture("Data/configs/htp_like_pairs.json")

    static func rules() throws -> KernelRules {
        try QuantSimConfigFile.read(Files.read(pairs, as: .text)).kernelRules
    }

    /// x → q_proj and k_proj (Gemm) → qk (MatMul of the two projections).
    static func attention() throws -> SimGraph {
        var g = GraphBuilder()
        let q = g.op("q_proj", type: "Gemm", ["x"], quantizeInputs: [0], params: ["weight"])
        let k = g.op("k_proj", type: "Gemm", ["x"], params: ["weight"])
        g.outputs = [g.op("qk", type: "MatMul", [q, k])]
        return try g.build()
    }

    @Test func theConfigReadsPerInputListsNullsAndOutputs() throws {
        let rules = try Self.rules()
        let matmul = try #require(rules.perType["MatMul"])
        #expect(matmul.contains(.init(activation: .fp16, param: nil, inputs: [.fp16, .fp16])))
        #expect(!matmul.contains(where: { $0.inputs == [.fp16, .int8] || $0.inputs == [.int8, .fp16] }))
        let conv = try #require(rules.perType["Conv"])
        #expect(conv.allSatisfy { $0.output == $0.activation && $0.inputs == nil })
        let withNull = try QuantSimConfigFile.read(
            Array(#"{"defaults": {"supported_kernels": [{"activation": [null, {"bitwidth": 16, "dtype": "int"}]}]}}"#.utf8))
        #expect(withNull.kernelRules.defaults == [.init(activation: .int16, param: nil, inputs: [nil, .int16])])
    }

    @Test(arguments: [
        (
            #"[{"activation": [{"bitwidth": 8}, {"dtype": "int"}]}]"#,
            "defaults.supported_kernels[0].activation[1] needs an integer 'bitwidth'"
        ),
        (#"[{"activation": []}]"#, "defaults.supported_kernels[0].activation lists no input"),
        (
            #"[{"activation": {"bitwidth": 8}, "output": {"bitwidth": 3, "dtype": "float"}}]"#,
            "defaults.supported_kernels[0].output: unsupported kernel dtype float with bitwidth 3"
        )
    ])
    func badEntriesAreNamed(_ c: (String, String)) {
        #expect {
            _ = try QuantSimConfigFile.read(Array(#"{"defaults": {"supported_kernels": \#(c.0)}}"#.utf8))
        } throws: { error in
            "\(error)".contains(c.1)
        }
    }

    /// Asking the q side of the attention matmul at fp16 moves the k side to fp16 too, in
    /// both modes: the plan never runs fp16 × int8. GLPK's plan is the brute-force optimum.
    @Test(arguments: [Plan.Mode.strict, .bestEffort])
    func anAttentionMatMulNeverMixesFloatAndInteger(_ mode: Plan.Mode) throws {
        let graph = try Self.attention()
        let p = try plan(graph, "requests: [{set_precision: {module: qk, activation: [fp16, null]}}]", rules: Self.rules(), mode: mode)
        #expect(p.status == .ok)
        #expect(p.dtype("q_proj.out0") == .fp16 && p.dtype("k_proj.out0") == .fp16)
        let brute = try #require(BruteForceReference(p.problem, rules: Self.rules()))
        #expect(brute.objective(p.dtypes, mode: mode) == brute.optimum(mode: mode))
        #expect(brute.feasible(p.dtypes, strictRequests: nil))
        // Settling the part by enumeration (the kernel's choice picked per assignment)
        // gives GLPK's plan.
        let glpk = try Planner.plan(p.problem, mode: mode, options: .init(exhaustive: false))
        #expect(glpk.dtypes == p.dtypes)
    }

    @Test func askingBothSidesApartIsAKernelConflictNamingTheInputs() throws {
        let graph = try Self.attention()
        let p = try plan(graph, "requests: [{set_precision: {module: qk, activation: [fp16, int8]}}]", rules: Self.rules())
        #expect(p.status == .infeasible)
        #expect(p.conflicts.count == 1 && p.conflicts[0].kind == .kernel)
        let line = PlanLog.summarize(p.conflicts[0], number: 1, plan: p)
        #expect(line.contains("op 'qk' (MatMul) would run (fp16 × int8; weight -"), "\(line)")
        #expect(line.contains("(fp16 × fp16; weight -)"))
        // Best-effort keeps the rule: an integer pair nearest to what was asked.
        let b = try plan(
            graph, "requests: [{set_precision: {module: qk, activation: [fp16, int8]}}]", rules: Self.rules(), mode: .bestEffort)
        #expect(b.status == .ok && b.dtype("k_proj.out0") == .int8 && b.dtype("q_proj.out0")?.kind == .int)
    }

    /// A Conv writes the bitwidth it reads: reading int16 makes its output int16, though
    /// nobody asked for the output.
    @Test func aConvWritesTheBitwidthItReads() throws {
        var g = GraphBuilder()
        let c = g.op("conv", type: "Conv", ["x"], quantizeInputs: [0], params: ["weight"])
        g.outputs = [g.op("head", type: "Gemm", [c], params: ["weight"])]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: conv, activation: int16}}]", rules: Self.rules())
        #expect(p.status == .ok)
        #expect(p.dtype("conv.in0") == .int16 && p.dtype("conv.out0") == .int16)
        #expect(p.ruleReasons(for: p.graph.quantizerIndex["conv.out0"] ?? -1).contains { $0.contains("conv") })
    }
}
