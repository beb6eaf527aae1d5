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
        public var op: OpID
        /// The input read (its tensor is `graph.inputTensorName(op: op, input: input)`): the requantized
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

    /// The converts of `graph` with quantizer `q` at `dtypes[q]`, at `sites` (all of
    /// the graph's by default: ``ConvertSite/all(graph:effective:)``). Each convert
    /// reports the elements of the tensor it reads when the graph knows its shape.
    public init(graph: SimGraph, effective: EffectiveQuantizers, dtypes: IDArray<QuantizerID, DType>) {
        self.init(graph: graph, sites: ConvertSite.all(graph: graph, effective: effective), dtypes: dtypes)
    }

    package init(graph: SimGraph, sites: [ConvertSite], dtypes: IDArray<QuantizerID, DType>) {
        items = sites.flatMap { site in
            let op = site.op
            return site.items({ dtypes[$0] }, elements: { graph.elements(op: op, input: $0) }).map { item in
                var item = item
                item.elements = graph.elements(op: item.op, input: item.input)
                return item
            }
        }
    }
}

extension SimGraph {
    /// The elements of the tensor op `op` reads at `input`, when its shape is known and
    /// its size fits an `Int`.
    package func elements(op: OpID, input: Int) -> Int? {
        tensorShapes.isEmpty ? nil : tensorShapes[inputTensorName(op: op, input: input)].flatMap(Converts.elements(of:))
    }
}

/// A place where converts can arise (contract §11), with the quantizers whose dtypes
/// decide how many: what the report counts and what the program's convert tier sees.
package enum ConvertSite: Sendable, Equatable {
    /// Op `op`'s own input quantizer at input `input`, and what quantized the tensor it reads.
    case requantize(op: OpID, input: Int, own: QuantizerID, upstream: [QuantizerID])
    /// The effective quantizers of each input of op `op`, which reads several.
    case mixed(op: OpID, inputs: [[QuantizerID]])

    /// Every quantizer the site's count depends on.
    package var quantizers: [QuantizerID] {
        switch self {
        case let .requantize(_, _, own, upstream): return [own] + upstream
        case let .mixed(_, inputs): return inputs.flatMap { $0 }
        }
    }

    /// The op the site belongs to.
    package var op: OpID {
        switch self {
        case let .requantize(op, _, _, _), let .mixed(op, _): return op
        }
    }

    /// The converts at this site with quantizer `q` at `dtype(q)` (without their
    /// elements); `elements(i)` is the size of what input `i` reads, when known.
    ///
    /// - A **requantize edge** converts once, from the first upstream dtype (in quantizer
    ///   order) other than its own quantizer's, to that quantizer's.
    /// - A **mixed read** counts `|∪ S_i| − max_i |S_i|`, `S_i` the dtypes of input `i`:
    ///   each dtype outside the input the op reads as is is converted to that input's
    ///   widest dtype, and named (and sized) by the first input that brings it. The input
    ///   read as is: the one reading the most dtypes, then the one whose choice moves the
    ///   fewest known elements (an SE block's `Mul` converts the small gate, not the
    ///   feature map), then the one with the highest dtype (a mixed int4/int8 add runs at
    ///   int8), then the first.
    package func items(_ dtype: (QuantizerID) -> DType, elements: (Int) -> Int? = { _ in nil }) -> [Converts.Item] {
        switch self {
        case let .requantize(op, input, own, upstream):
            let to = dtype(own)
            guard let from = upstream.lazy.map(dtype).first(where: { $0 != to }) else { return [] }
            return [Converts.Item(kind: .requantize, op: op, input: input, from: from, to: to)]
        case let .mixed(op, inputs):
            // Most sites read one dtype everywhere: no convert, and nothing to allocate.
            var uniform: DType? = nil
            var mixed = false
            scan: for qs in inputs {
                for q in qs {
                    let d = dtype(q)
                    if uniform == nil { uniform = d } else if d != uniform { mixed = true; break scan }
                }
            }
            if !mixed { return [] }
            let sets = inputs.map { qs -> [DType] in
                var s = qs.map(dtype)
                s.sortAndRemoveDuplicates()
                return s
            }
            var union = sets.flatMap { $0 }
            union.sortAndRemoveDuplicates()
            /// The first input that brings each dtype of the union.
            let bringer = union.map { d in sets.firstIndex { $0.contains(d) } ?? 0 }
            /// The known elements converted when input `w` is read as is.
            func moved(_ w: Int) -> Int {
                var total = 0
                for (k, d) in union.enumerated() where !sets[w].contains(d) {
                    total = Self.saturatingSum(total, elements(bringer[k]) ?? 0)
                }
                return total
            }
            let cost = sets.indices.map { sets[$0].count == (sets.map(\.count).max() ?? 0) ? moved($0) : 0 }
            func before(_ a: Int, _ b: Int) -> Bool {
                if sets[a].count != sets[b].count { return sets[a].count < sets[b].count }
                if cost[a] != cost[b] { return cost[a] > cost[b] }
                if let x = sets[a].last, let y = sets[b].last, x != y { return x < y }
                return a > b
            }
            guard let widest = sets.indices.max(by: before), union.count > sets[widest].count, let to = sets[widest].last
            else { return [] }
            return union.filter { !sets[widest].contains($0) }.compactMap { d in
                sets.firstIndex { $0.contains(d) }.map { Converts.Item(kind: .mixedRead, op: op, input: $0, from: d, to: to) }
            }
        }
    }

    /// `a + b`, or `Int.max` past it.
    package static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// How many converts the site makes with quantizer `q` at `dtype(q)`.
    package func count(_ dtype: (QuantizerID) -> DType) -> Int { items(dtype).count }

    /// The sites of a graph, in op order (within an op, its requantizable edges first):
    /// each own input quantizer reading a quantized tensor, and each op with at least two
    /// quantized inputs (an op reading one quantized input adds nothing, whatever it reads).
    package static func all(graph: SimGraph, effective: EffectiveQuantizers) -> [ConvertSite] {
        var sites: [ConvertSite] = []
        for k in graph.opIDs {
            let slots = graph.inputSlots[k]
            for (i, own) in slots.enumerated() {
                guard let q = own else { continue }
                let upstream = effective.of(tensorID: graph.inputTensor(op: k, input: i))
                if !upstream.isEmpty { sites.append(.requantize(op: k, input: i, own: q, upstream: upstream)) }
            }
            guard slots.count >= 2 else { continue }
            let inputs = slots.indices.map { effective.of(op: k, input: $0) }
            if inputs.filter({ !$0.isEmpty }).count >= 2 { sites.append(.mixed(op: k, inputs: inputs)) }
        }
        return sites
    }
}
