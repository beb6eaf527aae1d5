/// Disjoint sets over `0 ..< count`, joined member by member: the quantizers that must be
/// decided together (parts), or that one choice speaks for (convert candidates). Each
/// set's root is its smallest member, so ordering by root orders by first member.
package struct DisjointSets {
    private var parent: [Int]

    package init(count: Int) { parent = Array(0..<count) }

    /// The root of `a`'s set (paths halved on the way).
    package mutating func find(_ a: Int) -> Int {
        var a = a
        while parent[a] != a {
            parent[a] = parent[parent[a]]
            a = parent[a]
        }
        return a
    }

    /// Joins the sets of `a` and `b`.
    package mutating func join(_ a: Int, _ b: Int) {
        let (ra, rb) = (find(a), find(b))
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }

    /// Joins the sets of all of `members`.
    package mutating func join(_ members: [Int]) {
        guard let first = members.first else { return }
        for m in members.dropFirst() { join(first, m) }
    }
}
