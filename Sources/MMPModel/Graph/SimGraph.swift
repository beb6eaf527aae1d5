/// A quantization-simulation graph: ops (leaf layers), the tensors between them, and the
/// quantizers sitting in their input, output and param slots (contract §2).
///
/// A `SimGraph` is always valid: its initializer checks every rule of the contract and
/// throws ``MMPError/invalidSim(_:)`` naming the offending op, tensor or quantizer.
/// Slots refer to quantizers by index into ``quantizers``; several slots naming the same
/// quantizer are *tied* and form one decision.
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
        case op(Int, output: Int)
    }

    public let model: String?
    public let inputs: [String]
    public let outputs: [String]
    public internal(set) var ops: [Op]
    public internal(set) var quantizers: [Quantizer]

    // Resolved indices, built once by the initializer.
    public internal(set) var quantizerIndex: [String: Int]
    public let opIndex: [String: Int]
    /// Quantizer index per input slot of each op: `inputSlots[op][input]`.
    public internal(set) var inputSlots: SlotTable
    /// Quantizer index per output slot of each op.
    public let outputSlots: SlotTable
    /// Quantizer index per param of each op (aligned with `ops[k].params`).
    public let paramSlots: SlotTable
    /// The producer of every tensor.
    public let source: TensorSources
    /// The (op, input) edges reading each tensor, in op order.
    public let consumers: TensorConsumers
    /// Ops ordered so that every producer precedes its consumers.
    public let topologicalOrder: [Int]
    /// Input edges by number: op `k`'s inputs are edges `edgeStart[k] ..< edgeStart[k + 1]`,
    /// and `edgeTensor[e]` is the id of the tensor edge `e` reads (see ``TensorSources``).
    package let edgeStart: [Int]
    package let edgeTensor: [Int]
    /// Id of each op's first output tensor; op `k`'s outputs have consecutive ids.
    package let firstOutputTensor: [Int]
    /// Ids of the model output tensors.
    package let modelOutputTensors: Set<Int>

    /// The id of the tensor op `op` reads at input `input`: hot passes look tensors up by
    /// id, not by name.
    package func inputTensor(op: Int, input: Int) -> Int { edgeTensor[edgeStart[op] + input] }

    /// The id of the tensor op `op` writes at output `output`.
    package func outputTensor(op: Int, output: Int) -> Int { firstOutputTensor[op] + output }

    /// Whether the tensor with id `tensor` is a model output.
    package func isModelOutput(tensor: Int) -> Bool { modelOutputTensors.contains(tensor) }

    /// Known tensor shapes (the file's optional `tensors`), by tensor name: what converts
    /// there cost in elements (contract §11).
    public let tensorShapes: [String: [Int]]

    public init(
        model: String? = nil, inputs: [String], outputs: [String], ops: [Op],
        quantizers: [Quantizer], tensorShapes: [String: [Int]] = [:]
    ) throws(MMPError) {
        var qIndex: [String: Int] = [:]
        qIndex.reserveCapacity(quantizers.count)
        for (k, q) in quantizers.enumerated() {
            if qIndex.updateValue(k, forKey: q.name) != nil {
                throw .invalidSim("quantizer '\(q.name)' is listed twice")
            }
        }
        try self.init(
            model: model, inputs: inputs, outputs: outputs, opParts: [ops], quantizers: quantizers, quantizerIndex: qIndex,
            tensorShapes: tensorShapes)
    }

    /// How many ops before an op its inputs are first looked for among (by comparing
    /// strings, before any hashing): in exported graphs most edges read an output of one
    /// of the last few ops — a chain, or the branches of a residual add.
    static let recentProducers = 4

    /// The same, with the ops in consecutive parts (as two reading threads found them) and
    /// the index of quantizer names already built by a reader (which found no name
    /// twice): `quantizerIndex[quantizers[k].name] == k` for every `k`.
    ///
    /// The parts are consumed: with two or more, their ops are moved into one list (see
    /// `Array.joined(moving:placeholder:)`), not copied.
    package init(
        model: String?, inputs: [String], outputs: [String], opParts: consuming [[Op]],
        quantizers: [Quantizer], quantizerIndex qIndex: [String: Int], tensorShapes: [String: [Int]] = [:]
    ) throws(MMPError) {
        self.model = model
        self.inputs = inputs
        self.outputs = outputs
        self.quantizers = quantizers
        var parts = consume opParts
        let ops: [Op] =
            parts.count == 1
            ? parts[0]
            : [Op].joined(
                moving: &parts,
                placeholder: Op(
                    name: "", type: "", modules: [], inputs: [], outputs: [], inputQuantizers: [], outputQuantizers: []))
        parts = []
        self.ops = ops

        // Two independent passes at once: quantizer slots, and names and tensors. The checks
        // report their first problem in op order; the tensor pass's wins.
        enum Pass { case slots(Result<Slots, MMPError>), tensors(Result<Tensors, MMPError>) }
        let passes = Parallel.map(2) { n -> Pass in
            switch n {
            case 0:
                return .slots(Result { () throws(MMPError) in try Slots(parts: [ops], quantizers: quantizers, quantizerIndex: qIndex) })
            default: return .tensors(Result { () throws(MMPError) in try Tensors(inputs: inputs, parts: [ops]) })
            }
        }
        guard case .slots(let slotPass) = passes[0], case .tensors(let tensorPass) = passes[1] else {
            preconditionFailure("SimGraph: passes out of order")
        }
        let tensors = try tensorPass.get()
        let slots = try slotPass.get()

        // Every edge's tensor, in op order; the readers of each tensor; the model outputs;
        // the order. Each is a named step below, and each may reject the graph.
        var starts = [0]
        starts.reserveCapacity(ops.count + 1)
        for k in ops.indices { starts.append(starts[k] + ops[k].inputs.count) }
        let edgeStart = starts
        let edgeTensor = try Self.edgeTensors(ops: ops, edgeStart: edgeStart, tensors: tensors)
        let (readerCount, readers) = Self.readers(of: edgeTensor, edgeStart: edgeStart, tensorCount: tensors.sources.count)
        let sourceTable = TensorSources(id: tensors.id, sources: tensors.sources)
        let modelOutputTensors = try Self.modelOutputs(outputs, tensorID: tensors.id)
        for name in tensorShapes.keys.sorted() where tensors.id[name] == nil {
            throw .invalidSim("tensors: '\(echo(name))' is not a tensor of the graph (no op produces it and it is not a model input)")
        }
        self.tensorShapes = tensorShapes
        let order = try Self.order(
            ops: ops, edgeStart: edgeStart, edgeTensor: edgeTensor, tensors: tensors, readerStart: readerCount, readers: readers,
            source: sourceTable)

        self.quantizerIndex = qIndex
        self.opIndex = tensors.opIndex
        self.inputSlots = slots.inputs
        self.outputSlots = slots.outputs
        self.paramSlots = slots.params
        self.source = sourceTable
        self.consumers = TensorConsumers(id: tensors.id, start: readerCount, readers: readers)
        self.topologicalOrder = order
        self.edgeStart = edgeStart
        self.edgeTensor = edgeTensor
        self.firstOutputTensor = tensors.firstOutput
        self.modelOutputTensors = modelOutputTensors
    }

    /// The tensor id each edge reads, in op order, looked up on all cores.
    private static func edgeTensors(ops: [Op], edgeStart: [Int], tensors: Tensors) throws(MMPError) -> [Int] {
        let runs = Parallel.chunks(ops.count, parts: 2)
        var edgeTensor = Array(repeating: 0, count: edgeStart[ops.count])
        let tensorID = tensors.id, firstOutput = tensors.firstOutput
        let lookups: [MMPError?] = edgeTensor.withUnsafeMutableBufferPointer { out in
            let out = Unchecked(out)
            return Parallel.map(runs.count) { r in
                for k in runs[r] {
                    inputs: for (i, t) in ops[k].inputs.enumerated() {
                        // Most edges read an output of one of the few ops just before, often
                        // the very same string (see `SimGraphReader`): those are compared
                        // before the name is hashed.
                        for p in stride(from: k - 1, through: max(0, k - Self.recentProducers), by: -1) {
                            for (j, o) in ops[p].outputs.enumerated() where o == t {
                                out.value[edgeStart[k] + i] = firstOutput[p] + j
                                continue inputs
                            }
                        }
                        guard let id = tensorID[t] else {
                            return .invalidSim(
                                "op '\(ops[k].name)' input \(i) reads tensor '\(t)', which no op produces and is not a model input")
                        }
                        out.value[edgeStart[k] + i] = id
                    }
                }
                return nil
            }
        }
        if let problem = lookups.lazy.compactMap({ $0 }).first { throw problem }
        return edgeTensor
    }

    /// The readers of each tensor, by a counting sort of the edges: tensor `id`'s are
    /// `readers[start[id]..<start[id + 1]]`, in op order.
    private static func readers(
        of edgeTensor: [Int], edgeStart: [Int], tensorCount: Int
    ) -> (start: [Int], readers: [(op: Int, input: Int)]) {
        var readerCount = Array(repeating: 0, count: tensorCount + 1)
        for id in edgeTensor { readerCount[id + 1] += 1 }
        for id in 0..<tensorCount { readerCount[id + 1] += readerCount[id] }
        var fill = readerCount
        var readers = Array(repeating: (op: 0, input: 0), count: edgeTensor.count)
        for k in 0..<(edgeStart.count - 1) {
            for e in edgeStart[k]..<edgeStart[k + 1] {
                let id = edgeTensor[e]
                readers[fill[id]] = (k, e - edgeStart[k])
                fill[id] += 1
            }
        }
        return (readerCount, readers)
    }

    /// The tensor ids of the model outputs, each produced by an op or a model input and
    /// listed once.
    private static func modelOutputs(_ outputs: [String], tensorID: [String: Int]) throws(MMPError) -> Set<Int> {
        var modelOutputTensors = Set<Int>()
        for (k, t) in outputs.enumerated() {
            guard let id = tensorID[t] else {
                throw .invalidSim("model output \(k) '\(t)' is not produced by any op and is not a model input")
            }
            if !modelOutputTensors.insert(id).inserted { throw .invalidSim("model output '\(t)' is listed twice") }
        }
        return modelOutputTensors
    }

    /// The ops in topological order (Kahn's algorithm, ties broken by op index so the
    /// order is deterministic), or the cycle that prevents one.
    private static func order(
        ops: [Op], edgeStart: [Int], edgeTensor: [Int], tensors: Tensors, readerStart: [Int], readers: [(op: Int, input: Int)],
        source: TensorSources
    ) throws(MMPError) -> [Int] {
        // The outputs of op k are tensors firstOutput[k] ..< firstOutput[k] + outputs.count.
        var indegree = Array(repeating: 0, count: ops.count)
        for k in ops.indices {
            for e in edgeStart[k]..<edgeStart[k + 1] {
                if case .op = tensors.sources[edgeTensor[e]] { indegree[k] += 1 }
            }
        }
        let sorted = TopologicalOrder.kahn(indegree: &indegree, ties: .stack) { k, visit in
            let first = tensors.firstOutput[k]
            for id in first..<(first + ops[k].outputs.count) {
                for c in readers[readerStart[id]..<readerStart[id + 1]] { visit(c.op) }
            }
        }
        guard let order = sorted else {
            throw .invalidSim("the graph has a cycle: " + Self.describeCycle(ops: ops, source: source, stuck: indegree.map { $0 > 0 }))
        }
        return order
    }

    /// Op names and tensors, checked: every op named once, every tensor produced once.
    private struct Tensors {
        var opIndex: [String: Int] = [:]
        var id: [String: Int] = [:]
        var sources: [Source] = []
        /// Id of each op's first output tensor; its outputs have consecutive ids.
        var firstOutput: [Int] = []

        init(inputs: [String], parts: [[Op]]) throws(MMPError) {
            let opCount = parts.reduce(0) { $0 + $1.count }
            opIndex.reserveCapacity(opCount)
            id.reserveCapacity(inputs.count + opCount + opCount / 8)
            sources.reserveCapacity(id.capacity)
            firstOutput.reserveCapacity(opCount)
            for (k, name) in inputs.enumerated() {
                if id.updateValue(sources.count, forKey: name) != nil {
                    throw .invalidSim("model input '\(name)' is listed twice")
                }
                sources.append(.modelInput(k))
            }
            // Fields are read where they are (not whole-op copies): the slot pass reads the
            // same ops on the other core.
            var base = 0
            for ops in parts {
                for i in ops.indices {
                    let k = base + i
                    let name = ops[i].name
                    if name.isEmpty { throw .invalidSim("op #\(k) has an empty name") }
                    if opIndex.updateValue(k, forKey: name) != nil {
                        throw .invalidSim("duplicate op name '\(name)'")
                    }
                    if ops[i].modules.isEmpty { throw .invalidSim("op '\(name)' has an empty module list") }
                    firstOutput.append(sources.count)
                    for (j, t) in ops[i].outputs.enumerated() {
                        if let existing = id.updateValue(sources.count, forKey: t) {
                            switch sources[existing] {
                            case .modelInput: throw .invalidSim("tensor '\(t)' is a model input but op '\(name)' also produces it")
                            case .op(let other, _):
                                throw .invalidSim(
                                    "tensor '\(t)' is produced by both op '\(Self.name(of: other, in: parts))' and op '\(name)'")
                            }
                        }
                        sources.append(.op(k, output: j))
                    }
                }
                base += ops.count
            }
        }

        /// The name of op `k` of the parts taken as one list.
        static func name(of k: Int, in parts: [[Op]]) -> String {
            var k = k
            for ops in parts {
                if k < ops.count { return ops[k].name }
                k -= ops.count
            }
            return ""
        }
    }

    /// Each op's slots as quantizer indices, checked: one quantizer entry per tensor,
    /// each param once, every named quantizer declared.
    private struct Slots {
        var inputs = SlotTable(), outputs = SlotTable(), params = SlotTable()

        init(parts: [[Op]], quantizers: [Quantizer], quantizerIndex: [String: Int]) throws(MMPError) {
            // Files list quantizers in op order, so an op's quantizers are usually among the
            // few after the previous op's: those are compared before the name is hashed.
            var next = 0
            func resolve(_ name: String?, _ what: @autoclosure () -> String) throws(MMPError) -> Int? {
                guard let name else { return nil }
                for k in next..<min(next + 6, quantizers.count) where quantizers[k].name == name { return k }
                guard let k = quantizerIndex[name] else {
                    throw .invalidSim("\(what()) names quantizer '\(name)', which is not in 'quantizers'")
                }
                return k
            }
            let opCount = parts.reduce(0) { $0 + $1.count }
            // About one slot of each kind per op: the tables grow if there are more.
            inputs.reserveCapacity(ops: opCount, slots: opCount)
            outputs.reserveCapacity(ops: opCount, slots: opCount)
            params.reserveCapacity(ops: opCount, slots: opCount)
            // One op's slots, reused for every op.
            var ins: [Int?] = [], outs: [Int?] = [], ps: [Int?] = []
            for ops in parts {
                for k in ops.indices {
                    // Fields are read where they are (see `Tensors`).
                    let inQ = ops[k].inputQuantizers, outQ = ops[k].outputQuantizers, opParams = ops[k].params
                    func name() -> String { ops[k].name }
                    guard inQ.count == ops[k].inputs.count else {
                        throw .invalidSim("op '\(name())' has \(ops[k].inputs.count) inputs but \(inQ.count) input_quantizers")
                    }
                    guard outQ.count == ops[k].outputs.count else {
                        throw .invalidSim("op '\(name())' has \(ops[k].outputs.count) outputs but \(outQ.count) output_quantizers")
                    }
                    for (n, p) in opParams.enumerated() where opParams[..<n].contains(where: { $0.name == p.name }) {
                        throw .invalidSim("op '\(name())' lists param '\(p.name)' twice")
                    }
                    ins.removeAll(keepingCapacity: true)
                    outs.removeAll(keepingCapacity: true)
                    ps.removeAll(keepingCapacity: true)
                    for (i, q) in inQ.enumerated() { ins.append(try resolve(q, "op '\(name())' input \(i)")) }
                    for (j, q) in outQ.enumerated() { outs.append(try resolve(q, "op '\(name())' output \(j)")) }
                    for p in opParams { ps.append(try resolve(p.quantizer, "op '\(name())' param '\(p.name)'")) }
                    // The next op's quantizers are looked for after this op's last one.
                    func advance(past slots: [Int?]) { for case let s? in slots where s >= next { next = s + 1 } }
                    advance(past: ins); advance(past: outs); advance(past: ps)
                    inputs.append(op: ins); outputs.append(op: outs); params.append(op: ps)
                }
            }
        }
    }

    /// One cycle among the ops Kahn's algorithm could not order, as
    /// `op 'a' reads 'b:0' from op 'b' … reads 'a:0' from op 'a'`. Every stuck op has a
    /// stuck producer, so walking back from any of them must meet an op twice.
    private static func describeCycle(ops: [Op], source: TensorSources, stuck: [Bool]) -> String {
        guard var k = stuck.firstIndex(of: true) else { return "" }
        var seenAt: [Int: Int] = [:]
        var path: [(op: Int, tensor: String)] = []
        while seenAt[k] == nil {
            seenAt[k] = path.count
            guard
                let (p, t) = ops[k].inputs.lazy.compactMap({ t -> (Int, String)? in
                    if case .op(let p, _)? = source[t], stuck[p] { return (p, t) }
                    return nil
                }).first
            else { break }
            path.append((k, t))
            k = p
        }
        let loop = path[(seenAt[k] ?? 0)...]
        return loop.map { "op '\(ops[$0.op].name)' reads '\($0.tensor)'" }.joined(separator: ", which ")
            + ", which op '\(ops[k].name)' produces"
    }

    /// Every module path any op belongs to, including all their ancestors, sorted.
    public var modulePaths: [String] {
        var paths = Set<String>()
        for op in ops {
            for m in op.modules {
                for p in ModulePath.selfAndAncestors(m) { paths.insert(String(p)) }
            }
        }
        return paths.sorted()
    }
}

/// Where each tensor comes from: `source[name]` is its producer, or nil for an unknown tensor.
public struct TensorSources: Sendable {
    package let id: [String: Int]
    package let sources: [SimGraph.Source]

    public subscript(tensor: String) -> SimGraph.Source? { id[tensor].map { sources[$0] } }

    /// The producer of the tensor with id `id`.
    package subscript(id id: Int) -> SimGraph.Source { sources[id] }

    /// The number of tensors.
    public var count: Int { sources.count }
}

/// Which (op, input) edges read each tensor, in op order: `consumers[name]`, or nil when
/// nothing reads it. Stored flat: one array of edges, grouped by tensor.
public struct TensorConsumers: Sendable {
    package let id: [String: Int]
    package let start: [Int]
    package let readers: [(op: Int, input: Int)]

    public subscript(tensor: String) -> [(op: Int, input: Int)]? {
        guard let k = id[tensor], start[k] < start[k + 1] else { return nil }
        return Array(readers[start[k]..<start[k + 1]])
    }

    /// The edges reading the tensor with id `id`, without copying.
    package subscript(id id: Int) -> ArraySlice<(op: Int, input: Int)> { readers[start[id]..<start[id + 1]] }
}
