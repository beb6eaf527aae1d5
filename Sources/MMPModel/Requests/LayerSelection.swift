/// Which ops a ``LayerSelector`` picks in a graph (contract §3).
public struct LayerSelection: Sendable {
    private let graph: SimGraph
    private let tree: ModuleTree
    /// The ops of each distinct (type, class) pair, built on the first `module_type`
    /// request: a model has a handful of such pairs, so each further request costs the
    /// size of its answer rather than a pass over every op.
    private var kinds: OpKinds?
    /// Whether an unknown module path's error suggests the closest paths. Finding them
    /// tries every module path; requests expanded together leave it off, and only the
    /// error reported — the first in request order — is made again with it on.
    package var suggestsPaths = true

    /// The ops of each distinct (type, class) pair.
    package struct OpKinds: Sendable {
        fileprivate var groups: [Kind: [OpID]] = [:]

        package init(_ graph: SimGraph) {
            // Grouped by name numbers first: no string is made per op.
            struct Numbers: Hashable {
                var type: NameID
                var className: NameID?
            }
            var byNumbers: [Numbers: [OpID]] = [:]
            for k in graph.opIDs { byNumbers[Numbers(type: graph.opTypes[k], className: graph.opClasses[k]), default: []].append(k) }
            for (kind, ops) in byNumbers {
                groups[Kind(type: graph.names[kind.type], className: kind.className.map { graph.names[$0] })] = ops
            }
        }
    }

    fileprivate struct Kind: Hashable {
        var type: String
        var className: String?

        /// Whether `module_type: t` names this kind: its op type, its class, or the class's last component.
        func isNamed(_ t: String) -> Bool {
            if type == t { return true }
            guard let c = className else { return false }
            return c == t || c.split(separator: ".").last.map(String.init) == t
        }
    }

    public init(_ graph: SimGraph) {
        self.graph = graph
        self.tree = ModuleTree(graph)
    }

    /// A selection from parts built elsewhere (on other threads).
    package init(_ graph: SimGraph, tree: ModuleTree, kinds: OpKinds?) {
        self.graph = graph
        self.tree = tree
        self.kinds = kinds
    }

    /// Whether any of `requests` selects by `module_type` (and so needs ``OpKinds``).
    package static func needsKinds(_ requests: [Request]) -> Bool {
        requests.contains { if case .setPrecision(.moduleType, _, _) = $0 { return true } else { return false } }
    }

    /// Builds up front what `requests` will need (the op kinds, for `module_type`), so
    /// that copies of this selection can then be used from several threads.
    package mutating func prepare(for requests: [Request]) {
        if kinds == nil, Self.needsKinds(requests) { kinds = OpKinds(graph) }
    }

    /// The ops `selector` picks, in graph order. An unknown `module` path is an error
    /// that suggests the closest existing paths; a type or pattern that matches nothing
    /// returns an empty list (the report says so).
    public mutating func ops(for selector: LayerSelector) throws(MMPError) -> [OpID] {
        switch selector {
        case .module(let m):
            let selected = m.isEmpty ? Array(graph.opIDs) : tree.ops(under: m) ?? []
            if selected.isEmpty {
                let near = suggestsPaths ? suggestions(for: m) : []
                let hint = near.isEmpty ? "" : "; did you mean " + near.map { "'\($0)'" }.joined(separator: ", ") + "?"
                throw .invalidRequest("unknown module path '\(echo(m))'\(hint)")
            }
            return selected
        case .modules(let paths):
            var selected = Set<OpID>()
            for m in paths {
                let ops = try self.ops(for: .module(m))
                selected.formUnion(ops)
            }
            return selected.sorted()
        case .moduleType(let t):
            if kinds == nil { kinds = OpKinds(graph) }
            let lists = (kinds?.groups ?? [:]).filter { $0.key.isNamed(t) }.map(\.value)
            return lists.count == 1 ? lists[0] : lists.flatMap { $0 }.sorted()
        case .pattern(let p):
            let glob = Glob(p)
            return tree.ops(underPathsWhere: { glob.matches($0) }, within: glob.scope)
        }
    }

    /// Glob over dotted paths (see ``Glob``).
    package static func glob(_ p: [UInt8], matches s: [UInt8]) -> Bool {
        Glob(String(decoding: p, as: UTF8.self)).matches(String(decoding: s, as: UTF8.self))
    }

    /// Up to three op types, classes or class names closest to `t` (for a `module_type`
    /// that selects nothing: `Conv2D` → `Conv2d`).
    package func typeSuggestions(for t: String) -> [String] {
        var names = Set<String>()
        for kind in (kinds ?? OpKinds(graph)).groups.keys {
            names.insert(kind.type)
            if let c = kind.className {
                names.insert(c)
                if let last = c.split(separator: ".").last { names.insert(String(last)) }
            }
        }
        // Letter case is the commonest slip (`Conv2D`): it costs nothing here.
        let target = Array(t.lowercased().utf8.prefix(512))
        return Self.closest(to: target, among: names, limit: max(2, target.count / 3)) { Array($0.lowercased().utf8.prefix(512)) }
    }

    /// Up to three existing module paths closest to `m`.
    package func suggestions(for m: String) -> [String] {
        let target = Array(m.utf8)
        // Suggestions are for typos; a path this long is not one (and would cost n·m).
        guard target.count <= 512 else { return [] }
        let paths = tree.namedPaths.filter { !$0.isEmpty && $0.utf8.count <= 512 }
        return Self.closest(to: target, among: paths, limit: max(2, target.count / 3)) { Array($0.utf8) }
    }

    /// Up to three of `names` within `limit` edits of `target` (as `bytes` spells each),
    /// nearest first, ties by name: the one ranking behind every "did you mean".
    package static func closest(
        to target: [UInt8], among names: some Sequence<String>, limit: Int,
        bytes: (String) -> [UInt8]
    ) -> [String] {
        let scored = names.compactMap { n in editDistance(target, bytes(n), limit: limit).map { ($0, n) } }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(3).map(\.1)
    }

    /// Levenshtein distance, or nil when it exceeds `limit`.
    ///
    /// This runs against every module path of a model for each unknown path (each request
    /// naming one is expanded, on all cores, before the first is reported), so it reuses
    /// two rows instead of making one per character, and stops as soon as a whole row is
    /// past `limit`: no row's smallest entry is smaller than the one above's.
    package static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int? {
        if abs(a.count - b.count) > limit { return nil }
        var prev = Array(0...b.count)
        var cur = Array(repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            cur[0] = i
            var smallest = i
            for j in stride(from: 1, through: b.count, by: 1) {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                smallest = min(smallest, cur[j])
            }
            if smallest > limit { return nil }
            swap(&prev, &cur)
        }
        return prev[b.count] <= limit ? prev[b.count] : nil
    }
}
