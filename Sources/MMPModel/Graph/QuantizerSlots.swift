/// Where quantizers sit: every slot (an op's input, output or param) naming each, in
/// graph order. One pass over the graph serves every lookup — the inspection's table of
/// all quantizers and a conflict's tied slots alike; looking slots up one quantizer at a
/// time would walk the whole graph per quantizer.
package struct QuantizerSlots {
    package enum Slot: Equatable {
        case input(op: OpID, index: Int)
        case output(op: OpID, index: Int)
        case param(op: OpID, index: Int)

        /// The op holding the slot.
        package var op: OpID {
            switch self {
            case let .input(k, _), let .output(k, _), let .param(k, _): return k
            }
        }
    }

    private var slots: [QuantizerID: [Slot]] = [:]

    /// The slots of `wanted` quantizers (all of them when nil).
    package init(_ graph: SimGraph, of wanted: Set<QuantizerID>? = nil) {
        if let wanted, wanted.isEmpty { return }
        func add(_ q: QuantizerID?, _ slot: @autoclosure () -> Slot) {
            guard let q, wanted?.contains(q) ?? true else { return }
            slots[q, default: []].append(slot())
        }
        for k in graph.opIDs {
            for (i, q) in graph.inputSlots[k].enumerated() { add(q, .input(op: k, index: i)) }
            for (j, q) in graph.outputSlots[k].enumerated() { add(q, .output(op: k, index: j)) }
            for (p, q) in graph.paramSlots[k].enumerated() { add(q, .param(op: k, index: p)) }
        }
    }

    package subscript(q: QuantizerID) -> [Slot] { slots[q] ?? [] }

    /// `input 0 of op 'conv'` (or `input 0 of 'conv'` without `opWord`).
    package static func describe(_ slot: Slot, graph: SimGraph, opWord: Bool = true) -> String {
        func op(_ k: OpID) -> String { (opWord ? "op " : "") + "'\(graph.opName(k))'" }
        switch slot {
        case let .input(k, i): return "input \(i) of \(op(k))"
        case let .output(k, j): return "output \(j) of \(op(k))"
        case let .param(k, p): return "param '\(graph.paramName(op: k, slot: p))' of \(op(k))"
        }
    }
}
