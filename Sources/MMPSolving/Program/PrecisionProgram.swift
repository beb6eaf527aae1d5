import MMPModel

/// The integer program for one independent part of a planning problem (contract §7).
///
/// One binary `x[q, d]` per quantizer `q` of the part and dtype `d` of its domain, with
/// `Σ_d x[q, d] = 1`; one binary `h[g]` per homogeneity group, set when the group's op
/// reads its inputs at different dtypes. Rules are rows; preferences are an ordered list
/// of ``Level``s, each to be minimised without worsening the ones before it.
package struct PrecisionProgram {
    package enum Mode: Sendable { case strict, bestEffort }

    /// What a level measures, for reports and tests.
    package enum LevelKind: Equatable, Hashable {
        /// Quantizers of request `r`'s explicit targets that miss their dtype.
        case deviations(request: RequestID)
        /// How far those misses land from the requested dtype.
        case nearness(request: RequestID)
        /// Ops made to read their inputs at different dtypes.
        case heterogeneity
        /// Quantizers of derived targets that miss their dtype.
        case derivedDeviations
        /// Quantizers that leave their given dtype: every one counts, those of targets
        /// too, so that among equally good misses the one that changes less wins.
        case otherChanges
        /// Convert ops the dtypes make a backend insert (`--fewest-converts`, §11).
        case converts
        /// The elements those converts move, where tensor shapes are known: the second
        /// half of the convert tier ("fewest converts, then fewest elements").
        case convertElements
        /// Candidate converts (`--insert-converts`) that leave the dtype they read: after
        /// the sim's own quantizers, so that between a convert on the requesting edge and
        /// one on the other readers, the shared quantizer keeps its dtype.
        case candidateChanges
    }

    /// One objective: `constant + Σ coef·column`, never negative.
    package struct Level {
        package var kind: LevelKind
        package var terms: [(Int, Double)] = []
        package var constant = 0
    }

    package enum RowKind { case atMost(Double), equal(Double) }
    package struct Row {
        package var terms: [(Int, Double)]
        package var kind: RowKind
    }

    /// The quantizers of this part, sorted: local quantizer `k` is `quantizers[k]`.
    package let quantizers: [QuantizerID]
    package let domains: [[DType]]
    /// First `x` column of each local quantizer; columns follow its domain order.
    package let firstColumn: [Int]
    package let columnCount: Int
    /// Whether columns exist that enumeration cannot set from the `x` alone: a part with
    /// them is left to GLPK. Convert indicators are not among them (see ``converts``).
    package let hasAuxiliaryColumns: Bool
    /// The convert tier's sites (`--fewest-converts`), with the elements of what each
    /// input of the site's op reads, and the rows and columns that count them.
    /// Enumeration counts a site's converts from the dtypes directly
    /// (``ConvertSite/items(_:elements:)``: the value the indicators take at the optimum)
    /// and leaves these rows aside: some setting of the indicators always satisfies them.
    package let converts: ConvertColumns

    /// See ``converts``.
    package struct ConvertColumns {
        package var sites: [(site: ConvertSite, elements: [Int?])] = []
        package var rows: Range<Int> = 0..<0
        package var columns: Range<Int> = 0..<0
    }
    /// The first `h` column: homogeneity group `g`'s is `hFirst + g`.
    package let hFirst: Int
    /// The columns of each per-input kernel's choice (exactly one of each is 1): an
    /// enumeration picks, per assignment, the first choice its rows accept.
    package let choiceGroups: [[Int]]
    /// Local quantizer indices of each homogeneity group; group `g`'s `h` is column
    /// `firstColumn.last + domains.last.count + g` (after every `x`).
    package let groupMembers: [[Int]]
    package var rows: [Row] = []
    package var levels: [Level] = []

    /// Builds the program for `part`: the columns, then the rows (one choice per
    /// quantizer, kernel rules, strict targets, homogeneity), then the objective levels —
    /// each by a function of ``Builder`` named for it, in the order GLPK receives them.
    ///
    /// In strict mode the explicit targets of `activeRequests` are rows; kernel rules
    /// listed in `activeKernels` are rows in both modes. `withObjectives: false` builds
    /// a pure feasibility program (used when searching for conflicts).
    package init(
        problem: borrowing PlanningProblem, part: Part, mode: Mode,
        activeRequests: Set<RequestID>? = nil, activeKernels: Set<Int>? = nil, withObjectives: Bool = true,
        sites: [ConvertSite] = []
    ) {
        let groups = part.groups.map { problem.homogeneity[$0] }
        var b = Builder(part: part, domains: part.quantizers.map { problem.domain(of: $0) }, groupCount: groups.count)
        quantizers = part.quantizers
        domains = b.domains
        firstColumn = b.first
        groupMembers = groups.map { g in g.quantizers.compactMap { b.local[$0] } }

        let targets = part.targets.map { problem.resolution.targets[$0] }
        b.choiceRows()
        b.kernelRows(part.kernels.filter { activeKernels?.contains($0) ?? true }, problem: problem)
        if mode == .strict {
            b.strictRows(targets.filter { $0.tier == .explicit && (activeRequests?.contains($0.request) ?? true) })
        }
        b.homogeneityRows(groups)
        if withObjectives {
            if mode == .bestEffort { b.requestLevels(targets, problem: problem) }
            // Fewest converts right after the requests' own tiers (§11).
            if !sites.isEmpty, !part.sites.isEmpty { b.convertLevels(part.sites.map { sites[$0] }, graph: problem.graph) }
            b.heterogeneityLevel(groups.count)
            b.derivedLevel(targets)
            b.otherChangesLevel(problem: problem)
        }
        rows = b.rows
        levels = b.levels
        columnCount = b.columnCount
        hFirst = b.hFirst
        choiceGroups = b.choiceGroups
        converts = b.converts
        hasAuxiliaryColumns =
            b.columnCount - b.converts.columns.count > b.hFirst + groups.count + b.choiceGroups.reduce(0) { $0 + $1.count }
    }

    /// Columns, rows and levels as they are built. A quantizer of the part and a dtype of
    /// its domain always have a column: a missing one is a bug, stopped by a precondition
    /// rather than written as column 0.
    private struct Builder {
        /// Local index of a quantizer: a binary search in the part's sorted list (most parts
        /// hold one or two quantizers; a dictionary per part would cost more than the part).
        struct Local {
            let members: [QuantizerID]
            subscript(q: QuantizerID) -> Int? {
                var lo = 0, hi = members.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if members[mid] < q { lo = mid + 1 } else { hi = mid }
                }
                return lo < members.count && members[lo] == q ? lo : nil
            }
        }

        let local: Local
        let domains: [[DType]]
        /// First `x` column of each local quantizer.
        let first: [Int]
        /// The first `h` column (after every `x`).
        let hFirst: Int
        var columnCount: Int
        var rows: [Row] = []
        var levels: [Level] = []
        var choiceGroups: [[Int]] = []
        var converts = ConvertColumns()

        init(part: Part, domains: [[DType]], groupCount: Int) {
            local = Local(members: part.quantizers)
            self.domains = domains
            var first: [Int] = []
            var next = 0
            for d in domains { first.append(next); next += d.count }
            self.first = first
            hFirst = next
            columnCount = next + groupCount
        }

        /// The column of `x[q, d]`, if `d` is in `q`'s domain.
        func x(_ q: QuantizerID, _ d: DType) -> Int? {
            guard let k = local[q], let i = domains[k].firstIndex(of: d) else { return nil }
            return first[k] + i
        }

        /// The column of `x[q, d]`, which must exist.
        func column(_ q: QuantizerID, _ d: DType) -> Int {
            guard let c = x(q, d) else { preconditionFailure("no column for quantizer \(q) at \(d)") }
            return c
        }

        /// `Σ_d x[q, d] = 1`: each quantizer takes one dtype.
        mutating func choiceRows() {
            for (k, d) in domains.enumerated() {
                rows.append(Row(terms: d.indices.map { (first[k] + $0, 1) }, kind: .equal(1)))
            }
        }

        /// Pairs a kernel list forbids (both modes).
        mutating func kernelRows(_ kernels: [Int], problem: borrowing PlanningProblem) {
            for c in kernels {
                let kc = problem.kernels[c]
                if let combinations = kc.combinations {
                    combinationRows(kc, combinations)
                    continue
                }
                for a in kc.activations {
                    guard let ka = local[a] else { continue }
                    if let w = kc.weight, let kw = local[w], w != a {
                        for da in domains[ka] {
                            for dw in domains[kw] where !kc.allows(activation: da, weight: dw) {
                                rows.append(Row(terms: [(column(a, da), 1), (column(w, dw), 1)], kind: .atMost(1)))
                            }
                        }
                    } else {
                        let wd = kc.weight.map { problem.graph.dtypes[$0] }
                        for da in domains[ka] where !kc.allows(activation: da, weight: kc.weight == a ? da : wd) {
                            rows.append(Row(terms: [(column(a, da), 1)], kind: .atMost(0)))
                        }
                    }
                }
            }
        }

        /// A per-input kernel list: one 0/1 column per allowed combination, exactly one
        /// chosen, and every quantizer of every slot at a dtype the chosen one allows:
        /// `x[q, d] ≤ Σ_{k allows d at q's slot} y_k`.
        mutating func combinationRows(_ kc: KernelConstraint, _ combinations: [KernelConstraint.Combination]) {
            let y = combinations.indices.map { _ in newColumn() }
            choiceGroups.append(y)
            rows.append(Row(terms: y.map { ($0, 1) }, kind: .equal(1)))
            func slot(_ quantizers: [QuantizerID], _ allowed: (KernelConstraint.Combination) -> Set<DType>?) {
                for q in quantizers {
                    guard let k = local[q] else { continue }
                    for d in domains[k] {
                        let admitting = combinations.indices.filter { allowed(combinations[$0]).map { $0.contains(d) } ?? true }
                        guard admitting.count < combinations.count else { continue }  // every combination allows d
                        rows.append(Row(terms: [(column(q, d), 1)] + admitting.map { (y[$0], -1) }, kind: .atMost(0)))
                    }
                }
            }
            for (i, quantizers) in kc.inputQuantizers.enumerated() { slot(quantizers) { i < $0.inputs.count ? $0.inputs[i] : nil } }
            if let w = kc.weight { slot([w]) { $0.weight } }
            slot(kc.outputQuantizers) { $0.output }
        }

        /// Strict mode: every explicit target holds.
        mutating func strictRows(_ targets: [Target]) {
            for t in targets {
                for q in t.quantizers where local[q] != nil {
                    rows.append(Row(terms: [(column(q, t.dtype), 1)], kind: .equal(1)))
                }
            }
        }

        /// Homogeneity: h[g] ≥ |x[q0, d] − x[q, d]| for every other member q and dtype d.
        mutating func homogeneityRows(_ groups: [HomogeneityGroup]) {
            for (g, group) in groups.enumerated() {
                let h = hFirst + g
                let q0 = group.quantizers[0]
                guard let k0 = local[q0] else { preconditionFailure("homogeneity group of op \(group.op) outside its part") }
                for q in group.quantizers.dropFirst() {
                    guard let k = local[q] else { preconditionFailure("homogeneity group of op \(group.op) outside its part") }
                    for d in Set(domains[k0] + domains[k]).sorted() {
                        var plus: [(Int, Double)] = [(h, -1)], minus: [(Int, Double)] = [(h, -1)]
                        if let c = x(q0, d) { plus.append((c, 1)); minus.append((c, -1)) }
                        if let c = x(q, d) { plus.append((c, -1)); minus.append((c, 1)) }
                        rows.append(Row(terms: plus, kind: .atMost(0)))
                        rows.append(Row(terms: minus, kind: .atMost(0)))
                    }
                }
            }
        }

        /// Best-effort: the deviation counts of every request, latest first; only then,
        /// among plans with those counts, how near the misses land — again latest first.
        mutating func requestLevels(_ targets: [Target], problem: borrowing PlanningProblem) {
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
                        count.terms.append((column(q, t.dtype), -1))
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

        /// A new 0/1 column after every `x` and `h`.
        mutating func newColumn() -> Int {
            defer { columnCount += 1 }
            return columnCount
        }

        /// The converts of `sites` (§11) as one level, then the elements they move as
        /// another, with indicator columns:
        /// - a requantize edge's `c ≥ x[own, d] − x[u, d]` for each upstream `u` and dtype
        ///   `d`, so `c` is 1 exactly when some upstream quantizer holds another dtype;
        /// - a mixed read's `|∪ S_i| − max_i |S_i|` as `Σ_d a_d − Σ_d t_d`: `a_d ≥ x[q, d]`
        ///   marks the dtypes present, `s_{i,d} ≤ Σ_{q ∈ E_i} x[q, d]` those of input `i`,
        ///   one `z_i` picks an input, and `t_d ≤ s_{i,d} + 1 − z_i` counts the picked
        ///   input's dtypes. Minimizing pushes `a` down to presence and `t` up to the largest
        ///   input's dtypes, so at the optimum the level is the contract's count.
        ///
        /// Elements: a requantize edge moves its tensor's (`size · c`). A converted dtype
        /// `d` of a mixed read (`a_d − t_d`, exact once the count is held at its optimum)
        /// moves the tensor of the first input that brings it: `size · (a_d − t_d)` when
        /// every input has one size, else `f_{i,d} ≥ a_d − t_d + s_{i,d} − Σ_{j<i} s_{j,d} − 1`
        /// with `s` made exact from below (`s_{i,d} ≥ x[q, d]`), costing `size_i · f_{i,d}`.
        /// Minimizing elements over the pick `z` is the report's rule for which input is
        /// read as is (``ConvertSite/items(_:elements:)``). Unknown sizes count 0; the level
        /// is left out when its coefficients could exceed what a `Double` holds exactly.
        mutating func convertLevels(_ sites: [ConvertSite], graph: SimGraph) {
            let (firstRow, firstColumn) = (rows.count, columnCount)
            defer {
                converts.rows = firstRow..<rows.count
                converts.columns = firstColumn..<columnCount
                converts.sites = sites.map { site in
                    (site, (0..<graph.inputCount(op: site.op)).map { graph.elements(op: site.op, input: $0) })
                }
            }
            var level = Level(kind: .converts), elements = Level(kind: .convertElements)
            for site in sites {
                switch site {
                case let .requantize(op, input, own, upstream):
                    guard let k = local[own] else { continue }
                    let c = newColumn()
                    for u in upstream {
                        for d in domains[k] {
                            var terms: [(Int, Double)] = [(column(own, d), 1), (c, -1)]
                            if let cu = x(u, d) { terms.append((cu, -1)) }
                            rows.append(Row(terms: terms, kind: .atMost(0)))
                        }
                    }
                    level.terms.append((c, 1))
                    if let size = graph.elements(op: op, input: input), size > 0 { elements.terms.append((c, Double(size))) }
                case let .mixed(op, inputs):
                    var dtypes = inputs.flatMap { $0 }.flatMap { q in local[q].map { domains[$0] } ?? [] }
                    dtypes.sortAndRemoveDuplicates()
                    var present: [Int] = []
                    for d in dtypes {
                        let a = newColumn()
                        present.append(a)
                        for q in Set(inputs.flatMap { $0 }).sorted() {
                            if let cq = x(q, d) { rows.append(Row(terms: [(cq, 1), (a, -1)], kind: .atMost(0))) }
                        }
                        level.terms.append((a, 1))
                    }
                    var s: [[Int]] = []
                    for members in inputs {
                        s.append(
                            dtypes.map { d in
                                let c = newColumn()
                                rows.append(Row(terms: [(c, 1)] + members.compactMap { q in x(q, d).map { ($0, -1) } }, kind: .atMost(0)))
                                return c
                            })
                    }
                    let z = inputs.indices.map { _ in newColumn() }
                    rows.append(Row(terms: z.map { ($0, 1) }, kind: .equal(1)))
                    var picked: [Int] = []
                    for (j, _) in dtypes.enumerated() {
                        let t = newColumn()
                        picked.append(t)
                        for i in inputs.indices {
                            rows.append(Row(terms: [(t, 1), (s[i][j], -1), (z[i], 1)], kind: .atMost(1)))
                        }
                        level.terms.append((t, -1))
                    }
                    mixedElements(
                        op: op, inputs: inputs, dtypes: dtypes, present: present, picked: picked, s: s, graph: graph, into: &elements)
                }
            }
            levels.append(level)
            // Exact in a Double: every partial sum of the level stays below 2^52.
            let bound = elements.terms.reduce(0.0) { $0 + abs($1.1) }
            if !elements.terms.isEmpty, bound < 0x1p52 { levels.append(elements) }
        }

        /// A mixed read's elements (see ``convertLevels(_:graph:)``).
        private mutating func mixedElements(
            op: OpID, inputs: [[QuantizerID]], dtypes: [DType], present: [Int], picked: [Int], s: [[Int]], graph: SimGraph,
            into elements: inout Level
        ) {
            let sizes = inputs.indices.map { graph.elements(op: op, input: $0) ?? 0 }
            guard sizes.contains(where: { $0 > 0 }) else { return }
            if let size = sizes.first, sizes.allSatisfy({ $0 == size }) {
                for j in dtypes.indices {
                    elements.terms.append((present[j], Double(size)))
                    elements.terms.append((picked[j], -Double(size)))
                }
                return
            }
            for (i, members) in inputs.enumerated() {
                for (j, d) in dtypes.enumerated() {
                    for q in members { if let cq = x(q, d) { rows.append(Row(terms: [(cq, 1), (s[i][j], -1)], kind: .atMost(0))) } }
                }
            }
            for (j, _) in dtypes.enumerated() {
                for i in inputs.indices where sizes[i] > 0 {
                    let f = newColumn()
                    let earlier = (0..<i).map { (s[$0][j], -1.0) }
                    rows.append(
                        Row(terms: [(present[j], 1), (picked[j], -1), (s[i][j], 1), (f, -1)] + earlier, kind: .atMost(1)))
                    elements.terms.append((f, Double(sizes[i])))
                }
            }
        }

        /// Ops made to read their inputs at different dtypes.
        mutating func heterogeneityLevel(_ groupCount: Int) {
            levels.append(Level(kind: .heterogeneity, terms: (0..<groupCount).map { (hFirst + $0, 1) }))
        }

        /// Derived targets (outputs that follow their layer) that miss their dtype.
        mutating func derivedLevel(_ targets: [Target]) {
            var derived = Level(kind: .derivedDeviations)
            for t in targets where t.tier == .derived {
                for q in t.quantizers where local[q] != nil {
                    derived.constant += 1
                    derived.terms.append((column(q, t.dtype), -1))
                }
            }
            levels.append(derived)
        }

        /// Every quantizer of the sim that leaves its given dtype; then, when the part holds
        /// candidate converts, every candidate that leaves the dtype it started at.
        mutating func otherChangesLevel(problem: borrowing PlanningProblem) {
            var others = Level(kind: .otherChanges), candidates = Level(kind: .candidateChanges)
            for q in local.members {
                let change = (column(q, problem.graph.dtypes[q]), -1.0)
                if q < problem.firstCandidate {
                    others.constant += 1
                    others.terms.append(change)
                } else {
                    candidates.constant += 1
                    candidates.terms.append(change)
                }
            }
            levels.append(others)
            if !candidates.terms.isEmpty { levels.append(candidates) }
        }
    }

    /// The dtype chosen for each local quantizer by a 0/1 column vector.
    package func dtypes(from columns: [Int]) -> [DType] {
        domains.indices.map { k in
            // The choice row gives every quantizer exactly one dtype.
            guard let i = domains[k].indices.first(where: { columns[firstColumn[k] + $0] == 1 }) else {
                preconditionFailure("the solution chose no dtype for quantizer \(quantizers[k])")
            }
            return domains[k][i]
        }
    }
}
