/// A quantization-simulation graph: ops (leaf layers), the tensors between them, and the
/// quantizers sitting in their input, output and param slots (contract §2).
///
/// A `SimGraph` is always valid: its initializer checks every rule of the contract and
/// throws ``MMPError/invalidSim(_:)`` naming the offending op, tensor or quantizer.
/// Slots refer to quantizers by index; several slots naming the same quantizer are *tied*
/// and form one decision.
///
/// It is stored in columns: every name once in ``names``, each op field an array indexed
/// by op (or by edge, or by slot), each quantizer's name and given dtype an array indexed
/// by quantizer. ``ops`` and ``quantizers`` show the declared form, made on demand; passes
/// over the whole graph read the columns.
public struct SimGraph: Sendable {
    /// A quantizer: one decision of the plan, with its dtype in the given sim.
    public struct Quantizer: Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public init(name: String, dtype: DType) {
            self.name = name
            self.dtype = dtype
        }
    }

    /// A param slot of an op: the param exists; `quantizer` is nil when it is not quantized.
    public struct Param: Sendable, Equatable {
        public var name: String
        public var quantizer: String?
        public init(_ name: String, _ quantizer: String?) {
            self.name = name
            self.quantizer = quantizer
        }
    }

    /// One op (leaf layer) as declared: slots name quantizers by their names.
    public struct Op: Sendable, Equatable {
        public var name: String
        /// Op type in ONNX spelling where one exists (`Conv`, `Add`).
        public var type: String
        /// Framework class (`torch.nn.modules.conv.Conv2d`), if known.
        public var className: String?
        /// Module paths this op belongs to; usually one.
        public var modules: [String]
        /// Activation input tensors, in order.
        public var inputs: [String]
        public var outputs: [String]
        public var inputQuantizers: [String?]
        public var outputQuantizers: [String?]
        public var params: [Param]

        public init(
            name: String, type: String, className: String? = nil, modules: [String]? = nil,
            inputs: [String], outputs: [String],
            inputQuantizers: [String?]? = nil, outputQuantizers: [String?]? = nil,
            params: [Param] = []
        ) {
            self.name = name
            self.type = type
            self.className = className
            self.modules = modules ?? [name]
            self.inputs = inputs
            self.outputs = outputs
            self.inputQuantizers = inputQuantizers ?? Array(repeating: nil, count: inputs.count)
            self.outputQuantizers = outputQuantizers ?? Array(repeating: nil, count: outputs.count)
            self.params = params
        }
    }

    /// Where a tensor comes from.
    public enum Source: Sendable, Equatable {
        case modelInput(Int)
        case op(OpID, output: Int)
    }

    public let model: String?
    public let inputs: [String]
    public let outputs: [String]

    /// Every name of the graph: ops, tensors, quantizers, modules, params, op types.
    public private(set) var names: NameTable

    // MARK: Ops, in columns

    package let opNames: IDArray<OpID, NameID>
    package let opTypes: IDArray<OpID, NameID>
    package let opClasses: IDArray<OpID, NameID?>
    /// Op `k`'s module paths are `modules[moduleStart[k] ..< moduleStart[k + 1]]`.
    package let moduleStart: [Int]
    package let modules: [NameID]
    /// Op `k`'s param names are `paramNames[paramStart[k] ..< paramStart[k + 1]]`, in the
    /// order of ``paramSlots``.
    package let paramStart: [Int]
    package let paramNames: [NameID]
    /// The op of each name that is an op's name (-1 for other names).
    private let opOfName: [Int]

    /// Quantizer index per input slot of each op: `inputSlots[op][input]`.
    public internal(set) var inputSlots: SlotTable
    /// Quantizer index per output slot of each op.
    public let outputSlots: SlotTable
    /// Quantizer index per param of each op (aligned with `ops[k].params`).
    public let paramSlots: SlotTable

    // MARK: Quantizers, in columns

    /// The name of each quantizer.
    package private(set) var quantizerNames: IDArray<QuantizerID, NameID>
    /// Each quantizer's dtype in the given sim.
    public private(set) var dtypes: IDArray<QuantizerID, DType>
    /// The quantizer of each name that is a quantizer's name (-1 for other names).
    private var quantizerOfName: [Int]

    // MARK: Tensors and edges

    /// The producer of every tensor.
    public let source: TensorSources
    /// The (op, input) edges reading each tensor, in op order.
    public let consumers: TensorConsumers
    /// Ops ordered so that every producer precedes its consumers.
    public let topologicalOrder: [OpID]
    /// Input edges by number: op `k`'s inputs are edges `edgeStart[k] ..< edgeStart[k + 1]`,
    /// and `edgeTensor[e]` is the tensor edge `e` reads (see ``TensorSources``).
    private let edgeStart: [Int]
    private let edgeTensor: IDArray<EdgeID, TensorID>
    /// Each op's first output tensor; op `k`'s outputs are consecutive, and
    /// `firstOutputTensor[ops.count]` is the number of tensors.
    private let firstOutputTensor: [Int]
    /// The model output tensors.
    private let modelOutputTensors: Set<TensorID>

    /// Known tensor shapes (the file's optional `tensors`), by tensor name: what converts
    /// there cost in elements (contract §11).
    public let tensorShapes: [String: [Int]]

    // MARK: Reading the columns

    /// The number of ops.
    public var opCount: Int { opNames.count }
    /// The number of quantizers.
    public var quantizerCount: Int { quantizerNames.count }
    /// The number of input edges.
    public var edgeCount: Int { edgeTensor.count }
    /// Every op, in op order.
    public var opIDs: Range<OpID> { opNames.indices }
    /// Every quantizer, in list order.
    public var quantizerIDs: Range<QuantizerID> { quantizerNames.indices }

    /// The ops in their declared form, each made when it is read.
    public var ops: OpList { OpList(graph: self) }
    /// The quantizers in their declared form, each made when it is read.
    public var quantizers: QuantizerList { QuantizerList(graph: self) }

    /// The index of each quantizer by name.
    public var quantizerIndex: NameIndex<QuantizerID> { NameIndex(names: names, number: quantizerOfName) }
    /// The index of each op by name.
    public var opIndex: NameIndex<OpID> { NameIndex(names: names, number: opOfName) }

    /// The name of op `op`.
    public func opName(_ op: OpID) -> String { names[opNames[op]] }
    /// The type of op `op`.
    public func opType(_ op: OpID) -> String { names[opTypes[op]] }
    /// The name of quantizer `q`.
    public func quantizerName(_ q: QuantizerID) -> String { names[quantizerNames[q]] }
    /// The name of tensor `tensor`.
    public func tensorName(_ tensor: TensorID) -> String { names[source.names[tensor]] }

    /// The number of op `op`'s activation inputs.
    public func inputCount(op: OpID) -> Int { Self.run(of: op, in: edgeStart).count }
    /// The number of op `op`'s outputs.
    public func outputCount(op: OpID) -> Int { Self.run(of: op, in: firstOutputTensor).count }
    /// The names of op `op`'s module paths.
    package func moduleNames(op: OpID) -> ArraySlice<NameID> { modules[Self.run(of: op, in: moduleStart)] }
    /// The names of op `op`'s params, in slot order.
    package func paramNames(op: OpID) -> ArraySlice<NameID> { paramNames[Self.run(of: op, in: paramStart)] }

    /// Op `op`'s run of a column stored flat, `starts` holding where each op's run begins
    /// (and, last, where the column ends).
    private static func run(of op: OpID, in starts: [Int]) -> Range<Int> { starts[op.rawValue]..<starts[op.rawValue + 1] }
    /// The slot of op `op`'s param named `name`, if it has one.
    public func paramSlot(op: OpID, named name: String) -> Int? {
        guard let id = names.find(name) else { return nil }
        return paramNames(op: op).firstIndex(of: id).map { $0 - paramStart[op.rawValue] }
    }
    /// The slot of op `op`'s param named `name` (a number from ``names``), if it has one.
    package func paramSlot(op: OpID, named name: NameID?) -> Int? {
        guard let name else { return nil }
        return paramNames(op: op).firstIndex(of: name).map { $0 - paramStart[op.rawValue] }
    }
    /// The name of op `op`'s param in slot `slot`.
    public func paramName(op: OpID, slot: Int) -> String { names[paramNames[paramStart[op.rawValue] + slot]] }

    /// The edge of op `op`'s input `input`.
    public func edge(op: OpID, input: Int) -> EdgeID {
        precondition(input >= 0 && input < inputCount(op: op), "SimGraph: op \(op) has no input \(input)")
        return EdgeID(edgeStart[op.rawValue] + input)
    }
    /// The op and input of edge `edge`: the inverse of ``edge(op:input:)``, by a binary
    /// search of where each op's inputs begin.
    public func opAndInput(of edge: EdgeID) -> (op: OpID, input: Int) {
        precondition(edge.rawValue >= 0 && edge.rawValue < edgeCount, "SimGraph: no edge \(edge)")
        // The last op whose inputs begin at or before the edge: ops without inputs share
        // their beginning with the next op, which is the one holding the edge.
        var low = 0, high = opCount - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if edgeStart[mid] <= edge.rawValue { low = mid } else { high = mid - 1 }
        }
        return (OpID(low), edge.rawValue - edgeStart[low])
    }

    /// The tensor op `op` reads at input `input`: hot passes look tensors up by id, not by
    /// name.
    package func inputTensor(op: OpID, input: Int) -> TensorID { edgeTensor[EdgeID(edgeStart[op.rawValue] + input)] }

    /// The tensor op `op` writes at output `output`.
    package func outputTensor(op: OpID, output: Int) -> TensorID { TensorID(firstOutputTensor[op.rawValue] + output) }

    /// Op `op`'s output tensors, in order.
    package func outputTensors(op: OpID) -> Range<TensorID> {
        Range(ids: Self.run(of: op, in: firstOutputTensor))
    }

    /// Whether tensor `tensor` is a model output.
    package func isModelOutput(tensor: TensorID) -> Bool { modelOutputTensors.contains(tensor) }

    /// The name of the tensor op `op` reads at input `input`.
    public func inputTensorName(op: OpID, input: Int) -> String { tensorName(inputTensor(op: op, input: input)) }
    /// The name of the tensor op `op` writes at output `output`.
    public func outputTensorName(op: OpID, output: Int) -> String { tensorName(outputTensor(op: op, output: output)) }

    // MARK: Building

    public init(
        model: String? = nil, inputs: [String], outputs: [String], ops: some Sequence<Op>,
        quantizers: some Sequence<Quantizer>, tensorShapes: [String: [Int]] = [:]
    ) throws(MMPError) {
        var draft = SimGraphDraft()
        draft.model = model
        draft.inputs = inputs
        draft.outputs = outputs
        draft.tensorShapes = tensorShapes
        for q in quantizers { draft.append(q) }
        for op in ops { draft.append(op) }
        try self.init(draft: draft)
    }

    /// Checks a reader's draft against every rule of the contract and indexes it. The
    /// first problem found is reported, in this order: a quantizer listed twice; the model
    /// inputs, op names and tensors, in op order; the slots, in op order; the tensors the
    /// edges read; the model outputs; the shapes; a cycle.
    public init(draft: consuming SimGraphDraft) throws(MMPError) {
        var d = consume draft
        if d.overflowed { throw .invalidSim("the file has more than \(NameTable.capacityLimit) distinct names") }
        for name in d.inputs + d.outputs { _ = d.intern(name) }
        if d.overflowed { throw .invalidSim("the file has more than \(NameTable.capacityLimit) distinct names") }
        let names = d.names
        model = d.model
        inputs = d.inputs
        outputs = d.outputs
        self.names = names

        // Quantizers: each name once.
        var quantizerOfName = Array(repeating: -1, count: names.count)
        for (q, name) in d.quantizerNames.enumerated() {
            if quantizerOfName[name.rawValue] >= 0 { throw .invalidSim("quantizer '\(names[name])' is listed twice") }
            quantizerOfName[name.rawValue] = q
        }

        // Two independent passes at once: names, tensors and edges; and the slots. Each
        // reports its first problem in op order; the first pass's wins.
        let draft = d
        let (tensorPass, slotPass) = Parallel.both(
            { Result { () throws(MMPError) in try Tensors(draft) } },
            { [quantizerOfName] in Result { () throws(MMPError) in try Slots(draft, quantizerOfName: quantizerOfName) } })
        let tensors = try tensorPass.get()
        let slots = try slotPass.get()
        let edgeTensor = try tensors.edges.get()

        let opCount = draft.opNames.count
        let (readerCount, readers) = Self.readers(of: edgeTensor, edgeStart: draft.inputStart, tensorCount: tensors.sources.count)
        let sourceTable = TensorSources(
            names: tensors.names, index: NameIndex(names: names, number: tensors.ofName), sources: tensors.sources)
        let modelOutputTensors = try Self.modelOutputs(outputs, index: sourceTable.index)
        for name in draft.tensorShapes.keys.sorted() where sourceTable.index[name] == nil {
            throw .invalidSim("tensors: '\(echo(name))' is not a tensor of the graph (no op produces it and it is not a model input)")
        }
        let firstOutput = tensors.firstOutput + [tensors.sources.count]
        let order = try Self.order(
            opCount: opCount, edgeStart: draft.inputStart, edgeTensor: edgeTensor, firstOutput: firstOutput, sources: tensors.sources,
            readerStart: readerCount, readers: readers
        ) { stuck throws(MMPError) in
            throw .invalidSim(
                "the graph has a cycle: "
                    + Self.describeCycle(
                        stuck: stuck, opName: { names[draft.opNames[$0.rawValue]] },
                        reads: { k in
                            (draft.inputStart[k.rawValue]..<draft.inputStart[k.rawValue + 1]).map { e in
                                (edgeTensor[EdgeID(e)], names[draft.inputTensors[e]])
                            }
                        }, sources: tensors.sources))
        }

        opNames = IDArray(draft.opNames)
        opTypes = IDArray(draft.opTypes)
        opClasses = IDArray(draft.opClasses)
        moduleStart = draft.moduleStart
        modules = draft.modules
        paramStart = draft.paramStart
        paramNames = draft.paramNames
        opOfName = tensors.opOfName
        inputSlots = slots.inputs
        outputSlots = slots.outputs
        paramSlots = slots.params
        quantizerNames = IDArray(draft.quantizerNames)
        dtypes = IDArray(draft.dtypes)
        self.quantizerOfName = quantizerOfName
        tensorShapes = draft.tensorShapes
        source = sourceTable
        consumers = TensorConsumers(index: sourceTable.index, start: readerCount, readers: readers)
        topologicalOrder = order
        edgeStart = draft.inputStart
        self.edgeTensor = edgeTensor
        firstOutputTensor = firstOutput
        self.modelOutputTensors = modelOutputTensors
    }

    /// Adds a quantizer (named `name`, which no quantizer has) after the others.
    package mutating func appendQuantizer(named name: String, dtype: DType) -> QuantizerID {
        guard let id = names.intern(name) else { preconditionFailure("SimGraph: too many names") }
        if id.rawValue >= quantizerOfName.count {
            quantizerOfName.append(contentsOf: repeatElement(-1, count: id.rawValue + 1 - quantizerOfName.count))
        }
        precondition(quantizerOfName[id.rawValue] < 0, "SimGraph: quantizer '\(name)' exists")
        let q = quantizerNames.append(id)
        dtypes.append(dtype)
        quantizerOfName[id.rawValue] = q.rawValue
        return q
    }

    /// Op names and tensors, checked: every op named once, every tensor produced once;
    /// and the tensor each edge reads.
    private struct Tensors: Sendable {
        /// The tensor of each name (-1 for names that are not tensors), and the name of each tensor.
        var ofName: [Int]
        var names: IDArray<TensorID, NameID> = []
        var sources: IDArray<TensorID, Source> = []
        var opOfName: [Int]
        /// Id of each op's first output tensor; its outputs have consecutive ids.
        var firstOutput: [Int] = []
        /// The tensor id each edge reads, or the first edge reading an unknown tensor.
        var edges: Result<IDArray<EdgeID, TensorID>, MMPError> = .success([])

        init(_ d: SimGraphDraft) throws(MMPError) {
            let n = d.names
            ofName = Array(repeating: -1, count: n.count)
            opOfName = Array(repeating: -1, count: n.count)
            let opCount = d.opNames.count
            names.reserveCapacity(d.inputs.count + d.outputTensors.count)
            sources.reserveCapacity(d.inputs.count + d.outputTensors.count)
            firstOutput.reserveCapacity(opCount)
            for (k, name) in d.inputs.enumerated() {
                guard let id = n.find(name) else { preconditionFailure("SimGraph: model inputs are interned") }
                if ofName[id.rawValue] >= 0 { throw .invalidSim("model input '\(name)' is listed twice") }
                ofName[id.rawValue] = sources.count
                names.append(id)
                sources.append(.modelInput(k))
            }
            for k in 0..<opCount {
                let name = d.opNames[k]
                if n.utf8Count(of: name) == 0 { throw .invalidSim("op #\(k) has an empty name") }
                if opOfName[name.rawValue] >= 0 { throw .invalidSim("duplicate op name '\(n[name])'") }
                opOfName[name.rawValue] = k
                if d.moduleStart[k] == d.moduleStart[k + 1] || d.modules[d.moduleStart[k]].rawValue < 0 {
                    throw .invalidSim("op '\(n[name])' has an empty module list")
                }
                firstOutput.append(sources.count)
                for e in d.outputStart[k]..<d.outputStart[k + 1] {
                    let t = d.outputTensors[e]
                    let existing = ofName[t.rawValue]
                    if existing >= 0 {
                        switch sources[TensorID(existing)] {
                        case .modelInput: throw .invalidSim("tensor '\(n[t])' is a model input but op '\(n[name])' also produces it")
                        case .op(let other, _):
                            throw .invalidSim(
                                "tensor '\(n[t])' is produced by both op '\(n[d.opNames[other.rawValue]])' and op '\(n[name])'")
                        }
                    }
                    ofName[t.rawValue] = sources.count
                    names.append(t)
                    sources.append(.op(OpID(k), output: e - d.outputStart[k]))
                }
            }
            edges = Result { () throws(MMPError) in try Self.edgeTensors(d, ofName: ofName) }
        }

        /// The tensor id each edge reads, in op order.
        private static func edgeTensors(_ d: SimGraphDraft, ofName: [Int]) throws(MMPError) -> IDArray<EdgeID, TensorID> {
            var edgeTensor: IDArray<EdgeID, TensorID> = []
            edgeTensor.reserveCapacity(d.inputTensors.count)
            for k in 0..<d.opNames.count {
                for e in d.inputStart[k]..<d.inputStart[k + 1] {
                    let id = ofName[d.inputTensors[e].rawValue]
                    guard id >= 0 else {
                        let n = d.names
                        throw .invalidSim(
                            "op '\(n[d.opNames[k]])' input \(e - d.inputStart[k]) reads tensor '\(n[d.inputTensors[e]])', which no op produces and is not a model input"
                        )
                    }
                    edgeTensor.append(TensorID(id))
                }
            }
            return edgeTensor
        }
    }

    /// Each op's slots as quantizer indices, checked: one quantizer entry per tensor,
    /// each param once, every named quantizer declared.
    private struct Slots: Sendable {
        var inputs = SlotTable(), outputs = SlotTable(), params = SlotTable()

        init(_ d: SimGraphDraft, quantizerOfName: [Int]) throws(MMPError) {
            let n = d.names
            let opCount = d.opNames.count
            inputs.reserveCapacity(ops: opCount, slots: d.inputQuantizers.count)
            outputs.reserveCapacity(ops: opCount, slots: d.outputQuantizers.count)
            params.reserveCapacity(ops: opCount, slots: d.paramQuantizers.count)
            func resolve(_ name: NameID?, _ what: @autoclosure () -> String) throws(MMPError) -> QuantizerID? {
                guard let name else { return nil }
                let q = quantizerOfName[name.rawValue]
                guard q >= 0 else { throw .invalidSim("\(what()) names quantizer '\(n[name])', which is not in 'quantizers'") }
                return QuantizerID(q)
            }
            // One op's slots, reused for every op.
            var ins: [QuantizerID?] = [], outs: [QuantizerID?] = [], ps: [QuantizerID?] = []
            for k in 0..<opCount {
                if let problem = d.slotProblem, problem.op == k { throw .invalidSim(problem.message) }
                func name() -> String { n[d.opNames[k]] }
                ins.removeAll(keepingCapacity: true)
                outs.removeAll(keepingCapacity: true)
                ps.removeAll(keepingCapacity: true)
                for e in d.inputStart[k]..<d.inputStart[k + 1] {
                    ins.append(try resolve(d.inputQuantizers[e], "op '\(name())' input \(e - d.inputStart[k])"))
                }
                for e in d.outputStart[k]..<d.outputStart[k + 1] {
                    outs.append(try resolve(d.outputQuantizers[e], "op '\(name())' output \(e - d.outputStart[k])"))
                }
                for e in d.paramStart[k]..<d.paramStart[k + 1] {
                    ps.append(try resolve(d.paramQuantizers[e], "op '\(name())' param '\(n[d.paramNames[e]])'"))
                }
                inputs.append(op: ins)
                outputs.append(op: outs)
                params.append(op: ps)
            }
        }
    }

    /// The readers of each tensor, by a counting sort of the edges: tensor `id`'s are
    /// `readers[start[id]..<start[id + 1]]`, in op order.
    private static func readers(
        of edgeTensor: IDArray<EdgeID, TensorID>, edgeStart: [Int], tensorCount: Int
    ) -> (start: [Int], readers: [(op: OpID, input: Int)]) {
        var readerCount = Array(repeating: 0, count: tensorCount + 1)
        for id in edgeTensor { readerCount[id.rawValue + 1] += 1 }
        for id in 0..<tensorCount { readerCount[id + 1] += readerCount[id] }
        var fill = readerCount
        var readers = Array(repeating: (op: OpID(0), input: 0), count: edgeTensor.count)
        for k in 0..<(edgeStart.count - 1) {
            for e in edgeStart[k]..<edgeStart[k + 1] {
                let id = edgeTensor[EdgeID(e)].rawValue
                readers[fill[id]] = (OpID(k), e - edgeStart[k])
                fill[id] += 1
            }
        }
        return (readerCount, readers)
    }

    /// The tensor ids of the model outputs, each produced by an op or a model input and
    /// listed once.
    private static func modelOutputs(_ outputs: [String], index: NameIndex<TensorID>) throws(MMPError) -> Set<TensorID> {
        var modelOutputTensors = Set<TensorID>()
        for (k, t) in outputs.enumerated() {
            guard let id = index[t] else {
                throw .invalidSim("model output \(k) '\(t)' is not produced by any op and is not a model input")
            }
            if !modelOutputTensors.insert(id).inserted { throw .invalidSim("model output '\(t)' is listed twice") }
        }
        return modelOutputTensors
    }

    /// The ops in topological order (Kahn's algorithm, ties broken by op index so the
    /// order is deterministic); `cycle` reports the ops it could not order.
    private static func order(
        opCount: Int, edgeStart: [Int], edgeTensor: IDArray<EdgeID, TensorID>, firstOutput: [Int],
        sources: IDArray<TensorID, Source>, readerStart: [Int], readers: [(op: OpID, input: Int)],
        cycle: ([Bool]) throws(MMPError) -> Never
    ) throws(MMPError) -> [OpID] {
        var indegree = Array(repeating: 0, count: opCount)
        for k in 0..<opCount {
            for e in edgeStart[k]..<edgeStart[k + 1] {
                if case .op = sources[edgeTensor[EdgeID(e)]] { indegree[k] += 1 }
            }
        }
        let sorted = TopologicalOrder.kahn(indegree: &indegree, ties: .stack) { k, visit in
            for id in firstOutput[k]..<firstOutput[k + 1] {
                for c in readers[readerStart[id]..<readerStart[id + 1]] { visit(c.op.rawValue) }
            }
        }
        guard let order = sorted else { try cycle(indegree.map { $0 > 0 }) }
        return order.map(OpID.init)
    }

    /// One cycle among the ops Kahn's algorithm could not order, as
    /// `op 'a' reads 'b:0' from op 'b' … reads 'a:0' from op 'a'`. Every stuck op has a
    /// stuck producer, so walking back from any of them must meet an op twice.
    private static func describeCycle(
        stuck: [Bool], opName: (OpID) -> String, reads: (OpID) -> [(tensor: TensorID, name: String)],
        sources: IDArray<TensorID, Source>
    ) -> String {
        guard var k = stuck.firstIndex(of: true).map(OpID.init) else { return "" }
        var seenAt: [OpID: Int] = [:]
        var path: [(op: OpID, tensor: String)] = []
        while seenAt[k] == nil {
            seenAt[k] = path.count
            guard
                let (p, t) = reads(k).lazy.compactMap({ r -> (OpID, String)? in
                    if case .op(let p, _) = sources[r.tensor], stuck[p.rawValue] { return (p, r.name) }
                    return nil
                }).first
            else { break }
            path.append((k, t))
            k = p
        }
        let loop = path[(seenAt[k] ?? 0)...]
        return loop.map { "op '\(opName($0.op))' reads '\($0.tensor)'" }.joined(separator: ", which ")
            + ", which op '\(opName(k))' produces"
    }

    /// Every module path any op belongs to, including all their ancestors, sorted.
    public var modulePaths: [String] {
        var paths = Set<String>()
        for m in Set(modules) {
            for p in ModulePath.selfAndAncestors(names[m]) { paths.insert(String(p)) }
        }
        return paths.sorted()
    }
}

/// Names of one kind — ops, quantizers or tensors — and the id of each: `index[name]`.
public struct NameIndex<ID: TypedID>: Sendable {
    @usableFromInline let names: NameTable
    /// By name number: the number of the op, quantizer or tensor it names, or -1.
    @usableFromInline let number: [Int]

    @usableFromInline init(names: NameTable, number: [Int]) {
        self.names = names
        self.number = number
    }

    /// The id of the op, quantizer or tensor named `name`.
    @inlinable public subscript(name: String) -> ID? {
        guard let id = names.find(name), id.rawValue < number.count else { return nil }
        let k = number[id.rawValue]
        return k >= 0 ? ID(k) : nil
    }
}

/// Where each tensor comes from: `source[name]` is its producer, or nil for an unknown tensor.
public struct TensorSources: Sendable {
    /// The name of each tensor.
    package let names: IDArray<TensorID, NameID>
    /// Each tensor, by name.
    package let index: NameIndex<TensorID>
    package let sources: IDArray<TensorID, SimGraph.Source>

    public subscript(tensor: String) -> SimGraph.Source? { index[tensor].map { sources[$0] } }

    /// The producer of tensor `id`.
    package subscript(id id: TensorID) -> SimGraph.Source { sources[id] }

    /// The number of tensors.
    public var count: Int { sources.count }
}

/// Which (op, input) edges read each tensor, in op order: `consumers[name]`, or nil when
/// nothing reads it. Stored flat: one array of edges, grouped by tensor.
public struct TensorConsumers: Sendable {
    package let index: NameIndex<TensorID>
    package let start: [Int]
    package let readers: [(op: OpID, input: Int)]

    public subscript(tensor: String) -> [(op: OpID, input: Int)]? {
        guard let k = index[tensor]?.rawValue, start[k] < start[k + 1] else { return nil }
        return Array(readers[start[k]..<start[k + 1]])
    }

    /// The edges reading tensor `id`, without copying.
    package subscript(id id: TensorID) -> ArraySlice<(op: OpID, input: Int)> { readers[start[id.rawValue]..<start[id.rawValue + 1]] }
}

/// The ops of a graph in their declared form (``SimGraph/Op``), each made when read.
public struct OpList: RandomAccessCollection, Sendable, Equatable, CustomStringConvertible {
    public typealias Indices = Range<OpID>
    fileprivate let graph: SimGraph
    public var startIndex: OpID { 0 }
    public var endIndex: OpID { OpID(graph.opCount) }

    public subscript(k: OpID) -> SimGraph.Op {
        let g = graph, n = g.names
        func quantizer(_ q: QuantizerID?) -> String? { q.map(g.quantizerName) }
        return SimGraph.Op(
            name: n[g.opNames[k]], type: n[g.opTypes[k]], className: g.opClasses[k].map { n[$0] },
            modules: g.moduleNames(op: k).map { n[$0] },
            inputs: (0..<g.inputCount(op: k)).map { g.inputTensorName(op: k, input: $0) },
            outputs: (0..<g.outputCount(op: k)).map { g.outputTensorName(op: k, output: $0) },
            inputQuantizers: g.inputSlots[k].map(quantizer), outputQuantizers: g.outputSlots[k].map(quantizer),
            params: zip(g.paramNames(op: k), g.paramSlots[k]).map { SimGraph.Param(n[$0], quantizer($1)) })
    }

    public static func == (a: OpList, b: OpList) -> Bool { a.elementsEqual(b) }

    /// The ops as declared (not how they are stored).
    public var description: String { "\(Array(self))" }
}

/// The quantizers of a graph in their declared form (``SimGraph/Quantizer``), each made when read.
public struct QuantizerList: RandomAccessCollection, Sendable, Equatable, CustomStringConvertible {
    public typealias Indices = Range<QuantizerID>
    fileprivate let graph: SimGraph
    public var startIndex: QuantizerID { 0 }
    public var endIndex: QuantizerID { QuantizerID(graph.quantizerCount) }

    public subscript(q: QuantizerID) -> SimGraph.Quantizer { SimGraph.Quantizer(name: graph.quantizerName(q), dtype: graph.dtypes[q]) }

    public static func == (a: QuantizerList, b: QuantizerList) -> Bool { a.elementsEqual(b) }

    /// The quantizers as declared (not how they are stored).
    public var description: String { "\(Array(self))" }
}
