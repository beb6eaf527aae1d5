import Testing

@testable import MMPModel
@testable import MixedPrecision

/// The typed ids of a graph: edges numbered in op order and found back from their
/// number, ids that range and index only their own kind of array.
@Suite struct GraphIDTests {
    /// Ops with no inputs (a constant) share where their inputs begin with the op after
    /// them: the edge must still be found on the op that holds it.
    @Test func everyEdgeIsFoundBackFromItsNumberAroundOpsWithoutInputs() throws {
        var g = GraphBuilder(inputs: ["x", "y"])
        let c0 = g.op("const0", type: "Constant", [], quantizeOutput: true)
        let a = g.op("a", type: "Add", ["x", c0], quantizeInputs: [0, 1])
        let c1 = g.op("const1", type: "Constant", [])
        let c2 = g.op("const2", type: "Constant", [])
        let b = g.op("b", type: "Concat", [a, c1, c2, "y"], quantizeInputs: [3])
        g.outputs = [g.op("last", type: "Relu", [b]), g.op("tail", type: "Constant", [])]
        let graph = try g.build()
        var numbered: [EdgeID] = []
        for op in graph.opIDs {
            for i in 0..<graph.inputCount(op: op) {
                let e = graph.edge(op: op, input: i)
                numbered.append(e)
                let back = graph.opAndInput(of: e)
                #expect(back.op == op && back.input == i, "edge \(e) is input \(i) of op \(graph.opName(op))")
            }
        }
        // Numbered from 0 in op order, then input order, without gaps.
        #expect(numbered == (0..<graph.edgeCount).map(EdgeID.init))
        #expect(graph.edgeCount == 7)
    }

    @Test func idsRangeOverTheirKindAndIndexOnlyTheirOwnArrays() throws {
        var g = GraphBuilder()
        let a = g.op("a", ["x"], quantizeInputs: [0], params: ["weight"])
        g.outputs = [g.op("b", [a])]
        let graph = try g.build()
        #expect(Array(graph.opIDs) == [OpID(0), OpID(1)])
        #expect(graph.quantizerIDs.count == graph.quantizerCount)
        // Each quantizer's dtype and name, by its id.
        for q in graph.quantizerIDs {
            #expect(graph.quantizerIndex[graph.quantizerName(q)] == q)
            #expect(graph.dtypes[q] == .int8)
        }
        var dtypes = graph.dtypes
        let w = try #require(graph.quantizerIndex["a.weight"])
        dtypes[w] = .int4
        #expect(dtypes.indices.filter { dtypes[$0] != graph.dtypes[$0] } == [w])
        // Ids print as the bare number, as messages always have.
        #expect("\(OpID(3)) \(QuantizerID(12)) \(TensorID(0)) \(EdgeID(7))" == "3 12 0 7")
        #expect(QuantizerID(4) + 2 == QuantizerID(6))
    }
}
