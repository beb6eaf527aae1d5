/// A compiled glob over dotted module paths: `*` matches within one component, `**`
/// across components (including none: `a.**.b` matches `a.b`, `**.b` matches `b`),
/// `[qkv]` one of the listed characters. Matching allocates nothing, so a pattern can be
/// tried against every module path of a large model.
struct Glob: Sendable {
    private enum Token: Sendable, Equatable {
        case literal(UInt8)
        case oneOf([UInt8])
        case star
        case globstar
    }

    private let tokens: [Token]
    /// Dots in a match when the pattern has no `**` (a quick reject), else nil.
    private let dots: Int?
    /// The literal bytes the pattern starts and ends with: every match starts and ends
    /// with them too (a quicker reject, for patterns tried against every module path).
    private let prefix: [UInt8], suffix: [UInt8]

    init(_ pattern: String) {
        let p = Array(pattern.utf8)
        var tokens: [Token] = []
        var i = 0
        while i < p.count {
            if p[i] == UInt8(ascii: "*") {
                if i + 1 < p.count, p[i + 1] == UInt8(ascii: "*") { tokens.append(.globstar); i += 2 } else { tokens.append(.star); i += 1 }
            } else if p[i] == UInt8(ascii: "["), let close = p[(i + 1)...].firstIndex(of: UInt8(ascii: "]")), close > i + 1 {
                tokens.append(.oneOf(Array(p[(i + 1)..<close])))
                i = close + 1
            } else {
                tokens.append(.literal(p[i]))
                i += 1
            }
        }
        self.tokens = tokens
        let dotClass = tokens.contains { if case .oneOf(let set) = $0 { return set.contains(UInt8(ascii: ".")) } else { return false } }
        dots = tokens.contains(.globstar) || dotClass ? nil : tokens.filter { $0 == .literal(UInt8(ascii: ".")) }.count
        func literal(_ t: Token) -> UInt8? { if case .literal(let c) = t { return c } else { return nil } }
        var head = tokens.prefix { literal($0) != nil }.compactMap(literal)
        var tail = Array(tokens.reversed().prefix { literal($0) != nil }.compactMap(literal).reversed())
        // `a.**.b` matches `a.b`: the dot beside a `**` may be the one shared with the
        // other side, so it is not required.
        if head.count < tokens.count, tokens[head.count] == .globstar, head.last == UInt8(ascii: ".") { head.removeLast() }
        if tail.count < tokens.count, tokens[tokens.count - tail.count - 1] == .globstar, tail.first == UInt8(ascii: ".") {
            tail.removeFirst()
        }
        prefix = head
        // All literal: the whole pattern is the prefix; the suffix adds nothing.
        suffix = head.count == tokens.count ? [] : tail
    }

    /// The module path every match lies under: the pattern's literal start up to its last
    /// dot (`model.layers.3.experts.*` → `model.layers.3.experts`), or nil when that start
    /// has no dot. A model with a block per layer and a pattern request per block would
    /// otherwise try every pattern against every path of the model.
    var scope: String? {
        guard let dot = prefix.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        return String(decoding: prefix[..<dot], as: UTF8.self)
    }

    /// Whether `path` matches. `quickRejects: false` skips the shortcuts (for tests that
    /// check they never change an answer).
    func matches(_ path: String, quickRejects: Bool = true) -> Bool {
        var path = path
        return path.withUTF8 { s in
            guard quickRejects else { return match(s) }
            guard s.count >= prefix.count + suffix.count, s.starts(with: prefix),
                s[(s.count - suffix.count)...].elementsEqual(suffix)
            else { return false }
            if let dots, s.reduce(0, { $0 + ($1 == UInt8(ascii: ".") ? 1 : 0) }) != dots { return false }
            return match(s)
        }
    }

    /// Dynamic programming over (token, position), one row at a time: time proportional to
    /// tokens × path length whatever the pattern, and no heap allocation for short paths.
    private func match(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let dot = UInt8(ascii: "."), n = s.count
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: 3 * (n + 1)) { rows in
            // row: positions reachable before token t; next: after it; skip: before token t
            // by letting a `**.` pair stand for no component.
            var row = UnsafeMutableBufferPointer(rebasing: rows[0...n])
            var next = UnsafeMutableBufferPointer(rebasing: rows[(n + 1)...(2 * n + 1)])
            let skip = UnsafeMutableBufferPointer(rebasing: rows[(2 * n + 2)...(3 * n + 2)])
            row.update(repeating: false)
            skip.update(repeating: false)
            row[0] = true
            for (t, token) in tokens.enumerated() {
                next.update(repeating: false)
                switch token {
                case .literal(let c):
                    for j in 0..<n where row[j] && s[j] == c { next[j + 1] = true }
                    if c == dot { for j in 0...n where skip[j] { next[j] = true } }
                case .oneOf(let set):
                    for j in 0..<n where row[j] && set.contains(s[j]) { next[j + 1] = true }
                case .star, .globstar:
                    let across = token == .globstar
                    for j in 0...n {
                        if row[j] { next[j] = true }
                        if j > 0, next[j - 1], across || s[j - 1] != dot { next[j] = true }
                    }
                }
                skip.update(repeating: false)
                if token == .globstar, t + 1 < tokens.count, tokens[t + 1] == .literal(dot) {
                    for j in 0...n where row[j] && (j == 0 || s[j - 1] == dot) { skip[j] = true }
                }
                swap(&row, &next)
            }
            return row[n]
        }
    }
}
