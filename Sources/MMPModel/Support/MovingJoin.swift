extension Array {
    /// The elements of `parts`, in order, in one array — moved, not copied. Copying a
    /// million ops of a dozen references each retains every reference, and freeing the
    /// parts releases them all again: a fifth of a second on two cores. Each part is left
    /// holding `placeholder`s, so that it stays valid and frees cheaply; a placeholder
    /// should hold no reference (empty strings and arrays).
    ///
    /// A part shared with another array is copied first (copy on write), so what the other
    /// array holds is never touched.
    package static func joined(moving parts: inout [[Element]], placeholder: Element) -> [Element] {
        let total = parts.reduce(0) { $0 + $1.count }
        return [Element](unsafeUninitializedCapacity: total) { out, initialized in
            for k in parts.indices {
                parts[k].withUnsafeMutableBufferPointer { part in
                    guard let from = part.baseAddress, let to = out.baseAddress else { return }
                    precondition(initialized + part.count <= out.count, "Array.joined(moving:): parts grew")
                    (to + initialized).moveInitialize(from: from, count: part.count)
                    from.initialize(repeating: placeholder, count: part.count)
                    initialized += part.count
                }
            }
            precondition(initialized == total, "Array.joined(moving:): parts shrank")
        }
    }
}
