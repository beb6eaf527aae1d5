/// Disjoint sets over the quantizers `0 ..< count`, joined member by member: the
/// quantizers that must be decided together (parts), or that one choice speaks for
/// (convert candidates). Each set's root is its smallest member, so ordering by root
/// orders by first member.
///
/// Over quantizer ids only, not any kind of id: a generic version was not specialized in
/// the modules that call it, and finding roots for a million quantizers through value
/// witnesses doubled the time it takes to split a plan into parts.
package struct DisjointSets {
    private var parent: IDArray<QuantizerID, QuantizerID>

    package init(count: Int) { parent = IDArray((0..<count).map(QuantizerID.init)) }

    /// The root of `a`'s set (paths halved on the way).
    package mutating func find(_ a: QuantizerID) -> QuantizerID {
        var a = a
        while parent[a] != a {
            parent[a] = parent[parent[a]]
            a = parent[a]
        }
        return a
    }

    /// Joins the sets of `a` and `b`.
    package mutating func join(_ a: QuantizerID, _ b: QuantizerID) {
        let (ra, rb) = (find(a), find(b))
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }

    /// Joins the sets of all of `members`.
    package mutating func join(_ members: [QuantizerID]) {
        guard let first = members.first else { return }
        for m in members.dropFirst() { join(first, m) }
    }
}
