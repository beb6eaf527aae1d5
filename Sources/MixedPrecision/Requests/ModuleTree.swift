/// Every module path of a graph — each op's module paths and all their ancestors — as a
/// tree, built once with one entry per distinct path, so that "every op under `M`" costs
/// the size of the answer, not of the graph.
///
/// A large model has a path per op: children and each node's own ops are linked lists in
/// flat arrays rather than an array per node, so building the tree allocates nothing per
/// path beyond its dictionary entry.
struct ModuleTree: Sendable {
    /// Node of each path; node 0 is the root `""`.
    private(set) var node: [String: Int] = ["": 0]
    private(set) var paths: [String] = [""]
    /// First child of each node and next sibling of each node; -1 ends a list.
    private var firstChild: [Int] = [-1]
    private var nextSibling: [Int] = [-1]
    /// Ops whose module path is exactly the node's path: the last one added per node, and
    /// per entry its op and the entry added before it.
    private var lastOwn: [Int] = [-1]
    private var ownOp: [Int] = []
    private var previousOwn: [Int] = []

    init(_ graph: SimGraph) {
        // Most ops have a path of their own: room for that many nodes, and their parents.
        let expected = graph.ops.count + graph.ops.count / 4 + 16
        node.reserveCapacity(expected)
        paths.reserveCapacity(expected)
        firstChild.reserveCapacity(expected)
        nextSibling.reserveCapacity(expected)
        lastOwn.reserveCapacity(expected)
        ownOp.reserveCapacity(graph.ops.count)
        previousOwn.reserveCapacity(graph.ops.count)
        // Only the module lists are touched (not whole ops): another thread reads the ops too.
        for k in graph.ops.indices {
            for m in graph.ops[k].modules {
                let n = intern(m)
                if lastOwn[n] >= 0, ownOp[lastOwn[n]] == k { continue }
                ownOp.append(k)
                previousOwn.append(lastOwn[n])
                lastOwn[n] = ownOp.count - 1
            }
        }
    }

    /// The parent last looked up: ops come in model order, so siblings follow each other
    /// and most parents are found without hashing.
    private var lastParent: (path: String, node: Int) = ("", 0)

    private mutating func intern(_ path: String) -> Int {
        if path.isEmpty { return 0 }
        let parentPath = path.utf8.lastIndex(of: UInt8(ascii: ".")).map { path[..<$0] } ?? ""
        let parent: Int
        if parentPath == lastParent.path {
            parent = lastParent.node
        } else {
            let p = String(parentPath)
            parent = intern(p)
            lastParent = (p, parent)
        }
        // Most paths are new: one hash to insert; a known one is put back as it was.
        let n = paths.count
        if let old = node.updateValue(n, forKey: path) {
            node[path] = old
            return old
        }
        paths.append(path)
        firstChild.append(-1)
        nextSibling.append(firstChild[parent])
        firstChild[parent] = n
        lastOwn.append(-1)
        return n
    }

    /// Every module path, for patterns and suggestions: the root `""` only when some op
    /// sits there itself (a pattern never stands for the whole model; `module: ""` does).
    var namedPaths: ArraySlice<String> { lastOwn[0] < 0 ? paths.dropFirst() : paths[...] }

    /// Whether `path` is a module path of the graph (or `""`).
    func contains(_ path: String) -> Bool { node[path] != nil }

    /// The ops whose module path is exactly `path`, in graph order.
    func ownOps(of path: String) -> [Int] {
        guard let n = node[path] else { return [] }
        var out: [Int] = []
        appendOwn(of: n, to: &out)
        return out.reversed()
    }

    private func appendOwn(of n: Int, to out: inout [Int]) {
        var e = lastOwn[n]
        while e >= 0 {
            out.append(ownOp[e])
            e = previousOwn[e]
        }
    }

    /// The ops at `path` or under it, in graph order; nil for an unknown path.
    func ops(under path: String) -> [Int]? {
        guard let start = node[path] else { return nil }
        var out: [Int] = []
        var stack = [start]
        while let n = stack.popLast() {
            appendOwn(of: n, to: &out)
            var c = firstChild[n]
            while c >= 0 {
                stack.append(c)
                c = nextSibling[c]
            }
        }
        out.sortAndRemoveDuplicates()
        return out
    }
}
