/// The integer program for one independent part of a planning problem (contract §7).
///
/// One binary `x[q, d]` per quantizer `q` of the part and dtype `d` of its domain, with
/// `Σ_d x[q, d] = 1`; one binary `h[g]` per homogeneity group, set when the group's op
/// reads its inputs at different dtypes. Rules are rows; preferences are an ordered list
/// of ``Level``s, each to be minimised without worsening the ones before it.
struct PrecisionProgram {
    enum Mode: Sendable { case strict, bestEffort }

    /// What a level measures, for reports and tests.
    enum LevelKind: Equatable, Hashable {
        /// Quantizers of request `r`'s explicit targets that miss their dtype.
        case deviations(request: Int)
        /// How far those misses land from the requested dtype.
        case nearness(request: Int)
        /// Ops made to read their inputs at different dtypes.
        case heterogeneity
        /// Quantizers of derived targets that miss their dtype.
        case derivedDeviations
        /// Quantizers that leave their given dtype: every one counts, those of targets
        /// too, so that among equally good misses the one that changes less wins.
        case otherChanges
    }

    /// One objective: `constant + Σ coef·column`, never negative.
    struct Level {
        var kind: LevelKind
        var terms: [(Int, Double)] = []
        var constant = 0
    }

    enum RowKind { case atMost(Double), equal(Double) }
    struct Row {
        var terms: [(Int, Double)]
        var kind: RowKind
    }

    /// Global quantizer indices of this part.
    let quantizers: [Int]
    let domains: [[DType]]
    /// First `x` column of each local quantizer; columns follow its domain order.
    let firstColumn: [Int]
    let columnCount: Int
    /// Local quantizer indices of each homogeneity group; group `g`'s `h` is column
    /// `firstColumn.last + domains.last.count + g` (after every `x`).
    let groupMembers: [[Int]]
    var rows: [Row] = []
    var levels: [Level] = []

    /// Builds the program for `part`.
    ///
    /// In strict mode the explicit targets of `activeRequests` are rows; kernel rules
    /// listed in `activeKernels` are rows in both modes. `withObjectives: false` builds
    /// a pure feasibility program (used when searching for conflicts).
    init(problem: borrowing PlanningProblem, part: Part, mode: Mode,
         activeRequests: Set<Int>? = nil, activeKernels: Set<Int>? = nil, withObjectives: Bool = true) {
        quantizers = part.quantizers
        // Local index of a quantizer: a binary search in the part's sorted list (most parts
        // hold one or two quantizers; a dictionary per part would cost more than the part).
        let members = part.quantizers
        struct Local {
            let members: [Int]
            subscript(q: Int) -> Int? {
                var lo = 0, hi = members.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if members[mid] < q { lo = mid + 1 } else { hi = mid }
                }
                return lo < members.count && members[lo] == q ? lo : nil
            }
        }
        let local = Local(members: members)
        let domains = part.quantizers.map { problem.domain(of: $0) }
        self.domains = domains
        var first: [Int] = []
        var next = 0
        for d in domains { first.append(next); next += d.count }
        firstColumn = first
        let xCount = next
        let groups = part.groups.map { problem.homogeneity[$0] }
        columnCount = xCount + groups.count
        groupMembers = groups.map { g in g.quantizers.compactMap { local[$0] } }

        for (k, d) in domains.enumerated() {
            rows.append(Row(terms: d.indices.map { (first[k] + $0, 1) }, kind: .equal(1)))
        }
        func x(_ q: Int, _ d: DType) -> Int? {
            guard let k = local[q], let i = domains[k].firstIndex(of: d) else { return nil }
            return first[k] + i
        }

        // Kernel rules (both modes).
        for c in part.kernels where activeKernels?.contains(c) ?? true {
            let kc = problem.kernels[c]
            for a in kc.activations {
                guard let ka = local[a] else { continue }
                if let w = kc.weight, let kw = local[w], w != a {
                    for da in domains[ka] {
                        for dw in domains[kw] where !kc.allows(activation: da, weight: dw) {
                            rows.append(Row(terms: [(x(a, da) ?? 0, 1), (x(w, dw) ?? 0, 1)], kind: .atMost(1)))
                        }
                    }
                } else {
                    let wd = kc.weight.map { problem.graph.quantizers[$0].dtype }
                    for da in domains[ka] where !kc.allows(activation: da, weight: kc.weight == a ? da : wd) {
                        rows.append(Row(terms: [(x(a, da) ?? 0, 1)], kind: .atMost(0)))
                    }
                }
            }
        }

        let targets = part.targets.map { problem.resolution.targets[$0] }
        if mode == .strict {
            for t in targets where t.tier == .explicit && (activeRequests?.contains(t.request) ?? true) {
                for q in t.quantizers where local[q] != nil {
                    rows.append(Row(terms: [(x(q, t.dtype) ?? 0, 1)], kind: .equal(1)))
                }
            }
        }

        // Homogeneity: h[g] ≥ |x[q0, d] − x[q, d]| for every other member q and dtype d.
        let hFirst = xCount
        for (g, group) in groups.enumerated() {
            let h = hFirst + g
            let q0 = group.quantizers[0]
            for q in group.quantizers.dropFirst() {
                let dtypes = Set(domains[local[q0] ?? 0] + domains[local[q] ?? 0]).sorted()
                for d in dtypes {
                    var plus: [(Int, Double)] = [(h, -1)], minus: [(Int, Double)] = [(h, -1)]
                    if let c = x(q0, d) { plus.append((c, 1)); minus.append((c, -1)) }
                    if let c = x(q, d) { plus.append((c, -1)); minus.append((c, 1)) }
                    rows.append(Row(terms: plus, kind: .atMost(0)))
                    rows.append(Row(terms: minus, kind: .atMost(0)))
                }
            }
        }
        guard withObjectives else { return }

        if mode == .bestEffort {
            // Deviation counts of every request, latest first; only then, among plans with
            // those counts, how near the misses land — again latest first.
            // Explicit targets by request, latest request first (stable: targets keep their order).
            let explicit = targets.enumerated().filter { $0.element.tier == .explicit }
                .sorted { $0.element.request != $1.element.request ? $0.element.request > $1.element.request : $0.offset < $1.offset }
                .map { $0.element }
            var nearness: [Level] = []
            var start = 0
            while start < explicit.count {
                let r = explicit[start].request
                var end = start
                while end < explicit.count, explicit[end].request == r { end += 1 }
                defer { start = end }
                var count = Level(kind: .deviations(request: r))
                var near = Level(kind: .nearness(request: r))
                for t in explicit[start..<end] {
                    for q in t.quantizers {
                        guard let k = local[q] else { continue }
                        count.constant += 1
                        count.terms.append((x(q, t.dtype) ?? 0, -1))
                        for (i, d) in domains[k].enumerated() where d != t.dtype {
                            near.terms.append((first[k] + i, Double(problem.nearnessCost(of: q, realized: d, requested: t.dtype))))
                        }
                    }
                }
                levels.append(count)
                nearness.append(near)
            }
            levels += nearness
        }
        levels.append(Level(kind: .heterogeneity, terms: groups.indices.map { (hFirst + $0, 1) }))
        var derived = Level(kind: .derivedDeviations)
        for t in targets where t.tier == .derived {
            for q in t.quantizers where local[q] != nil {
                derived.constant += 1
                derived.terms.append((x(q, t.dtype) ?? 0, -1))
            }
        }
        levels.append(derived)
        var others = Level(kind: .otherChanges)
        for q in part.quantizers {
            others.constant += 1
            others.terms.append((x(q, problem.graph.quantizers[q].dtype) ?? 0, -1))
        }
        levels.append(others)
    }

    /// The dtype chosen for each local quantizer by a 0/1 column vector.
    func dtypes(from columns: [Int]) -> [DType] {
        domains.indices.map { k in
            let i = domains[k].indices.first { columns[firstColumn[k] + $0] == 1 } ?? 0
            return domains[k][i]
        }
    }
}
