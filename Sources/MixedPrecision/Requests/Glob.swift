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
        dots = tokens.contains(.globstar) ? nil : tokens.filter { $0 == .literal(UInt8(ascii: ".")) }.count
    }

    func matches(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { s in
            if let dots, s.reduce(0, { $0 + ($1 == UInt8(ascii: ".") ? 1 : 0) }) != dots { return false }
            return match(0, 0, s)
        }
    }

    private func match(_ pi: Int, _ si: Int, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let dot = UInt8(ascii: ".")
        if pi == tokens.count { return si == s.count }
        switch tokens[pi] {
        case .literal(let c):
            return si < s.count && s[si] == c && match(pi + 1, si + 1, s)
        case .oneOf(let set):
            return si < s.count && set.contains(s[si]) && match(pi + 1, si + 1, s)
        case .star:
            var j = si
            while true {
                if match(pi + 1, j, s) { return true }
                if j == s.count || s[j] == dot { return false }
                j += 1
            }
        case .globstar:
            // `**.` at the start of a component may stand for no component at all.
            if pi + 1 < tokens.count, tokens[pi + 1] == .literal(dot), si == 0 || s[si - 1] == dot, match(pi + 2, si, s) { return true }
            var j = si
            while true {
                if match(pi + 1, j, s) { return true }
                if j == s.count { return false }
                j += 1
            }
        }
    }
}
