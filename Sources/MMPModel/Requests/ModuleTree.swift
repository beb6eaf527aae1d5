/// Every module path of a graph — each op's module paths and all their ancestors — as a
/// tree, built once with one entry per distinct path, so that "every op under `M`" costs
/// the size of the answer, not of the graph.
///
/// A large model has a path per op: children and each node's own ops are linked lists in
/// flat arrays rather than an array per node, so building the tree allocates nothing per
/// path. And most ops' module path is their own name, which the graph has already
/// indexed: such a path's node is kept beside its op, and only the other paths (mostly
/// parents, met once per run of siblings) are hashed.
package struct ModuleTree: Sendable {
    /// The graph's names, to find a path among them.
    private let names: NameTable
    /// Node of each name that is a module path of some op (-1 for other names, or before
    /// it is met): an op's paths are found by number, without hashing.
    private var nodeOfName: [Int]
    /// Node of each other path (ancestors no op lists); node 0 is the root `""`.
    private var named: [String: Int] = ["": 0]
    private(set) var paths: [String] = [""]
    /// First child of each node and next sibling of each node; -1 ends a list.
    private var firstChild: [Int] = [-1]
    private var nextSibling: [Int] = [-1]
    /// Ops whose module path is exactly the node's path: the last one added per node, and
    /// per entry its op and the entry added before it.
    private var lastOwn: [Int] = [-1]
    private var ownOp: [OpID] = []
    private var previousOwn: [Int] = []

    package init(_ graph: SimGraph) {
        names = graph.names
        nodeOfName = Array(repeating: -1, count: graph.names.count)
        // Most ops have a path of their own: room for that many nodes, and their parents.
        let expected = graph.opCount + graph.opCount / 4 + 16
        named.reserveCapacity(graph.opCount / 4 + 16)
        paths.reserveCapacity(expected)
        firstChild.reserveCapacity(expected)
        nextSibling.reserveCapacity(expected)
        lastOwn.reserveCapacity(expected)
        ownOp.reserveCapacity(graph.opCount)
        previousOwn.reserveCapacity(graph.opCount)
        for k in graph.opIDs {
            for m in graph.moduleNames(op: k) {
                let n = intern(m)
                if lastOwn[n] >= 0, ownOp[lastOwn[n]] == k { continue }
                ownOp.append(k)
                previousOwn.append(lastOwn[n])
                lastOwn[n] = ownOp.count - 1
            }
        }
    }

    /// The node of `path`, if it is a module path of the graph (or `""`).
    private func node(_ path: String) -> Int? {
        if let id = names.find(path), nodeOfName[id.rawValue] >= 0 { return nodeOfName[id.rawValue] }
        return named[path]
    }

    /// The parent last looked up: ops come in model order, so siblings follow each other
    /// and most parents are found without hashing.
    private var lastParent: (path: String, node: Int) = ("", 0)

    /// The node of an op's module path `id`, made if new. (A path met before as another
    /// path's ancestor was noted under its name number then, if it has one.)
    private mutating func intern(_ id: NameID) -> Int {
        if nodeOfName[id.rawValue] >= 0 { return nodeOfName[id.rawValue] }
        let path = names[id]
        let n = path.isEmpty ? 0 : add(path)
        nodeOfName[id.rawValue] = n
        return n
    }

    /// The node of `path` (an ancestor of a module path), made if new: under its name
    /// number when it is one of the graph's names, else by its spelling.
    private mutating func intern(_ path: String) -> Int {
        if path.isEmpty { return 0 }
        if let id = names.find(path) {
            if nodeOfName[id.rawValue] < 0 { nodeOfName[id.rawValue] = add(path) }
            return nodeOfName[id.rawValue]
        }
        if let n = named[path] { return n }
        let n = add(path)
        named[path] = n
        return n
    }

    /// A new node for `path`, under its parent.
    private mutating func add(_ path: String) -> Int {
        let parentPath = ModulePath.parent(of: path) ?? ""
        let parent: Int
        if parentPath == lastParent.path {
            parent = lastParent.node
        } else {
            let p = String(parentPath)
            parent = intern(p)
            lastParent = (p, parent)
        }
        let n = paths.count
        paths.append(path)
        firstChild.append(-1)
        nextSibling.append(firstChild[parent])
        firstChild[parent] = n
        lastOwn.append(-1)
        return n
    }

    /// Every module path, for patterns and suggestions: the root `""` only when some op
    /// sits there itself (a pattern never stands for the whole model; `module: ""` does).
    package var namedPaths: ArraySlice<String> { lastOwn[0] < 0 ? paths.dropFirst() : paths[...] }

    private func appendOwn(of n: Int, to out: inout [OpID]) {
        var e = lastOwn[n]
        while e >= 0 {
            out.append(ownOp[e])
            e = previousOwn[e]
        }
    }

    /// The ops at `path` or under it, in graph order; nil for an unknown path.
    package func ops(under path: String) -> [OpID]? {
        guard let start = node(path) else { return nil }
        var out: [OpID] = []
        appendOps(under: start, to: &out)
        out.sortAndRemoveDuplicates()
        return out
    }

    /// The ops, in graph order, at or under every named path `matches` accepts — except
    /// that the root (when it holds ops itself) adds only its own ops, not everything.
    /// One pass over the paths, one sort at the end: a pattern may match a path per layer.
    /// With `scope` (a path every match is known to lie under, see `Glob.scope`), the pass
    /// covers that path's subtree only.
    package func ops(underPathsWhere matches: (String) -> Bool, within scope: String? = nil) -> [OpID] {
        var out: [OpID] = []
        if lastOwn[0] >= 0, matches("") { appendOwn(of: 0, to: &out) }
        var stack: [Int] = []
        if let scope {
            var pending: [Int] = node(scope).map { [$0] } ?? []
            while let n = pending.popLast() {
                if n != 0, matches(paths[n]) { appendOps(under: n, to: &out, stack: &stack) }
                var c = firstChild[n]
                while c >= 0 {
                    pending.append(c)
                    c = nextSibling[c]
                }
            }
        } else {
            for n in paths.indices.dropFirst() where matches(paths[n]) {
                appendOps(under: n, to: &out, stack: &stack)
            }
        }
        out.sortAndRemoveDuplicates()
        return out
    }

    /// Appends the ops at node `start` and every node under it (in no particular order).
    private func appendOps(under start: Int, to out: inout [OpID]) {
        var stack: [Int] = []
        appendOps(under: start, to: &out, stack: &stack)
    }

    private func appendOps(under start: Int, to out: inout [OpID], stack: inout [Int]) {
        stack.append(start)
        while let n = stack.popLast() {
            appendOwn(of: n, to: &out)
            var c = firstChild[n]
            while c >= 0 {
                stack.append(c)
                c = nextSibling[c]
            }
        }
    }
}
