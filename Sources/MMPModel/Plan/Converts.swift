/// Where an assignment of dtypes makes a backend convert (contract §11): the Convert
/// (requantize) ops a converter inserts wherever a tensor is read at another dtype than it
/// was written. Counted for every plan and for the given sim, so a user sees what a plan
/// costs on the device.
public struct Converts: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// An edge with its own input quantizer reading a tensor quantized at another dtype.
            case requantize
            /// An op whose inputs arrive at several dtypes, one of them converted here.
            case mixedRead = "mixed-read"
        }

        public var kind: Kind
        public var op: Int
        /// The input read (its tensor is `graph.ops[op].inputs[input]`): the requantized
        /// edge, or for a mixed read the first input that brings the converted dtype.
        public var input: Int
        public var from: DType
        public var to: DType
        /// The elements the convert moves: the size of the tensor read, when its shape is
        /// known.
        public var elements: Int?
        /// Whether the plan inserted the quantizer that converts here (never, without
        /// `--insert-converts`).
        public var inserted = false
    }

    /// In op order; within an op, its requantized edges first, then its mixed reads.
    public var items: [Item]
    public var count: Int { items.count }

    /// The elements all converts move, when every one's tensor shape is known.
    public var elements: Int? {
        var total = 0
        for item in items {
            guard let e = item.elements else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(e)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// The number of elements of a tensor of `shape` (nil if it does not fit an `Int`).
    static func elements(of shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            let (product, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = product
        }
        return n
    }

    /// The converts of `graph` with quantizer `q` at `dtypes[q]`.
    ///
    /// - A **requantize edge**: an edge (L, i) with its own input quantizer `q` reading a
    ///   tensor whose `eff(tensor)` holds a dtype other than `q`'s: one convert, from the
    ///   first such dtype (in quantizer order) to `q`'s.
    /// - A **mixed read**: with `S_i` the dtypes of `eff(L, i)`, an op counts
    ///   `|∪ S_i| − max_i |S_i|` converts: the dtypes that meet for the first time here.
    ///   Each is converted to the widest dtype of the input the op reads as is — the one
    ///   reading the most dtypes, then the one with the highest dtype, then the first —
    ///   and is named by the first input that brings it.
    public init(graph: SimGraph, effective: EffectiveQuantizers, dtypes: [DType]) {
        var items: [Item] = []
        var sets: [[DType]] = []
        func size(_ k: Int, _ i: Int) -> Int? { graph.tensorShapes[graph.ops[k].inputs[i]].flatMap(Self.elements(of:)) }
        for k in graph.ops.indices {
            let slots = graph.inputSlots[k]
            for (i, own) in slots.enumerated() {
                guard let q = own else { continue }
                let tensor = graph.inputTensor(op: k, input: i)
                let to = dtypes[q]
                if let from = effective.of(tensorID: tensor).lazy.map({ dtypes[$0] }).first(where: { $0 != to }) {
                    items.append(Item(kind: .requantize, op: k, input: i, from: from, to: to, elements: size(k, i)))
                }
            }
            guard slots.count >= 2 else { continue }
            sets.removeAll(keepingCapacity: true)
            for i in slots.indices {
                var s = effective.of(op: k, input: i).map { dtypes[$0] }
                s.sortAndRemoveDuplicates()
                sets.append(s)
            }
            var union = sets.flatMap { $0 }
            union.sortAndRemoveDuplicates()
            // The input the op reads "as is": the one reading the most dtypes, then the one
            // whose widest dtype is highest (a mixed int4/int8 add runs at int8), then the first.
            func before(_ a: Int, _ b: Int) -> Bool {
                if sets[a].count != sets[b].count { return sets[a].count < sets[b].count }
                if let x = sets[a].last, let y = sets[b].last, x != y { return x < y }
                return a > b
            }
            guard let widest = sets.indices.max(by: before), union.count > sets[widest].count, let to = sets[widest].last
            else { continue }
            for d in union where !sets[widest].contains(d) {
                guard let i = sets.firstIndex(where: { $0.contains(d) }) else { continue }
                items.append(Item(kind: .mixedRead, op: k, input: i, from: d, to: to, elements: size(k, i)))
            }
        }
        self.items = items
    }
}

/// A place where converts can arise (contract §11), as the program sees it: the
/// quantizers whose dtypes decide how many there are.
package enum ConvertSite: Sendable, Equatable {
    /// An own input quantizer and what quantized the tensor it reads.
    case requantize(own: Int, upstream: [Int])
    /// The effective quantizers of each input of an op with several.
    case mixed(inputs: [[Int]])

    /// Every quantizer the site's count depends on.
    package var quantizers: [Int] {
        switch self {
        case let .requantize(own, upstream): return [own] + upstream
        case let .mixed(inputs): return inputs.flatMap { $0 }
        }
    }

    /// The converts at this site with quantizer `q` at `dtype(q)`.
    package func count(_ dtype: (Int) -> DType) -> Int {
        switch self {
        case let .requantize(own, upstream):
            let d = dtype(own)
            return upstream.contains { dtype($0) != d } ? 1 : 0
        case let .mixed(inputs):
            let sets = inputs.map { Set($0.map(dtype)) }
            return sets.reduce(Set<DType>()) { $0.union($1) }.count - (sets.map(\.count).max() ?? 0)
        }
    }

    /// The sites of a graph: each requantizable edge, and each op with at least two
    /// quantized inputs (an op reading one quantized input adds nothing, whatever it reads).
    package static func all(graph: SimGraph, effective: EffectiveQuantizers) -> [ConvertSite] {
        var sites: [ConvertSite] = []
        for k in graph.ops.indices {
            let slots = graph.inputSlots[k]
            for (i, own) in slots.enumerated() {
                guard let q = own else { continue }
                let upstream = effective.of(tensorID: graph.inputTensor(op: k, input: i))
                if !upstream.isEmpty { sites.append(.requantize(own: q, upstream: upstream)) }
            }
            guard slots.count >= 2 else { continue }
            let inputs = slots.indices.map { effective.of(op: k, input: $0) }
            if inputs.filter({ !$0.isEmpty }).count >= 2 {
                sites.append(.mixed(inputs: inputs))
            }
        }
        return sites
    }
}
