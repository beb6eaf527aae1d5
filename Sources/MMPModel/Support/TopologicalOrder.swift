import HeapModule

/// Kahn's algorithm, the one topological sort of the project: the sim graph's ops and an
/// ONNX file's nodes are both ordered by it.
package enum TopologicalOrder {
    /// Which ready node goes next.
    package enum Ties {
        /// The lowest-numbered ready node, from a heap: a list already in topological order
        /// keeps its order (O(n log n)).
        case earliestFirst
        /// The most recently readied node, from a stack: deterministic, O(n).
        case stack
    }

    /// The nodes `0..<indegree.count` in an order where every node comes after those
    /// feeding it; `successors(k, visit)` calls `visit` once per edge leaving `k`. Nil
    /// when a cycle leaves nodes unordered: their entries of `indegree` stay above zero.
    package static func kahn(indegree: inout [Int], ties: Ties, successors: (Int, (Int) -> Void) -> Void) -> [Int]? {
        var order: [Int] = []
        order.reserveCapacity(indegree.count)
        switch ties {
        case .earliestFirst:
            var ready = Heap(indegree.indices.filter { indegree[$0] == 0 })
            while let k = ready.popMin() {
                order.append(k)
                successors(k) { c in
                    indegree[c] -= 1
                    if indegree[c] == 0 { ready.insert(c) }
                }
            }
        case .stack:
            var ready = indegree.indices.filter { indegree[$0] == 0 }.reversed() as [Int]
            while let k = ready.popLast() {
                order.append(k)
                successors(k) { c in
                    indegree[c] -= 1
                    if indegree[c] == 0 { ready.append(c) }
                }
            }
        }
        return order.count == indegree.count ? order : nil
    }
}
