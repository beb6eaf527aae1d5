import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Which layers a request selects (contract §1, §3): leaf, non-leaf, whole model, type,
/// pattern; and the errors for paths that do not exist.
@Suite struct SelectorTests {
    /// x → block.conv1 → block.conv2 → block2.conv → y
    func blocks() throws -> SimGraph {
        var g = GraphBuilder()
        let a = g.op("a", module: "block.conv1", ["x"], quantizeInputs: [0], params: ["weight"])
        let b = g.op("b", module: "block.conv2", [a], params: ["weight"])
        let c = g.op("c", module: "block2.conv", [b], params: ["weight"])
        g.outputs = [c]
        return try g.build()
    }

    @Test func leafLayerSetsItsInputThroughTransparentOpsAndItsWeight() throws {
        var g = GraphBuilder()
        let c1 = g.op("conv1", ["x"], quantizeInputs: [0], params: ["weight"])
        let r = g.op("relu", type: "Relu", [c1], quantizeOutput: false)
        let c2 = g.op("conv2", [r], params: ["weight"])
        g.outputs = [c2]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: conv2, activation: int16, param: {weight: int16}}}]")
        #expect(p.status == .ok)
        // conv1's output quantizer is what conv2 reads; conv2's output is a model output.
        #expect(p.changedNames == ["conv1.out0", "conv2.out0", "conv2.weight"])
        #expect(p.outcomes[0].status == .honored)
    }

    @Test func nonLeafLayerSelectsEveryOpUnderItButNotSiblingsWithACommonPrefix() throws {
        let p = try plan(try blocks(), "requests: [{set_precision: {module: block, param: {weight: int4}}}]")
        #expect(p.changedNames == ["a.weight", "b.weight"])
        #expect(p.problem.resolution.selectedOps[0] == [0, 1])
    }

    @Test func emptyModulePathIsTheWholeModel() throws {
        let p = try plan(try blocks(), #"requests: [{set_precision: {module: "", activation: int16}}]"#)
        #expect(p.changedNames == ["a.in0", "a.out0", "b.out0", "c.out0"])
    }

    @Test(arguments: ["AvgPool2d", "torch.nn.modules.pooling.AvgPool2d", "AveragePool"])
    func typeRequestMatchesClassLastComponentFullClassOrOpType(_ type: String) throws {
        var g = GraphBuilder()
        let c = g.op("conv", ["x"], quantizeInputs: [0])
        let p1 = g.op("pool", type: "AveragePool", className: "torch.nn.modules.pooling.AvgPool2d", [c])
        g.outputs = [p1]
        let p = try plan(try g.build(), "requests: [{set_precision: {module_type: \(type), activation: int16}}]")
        #expect(p.problem.resolution.selectedOps[0] == [1])
        #expect(p.dtype("conv.out0") == .int16)
    }

    @Test func typeRequestThatMatchesNothingIsReportedNotAnError() throws {
        let p = try plan(try blocks(), "requests: [{set_precision: {module_type: MaxPool2d, activation: int16}}]")
        #expect(p.status == .ok)
        #expect(p.outcomes[0].status == .selectedNothing)
        #expect(p.changed.isEmpty)
    }

    @Test func patternGlobsWithinAndAcrossComponents() throws {
        var g = GraphBuilder()
        var t = "x"
        for (k, m) in ["blocks.0.fc1", "blocks.0.fc2", "blocks.1.fc2", "blocks.1.sub.fc2"].enumerated() {
            t = g.op("op\(k)", type: "Gemm", module: m, [t], quantizeInputs: k == 0 ? [0] : [], params: ["weight"])
        }
        g.outputs = [t]
        let graph = try g.build()
        let one = try plan(graph, #"requests: [{set_precision: {pattern: "blocks.*.fc2", param: {weight: int4}}}]"#)
        #expect(one.changedNames == ["op1.weight", "op2.weight"])
        let any = try plan(graph, #"requests: [{set_precision: {pattern: "blocks.**.fc2", param: {weight: int4}}}]"#)
        #expect(any.changedNames == ["op1.weight", "op2.weight", "op3.weight"])
        let none = try plan(graph, #"requests: [{set_precision: {pattern: "heads.*", param: {weight: int4}}}]"#)
        #expect(none.outcomes[0].status == .selectedNothing)
    }

    @Test func unknownModulePathIsAnErrorThatSuggestsTheClosestPaths() throws {
        #expect {
            _ = try plan(try blocks(), "requests: [{set_precision: {module: block.conv, activation: int16}}]")
        } throws: { error in
            let text = "\(error)"
            return text.contains("unknown module path 'block.conv'") && text.contains("'block.conv1'")
        }
    }

    /// A list of module paths is one request over their union: how the AIMET bridge sends
    /// a framework class, resolved by `isinstance` in the sim.
    @Test func moduleListSelectsTheUnionAsOneRequest() throws {
        let p = try plan(try blocks(), "requests: [{set_precision: {module: [block2.conv, block.conv1, block2], param: {weight: int4}}}]")
        #expect(p.problem.resolution.selectedOps[0] == [0, 2])
        #expect(p.changedNames == ["a.weight", "c.weight"])
        #expect(p.outcomes.count == 1 && p.outcomes[0].status == .honored)
    }

    @Test func moduleListWithAnUnknownPathIsAnErrorAndAnEmptyListSelectsNothing() throws {
        #expect {
            _ = try plan(try blocks(), "requests: [{set_precision: {module: [block.conv1, blok2], activation: int16}}]")
        } throws: { error in
            "\(error)".contains("unknown module path 'blok2'") && "\(error)".contains("'block2'")
        }
        #expect {
            _ = try plan(try blocks(), "requests: [{set_precision: {module: [block.conv1, {x: 1}], activation: int16}}]")
        } throws: { error in
            "\(error)".contains("requests[0].set_precision.module[1]")
        }
        let none = try plan(try blocks(), "requests: [{set_precision: {module: [], activation: int16}}]")
        #expect(none.outcomes[0].status == .selectedNothing)
        #expect(none.changed.isEmpty)
    }

    @Test func opBelongingToSeveralModulesIsSelectedByAnyOfThem() throws {
        var g = GraphBuilder()
        let c = g.op("conv_bn", modules: ["features.0", "features.1"], ["x"], quantizeInputs: [0], params: ["weight"])
        g.outputs = [c]
        let p = try plan(try g.build(), "requests: [{set_precision: {module: features.1, param: {weight: int16}}}]")
        #expect(p.changedNames == ["conv_bn.weight"])
    }

    @Test func globMatcher() {
        func m(_ p: String, _ s: String) -> Bool { LayerSelection.glob(Array(p.utf8), matches: Array(s.utf8)) }
        #expect(m("a.*.c", "a.b.c"))
        #expect(!m("a.*.c", "a.b.x.c"))
        #expect(m("a.**.c", "a.b.x.c"))
        #expect(m("a.**", "a.b"))
        #expect(m("*", "abc"))
        #expect(!m("*", "a.b"))
        #expect(m("fc*", "fc2"))
        #expect(m("a.**.c", "a.c"))
        #expect(m("**.c", "c"))
        #expect(m("**.c", "a.b.c"))
        #expect(!m("a.**.c", "ac"))
        #expect(!m("a.**.c", "a.xc"))
        #expect(m("a.**", "a.b.c"))
        #expect(m("attn.[qkv]_proj", "attn.k_proj"))
        #expect(!m("attn.[qkv]_proj", "attn.o_proj"))
    }

    /// The edit distance's early stop (a whole row past the limit) never changes an answer:
    /// every pair of short strings, at every limit, against the full table.
    @Test func editDistanceStopsEarlyOnlyWhenPastTheLimit() {
        func full(_ a: [UInt8], _ b: [UInt8]) -> Int {
            var d = (0...a.count).map { i in (0...b.count).map { j in i == 0 ? j : j == 0 ? i : 0 } }
            for i in stride(from: 1, through: a.count, by: 1) {
                for j in stride(from: 1, through: b.count, by: 1) {
                    d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
            }
            return d[a.count][b.count]
        }
        var words = [""]
        for _ in 0..<4 { words += words.filter { $0.count == words.last!.count }.flatMap { w in ["a", "b", "."].map { w + $0 } } }
        for a in words {
            for b in words {
                let (x, y) = (Array(a.utf8), Array(b.utf8)), d = full(x, y)
                for limit in 0...4 {
                    #expect(LayerSelection.editDistance(x, y, limit: limit) == (d <= limit ? d : nil), "'\(a)' '\(b)' within \(limit)")
                }
            }
        }
    }

    /// The literal-prefix, literal-suffix and dot-count rejects never change an answer:
    /// every short pattern against every short path, with and without them.
    @Test func globQuickRejectsAgreeWithTheFullMatch() {
        func all(_ parts: [String], upTo n: Int) -> [String] {
            var out = [""], last = [""]
            for _ in 0..<n {
                last = last.flatMap { s in parts.map { s + $0 } }
                out += last
            }
            return out
        }
        let patterns = all(["a", ".", "*", "**", "[ab]"], upTo: 4)
        let paths = all(["a", "b", "."], upTo: 5)
        var matched = 0
        for p in patterns {
            let glob = Glob(p)
            for s in paths {
                let full = glob.matches(s, quickRejects: false)
                #expect(glob.matches(s) == full, "'\(p)' against '\(s)'")
                if full { matched += 1 }
                // Every match lies under the pattern's scope: a pattern's selection walks only there.
                if full, let scope = glob.scope { #expect(s.hasPrefix(scope + "."), "'\(p)' matches '\(s)' outside '\(scope)'") }
            }
        }
        #expect(matched > 1000)
    }

    /// The module tree keeps a path spelt like an op's own name beside that op, and every
    /// other path in a dictionary. Whatever order paths are met in — as a parent first, as
    /// an op's own name first, as another op's module — selections must equal plain prefix
    /// matching over every op's modules.
    @Test func moduleSelectionsEqualPrefixMatchingWhateverOrderPathsAreMetIn() throws {
        var g = GraphBuilder()
        var t = "x"
        // (op name, its modules)
        let ops: [(String, [String])] = [
            ("a.b", ["a.b"]), ("a", ["a"]),  // a parent met before its own op
            ("c", ["c"]), ("c.d", ["c.d"]),  // an op met before its children
            ("f.g", ["x.y"]), ("e", ["f.g"]),  // a path spelt like another op's name
            ("h", ["h", "k.h"]), ("h.i", ["h.i"]),  // several modules
            ("m", ["n"]), ("n.o", ["n.o"]), ("n", ["m"]),  // names and modules crossing
            ("root-op", [""])  // an op at the root
        ]
        for (name, modules) in ops { t = g.op(name, modules: modules, [t], quantizeInputs: t == "x" ? [0] : []) }
        g.outputs = [t]
        let graph = try g.build()
        var selection = LayerSelection(graph)
        func expected(under p: String) -> [OpID] {
            graph.ops.indices.filter { k in graph.ops[k].modules.contains { p.isEmpty || $0 == p || $0.hasPrefix(p + ".") } }
        }
        for p in graph.modulePaths where !p.isEmpty {
            #expect(try selection.ops(for: .module(p)) == expected(under: p), "module \(p)")
        }
        for p in ["a.b.c", "z", "f", "c.d.e"] where !graph.modulePaths.contains(p) {
            #expect(throws: MMPError.self) { try selection.ops(for: .module(p)) }
        }
        for pattern in ["*", "a*", "*.h", "n*", "f.g", "c.*", "a.*", "n.o", "c.d*", "h.**", "k.*", "x.y", "a.**.b", "zz.*", "f.g.*"] {
            let glob = Glob(pattern)
            let matched = graph.modulePaths.filter { glob.matches($0) }
            let union = Set(
                matched.flatMap { $0.isEmpty ? graph.ops.indices.filter { graph.ops[$0].modules.contains("") } : expected(under: $0) })
            #expect(try selection.ops(for: .pattern(pattern)) == union.sorted(), "pattern \(pattern)")
        }
    }
}
