/// Which ops a ``LayerSelector`` picks in a graph (contract §3).
public struct LayerSelection: Sendable {
    private let graph: SimGraph
    /// Every module path and ancestor → the ops under it, in graph order.
    private let opsUnder: [String: [Int]]
    /// The keys of `opsUnder`, sorted.
    private let paths: [String]

    public init(_ graph: SimGraph) {
        self.graph = graph
        var index: [String: [Int]] = [:]
        for (k, op) in graph.ops.enumerated() {
            var seen = Set<Substring>()
            for m in op.modules {
                for p in Self.selfAndAncestors(m) where seen.insert(p).inserted { index[String(p), default: []].append(k) }
            }
        }
        self.opsUnder = index
        self.paths = index.keys.sorted()
    }

    /// The ops `selector` picks, in graph order. An unknown `module` path is an error
    /// that suggests the closest existing paths; a type or pattern that matches nothing
    /// returns an empty list (the report says so).
    public func ops(for selector: LayerSelector) throws(MMPError) -> [Int] {
        switch selector {
        case .module(let m):
            let selected = m.isEmpty ? Array(graph.ops.indices) : opsUnder[m] ?? []
            if selected.isEmpty {
                let near = suggestions(for: m)
                let hint = near.isEmpty ? "" : "; did you mean " + near.map { "'\($0)'" }.joined(separator: ", ") + "?"
                throw .invalidRequest("unknown module path '\(m)'\(hint)")
            }
            return selected
        case .moduleType(let t):
            return graph.ops.indices.filter { k in
                let op = graph.ops[k]
                if op.type == t { return true }
                guard let c = op.className else { return false }
                return c == t || c.split(separator: ".").last.map(String.init) == t
            }
        case .pattern(let p):
            let glob = Array(p.utf8)
            var selected = Set<Int>()
            for path in paths where Self.glob(glob, matches: Array(path.utf8)) { selected.formUnion(opsUnder[path] ?? []) }
            return selected.sorted()
        }
    }

    /// `a.b.c`, `a.b`, `a`.
    static func selfAndAncestors(_ path: String) -> [Substring] {
        var out = [Substring(path)]
        var p = Substring(path)
        while let dot = p.lastIndex(of: ".") {
            p = p[..<dot]
            out.append(p)
        }
        return out
    }

    /// Glob over dotted paths: `*` matches within one component, `**` across components,
    /// including none (`a.**.b` matches `a.b`, `**.b` matches `b`), `[qkv]` one of the
    /// listed characters.
    static func glob(_ p: [UInt8], matches s: [UInt8]) -> Bool {
        enum Token { case literal(UInt8), oneOf(Set<UInt8>), star, globstar }
        let dot = UInt8(ascii: "."), star = UInt8(ascii: "*")
        var tokens: [Token] = []
        var i = 0
        while i < p.count {
            if p[i] == star {
                if i + 1 < p.count, p[i + 1] == star { tokens.append(.globstar); i += 2 } else { tokens.append(.star); i += 1 }
            } else if p[i] == UInt8(ascii: "["), let close = p[(i + 1)...].firstIndex(of: UInt8(ascii: "]")), close > i + 1 {
                tokens.append(.oneOf(Set(p[(i + 1)..<close])))
                i = close + 1
            } else {
                tokens.append(.literal(p[i]))
                i += 1
            }
        }
        // Dynamic programming over (token, string position), one row at a time. A `**`
        // followed by `.` may also match nothing at all when it starts a component.
        var row = Array(repeating: false, count: s.count + 1)
        row[0] = true
        var skipDot = Array(repeating: false, count: s.count + 1)
        for (n, t) in tokens.enumerated() {
            var next = Array(repeating: false, count: s.count + 1)
            switch t {
            case .literal(let b):
                for j in 0..<s.count where row[j] && s[j] == b { next[j + 1] = true }
                if b == dot { for j in 0...s.count where skipDot[j] { next[j] = true } }
            case .oneOf(let set):
                for j in 0..<s.count where row[j] && set.contains(s[j]) { next[j + 1] = true }
            case .star, .globstar:
                let across: Bool
                if case .globstar = t { across = true } else { across = false }
                for j in 0...s.count {
                    if row[j] { next[j] = true }
                    if j > 0, next[j - 1], across || s[j - 1] != dot { next[j] = true }
                }
            }
            skipDot = Array(repeating: false, count: s.count + 1)
            if case .globstar = t, n + 1 < tokens.count, case .literal(dot) = tokens[n + 1] {
                for j in 0...s.count where row[j] && (j == 0 || s[j - 1] == dot) { skipDot[j] = true }
            }
            row = next
        }
        return row[s.count]
    }

    /// Up to three existing module paths closest to `m`.
    func suggestions(for m: String) -> [String] {
        let target = Array(m.utf8)
        // Suggestions are for typos; a path this long is not one (and would cost n·m).
        guard target.count <= 512 else { return [] }
        let limit = max(2, target.count / 3)
        let scored = paths.compactMap { p -> (Int, String)? in
            guard p.utf8.count <= 512 else { return nil }
            let d = Self.editDistance(target, Array(p.utf8), limit: limit)
            return d.map { ($0, p) }
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(3).map(\.1)
    }

    /// Levenshtein distance, or nil when it exceeds `limit`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int? {
        if abs(a.count - b.count) > limit { return nil }
        var prev = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count] <= limit ? prev[b.count] : nil
    }
}
