/// Disjoint sets over the ids `0 ..< count` of one kind, joined member by member: the
/// quantizers that must be decided together (parts), or the edges one choice speaks for
/// (convert candidates). Each set's root is its smallest member, so ordering by root
/// orders by first member.
package struct DisjointSets<Member: GraphID> {
    private var parent: IDArray<Member, Member>

    package init(count: Int) { parent = IDArray((0..<count).map(Member.init)) }

    /// The root of `a`'s set (paths halved on the way).
    package mutating func find(_ a: Member) -> Member {
        var a = a
        while parent[a] != a {
            parent[a] = parent[parent[a]]
            a = parent[a]
        }
        return a
    }

    /// Joins the sets of `a` and `b`.
    package mutating func join(_ a: Member, _ b: Member) {
        let (ra, rb) = (find(a), find(b))
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }

    /// Joins the sets of all of `members`.
    package mutating func join(_ members: [Member]) {
        guard let first = members.first else { return }
        for m in members.dropFirst() { join(first, m) }
    }
}
