import Foundation

/// Work split over the machine's cores. Planning a large model is a few long passes over
/// flat arrays; where two passes do not depend on each other, they run at once.
///
/// Calls do not nest usefully: work started from inside a `Parallel` task runs on that
/// task's thread, one piece after another (Dispatch's `concurrentPerform` does not widen
/// from a worker). A pass that parallelises itself is therefore called at the top level
/// of its stage, not beside another.
package enum Parallel {
    /// Runs `a` and `b` at the same time and returns both results. Both closures are
    /// `@Sendable`: the compiler checks that what they capture may be read from two threads.
    package static func both<A: Sendable, B: Sendable>(_ a: @Sendable () -> A, _ b: @Sendable () -> B) -> (A, B) {
        let results = Pair<A, B>()
        withoutActuallyEscaping(a) { a in
            withoutActuallyEscaping(b) { b in
                DispatchQueue.concurrentPerform(iterations: 2) { k in
                    if k == 0 { results.setFirst(a()) } else { results.setSecond(b()) }
                }
            }
        }
        return results.take()
    }

    /// Runs `body(k)` for `k` in `0..<count` on all cores and returns the results in order.
    package static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let results = Slots<T>(count: count)
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: count) { k in results.set(k, body(k)) }
        }
        return results.take()
    }

    /// Half-open ranges splitting `0..<count` into `parts` runs of nearly equal length.
    package static func chunks(_ count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        return (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
    }

    /// Runs of `0..<count` for ``map(_:_:)``: one when there is too little work to share,
    /// else two per core, so a thread that draws cheap items takes another run.
    package static func runs(_ count: Int) -> [Range<Int>] {
        chunks(count, parts: count >= 64 ? 2 * ProcessInfo.processInfo.activeProcessorCount : 1)
    }
}

/// A raw buffer handed to worker threads that only read it, or that each write their own
/// disjoint part of it: the one thing `@Sendable` cannot check. Everything else a
/// parallel closure captures is checked by the compiler.
package struct Unchecked<T>: @unchecked Sendable {
    package let value: T
    package init(_ value: T) { self.value = value }
}

/// Two results filled from two threads.
private final class Pair<A, B>: @unchecked Sendable {
    private var first: A?
    private var second: B?
    private let lock = NSLock()
    func setFirst(_ a: A) { lock.withLock { first = a } }
    func setSecond(_ b: B) { lock.withLock { second = b } }
    func take() -> (A, B) {
        lock.withLock {
            guard let first, let second else { preconditionFailure("Parallel.both: a task did not finish") }
            return (first, second)
        }
    }
}

/// Results filled from several threads, one slot each.
private final class Slots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ value: T) { lock.withLock { slots[k] = value } }
    func take() -> [T] {
        lock.withLock {
            slots.map { slot in
                guard let slot else { preconditionFailure("Parallel.map: a task did not finish") }; return slot
            }
        }
    }
}
