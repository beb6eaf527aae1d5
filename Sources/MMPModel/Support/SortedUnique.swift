extension Array where Element: Comparable {
    /// Sorts the array and drops repeated elements, in place: the union of a few index
    /// lists, done for every op of a large model without a set per op.
    @inlinable package mutating func sortAndRemoveDuplicates() {
        sort()
        var kept = 0
        for k in indices where k == 0 || self[k] != self[kept - 1] {
            self[kept] = self[k]
            kept += 1
        }
        removeSubrange(kept...)
    }
}
