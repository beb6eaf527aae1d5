/// The result of planning: a dtype for every quantizer, how each request fared, and —
/// for an infeasible strict plan — the conflicts that make it so.
public struct Plan: Sendable {
    public enum Mode: String, Sendable { case strict, bestEffort = "best-effort" }
    public enum Status: String, Sendable { case ok, infeasible }

    /// One quantizer of one target that did not get the target's dtype.
    public struct Deviation: Sendable, Equatable {
        public var quantizer: QuantizerID
        public var origin: Target.Origin
        public var tier: Target.Tier
        public var requested: DType
        public var realized: DType

        package init(quantizer: QuantizerID, origin: Target.Origin, tier: Target.Tier, requested: DType, realized: DType) {
            self.quantizer = quantizer
            self.origin = origin
            self.tier = tier
            self.requested = requested
            self.realized = realized
        }
    }

    /// How one request fared (contract §9).
    public struct Outcome: Sendable, Equatable {
        public enum Status: String, Sendable {
            case honored, partiallyHonored = "partially-honored", notHonored = "not-honored"
            case overridden, selectedNothing = "selected-nothing"
        }
        public var status: Status
        /// Explicit targets missed, then derived targets missed (which never count
        /// against the status: they are consequences, not requests).
        public var deviations: [Deviation]
        /// Requests that overrode some of this one's targets.
        public var overriddenBy: [RequestID]
        /// Number of explicit targets that survived.
        public var targetCount: Int

        package init(status: Status, deviations: [Deviation], overriddenBy: [RequestID], targetCount: Int) {
            self.status = status
            self.deviations = deviations
            self.overriddenBy = overriddenBy
            self.targetCount = targetCount
        }
    }

    /// A set of requests (and kernel rules) that cannot all hold together: drop any one
    /// and the rest can (contract §8).
    public struct Conflict: Sendable, Equatable {
        public enum Kind: String, Sendable { case sharedQuantizer = "shared-quantizer", kernel }

        /// One request's claim on a quantizer where the conflict's requests meet.
        public struct Ask: Sendable, Equatable {
            public var request: RequestID
            public var dtype: DType
            public var origin: Target.Origin
            /// How the origin reaches the quantizer.
            public var path: [PathStep]

            package init(request: RequestID, dtype: DType, origin: Target.Origin, path: [PathStep]) {
                self.request = request
                self.dtype = dtype
                self.origin = origin
                self.path = path
            }
        }

        /// A quantizer the conflict's requests speak about, and what each asks of it.
        public struct Collision: Sendable, Equatable {
            public var quantizer: QuantizerID
            public var asks: [Ask]
            /// Every slot naming the quantizer, when there are several (tied slots).
            public var tiedSlots: [String]

            package init(quantizer: QuantizerID, asks: [Ask], tiedSlots: [String]) {
                self.quantizer = quantizer
                self.asks = asks
                self.tiedSlots = tiedSlots
            }
        }

        /// A kernel rule that takes part: the op, what the requests would make it run,
        /// and what its list allows.
        public struct KernelRule: Sendable, Equatable {
            public var op: OpID
            /// (activation, weight) pairs the requests ask for; nil where they ask nothing.
            public var requested: [KernelRules.Kernel?]
            public var requestedText: [String]
            public var supported: [KernelRules.Kernel]

            package init(op: OpID, requested: [KernelRules.Kernel?], requestedText: [String], supported: [KernelRules.Kernel]) {
                self.op = op
                self.requested = requested
                self.requestedText = requestedText
                self.supported = supported
            }
        }

        /// What best-effort does instead with one of the conflict's requests.
        public struct Instead: Sendable, Equatable {
            public var request: RequestID
            public var status: Outcome.Status
            public var deviations: [Deviation]

            package init(request: RequestID, status: Outcome.Status, deviations: [Deviation]) {
                self.request = request
                self.status = status
                self.deviations = deviations
            }
        }

        public var kind: Kind
        public var requests: [RequestID]
        /// Ops whose kernel rule takes part.
        public var kernelOps: [OpID]
        /// Quantizers where the requests collide.
        public var quantizers: [QuantizerID]
        public var collisions: [Collision] = []
        public var kernelRules: [KernelRule] = []
        public var instead: [Instead] = []
        /// With `--insert-converts`: why no inserted convert resolves the conflict, one
        /// reason per place the requests meet (contract §11).
        public var convertsCannotHelp: [String] = []

        package init(
            kind: Kind, requests: [RequestID], kernelOps: [OpID], quantizers: [QuantizerID], collisions: [Collision] = [],
            kernelRules: [KernelRule] = [], instead: [Instead] = []
        ) {
            self.kind = kind
            self.requests = requests
            self.kernelOps = kernelOps
            self.quantizers = quantizers
            self.collisions = collisions
            self.kernelRules = kernelRules
            self.instead = instead
        }
    }

    public let mode: Mode
    public let status: Status
    public let problem: PlanningProblem
    /// The planned dtype of every quantizer (the given one where nothing was decided).
    public let dtypes: IDArray<QuantizerID, DType>
    public let outcomes: IDArray<RequestID, Outcome>
    public let conflicts: [Conflict]
    /// False when a part was so tangled that the search for conflicts stopped early.
    public let conflictsComplete: Bool

    /// The graph planned (the problem's, kept here for quick access).
    public let graph: SimGraph

    /// The dtype each quantizer had in the given sim.
    public let previous: IDArray<QuantizerID, DType>

    /// The sim's quantizers whose dtype changed (inserted ones are not changes: they are
    /// listed in ``inserted``).
    public let changed: [QuantizerID]

    /// The input quantizers the plan inserts (`--insert-converts`, contract §11): the last
    /// `inserted.count` quantizers of ``graph`` are `inserted[0]`, `inserted[1]`, …. For an
    /// infeasible plan, the edges where the planner could have inserted one: the graph
    /// holds them so conflicts can name them, but no sim gets them.
    public let inserted: [InsertedQuantizer]

    /// The number of quantizers of the given sim: they come first in ``graph``.
    public var givenQuantizerCount: Int { graph.quantizerCount - inserted.count }
    /// The quantizers of the given sim.
    public var givenQuantizers: Range<QuantizerID> { 0..<QuantizerID(givenQuantizerCount) }
    /// The quantizer the plan inserted as `inserted[k]`.
    public func insertedQuantizer(_ k: Int) -> QuantizerID { QuantizerID(givenQuantizerCount + k) }

    /// Where the plan's dtypes make a backend convert, and where the given sim's did
    /// (contract §11).
    public let converts: Converts
    public let givenConverts: Converts

    /// For the quantizers that changed without a request asking: the homogeneity groups and
    /// kernel rules they take part in (indices), so the reasons can be told without scanning.
    package let ruleIndex: (groups: [QuantizerID: [Int]], kernels: [QuantizerID: [Int]])

    /// For each quantizer, the requests whose surviving targets speak about it, with the
    /// dtype each asked for, by request index.
    private let reasonIndex: IDArray<QuantizerID, [(request: RequestID, asked: DType)]>

    package init(
        mode: Mode, status: Status, problem: PlanningProblem, dtypes: IDArray<QuantizerID, DType>, outcomes: IDArray<RequestID, Outcome>,
        conflicts: [Conflict],
        conflictsComplete: Bool = true, convertSites: [ConvertSite]? = nil, inserted: [InsertedQuantizer] = [],
        givenConverts: Converts? = nil
    ) {
        self.conflictsComplete = conflictsComplete
        self.mode = mode
        self.status = status
        self.problem = problem
        self.graph = problem.graph
        self.dtypes = dtypes
        self.outcomes = outcomes
        self.conflicts = conflicts
        previous = problem.graph.dtypes
        // The sites once (the planner's, when it had them), counted for both assignments.
        let given = previous, graph = problem.graph
        let sites = convertSites ?? ConvertSite.all(graph: graph, effective: problem.effective)
        // The given sim's converts are the caller's when the graph gained quantizers: the
        // given sim had none of them.
        let known = givenConverts
        let counted = Parallel.both(
            { Converts(graph: graph, sites: sites, dtypes: dtypes) }, { known ?? Converts(graph: graph, sites: sites, dtypes: given) })
        var planned = counted.0
        let firstInserted = QuantizerID(graph.quantizerCount - inserted.count)
        if status == .ok, !inserted.isEmpty {
            for k in planned.items.indices where planned.items[k].kind == .requantize {
                let item = planned.items[k]
                if let q = graph.inputSlots[item.op][item.input], q >= firstInserted { planned.items[k].inserted = true }
            }
        }
        (converts, self.givenConverts) = (planned, counted.1)
        self.inserted = inserted
        changed = (dtypes.startIndex..<firstInserted).filter { dtypes[$0] != problem.graph.dtypes[$0] }
        // Per quantizer, flat: a million quantizers, most of them without a reason.
        var index = IDArray<QuantizerID, [(request: RequestID, asked: DType)]>(repeating: [], count: dtypes.count)
        for t in problem.resolution.targets {
            for q in t.quantizers where !index[q].contains(where: { $0.request == t.request }) {
                index[q].append((t.request, t.dtype))
            }
        }
        for q in index.indices where index[q].count > 1 { index[q].sort { $0.request < $1.request } }
        reasonIndex = index
        let unexplained = Set(changed.filter { index[$0].isEmpty })
        var groups: [QuantizerID: [Int]] = [:], kernels: [QuantizerID: [Int]] = [:]
        if !unexplained.isEmpty {
            for (g, group) in problem.homogeneity.enumerated() {
                for q in group.quantizers where unexplained.contains(q) { groups[q, default: []].append(g) }
            }
            for (c, kc) in problem.kernels.enumerated() {
                for q in Set(kc.quantizers) where unexplained.contains(q) {
                    kernels[q, default: []].append(c)
                }
            }
        }
        ruleIndex = (groups, kernels)
    }

    /// The requests whose surviving targets speak about quantizer `q`, with the dtype each
    /// asked for, by request index.
    public func reasons(for q: QuantizerID) -> [(request: RequestID, asked: DType)] { reasonIndex[q] }
}
