/// A sim graph as a reader collects it: every name interned in one ``NameTable``, each op
/// field in a column, nothing checked yet. ``SimGraph/init(draft:)`` checks it — the one
/// place the contract's graph rules are enforced — and indexes it.
///
/// Both readers fill one: the streaming reader straight from the file's bytes, the general
/// one (and the ONNX path, and tests) through ``append(_:)`` with declared ops. Two reading
/// threads each fill their own, and ``append(draft:)`` joins them.
public struct SimGraphDraft: Sendable {
    public var names = NameTable()
    public var model: String?
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var tensorShapes: [String: [Int]] = [:]

    // Ops, one row each.
    public internal(set) var opNames: [NameID] = []
    public internal(set) var opTypes: [NameID] = []
    public internal(set) var opClasses: [NameID?] = []
    /// Op `k`'s columns of a list field are `column[start[k] ..< start[k + 1]]`.
    public internal(set) var moduleStart: [Int] = [0]
    public internal(set) var modules: [NameID] = []
    public internal(set) var inputStart: [Int] = [0]
    public internal(set) var inputTensors: [NameID] = []
    public internal(set) var inputQuantizers: [NameID?] = []
    public internal(set) var outputStart: [Int] = [0]
    public internal(set) var outputTensors: [NameID] = []
    public internal(set) var outputQuantizers: [NameID?] = []
    public internal(set) var paramStart: [Int] = [0]
    public internal(set) var paramNames: [NameID] = []
    public internal(set) var paramQuantizers: [NameID?] = []
    /// The first op whose slots do not match its fields (a count, a param twice): reported
    /// after the names and tensors are checked, as the contract's order of checks has it.
    public internal(set) var slotProblem: (op: Int, message: String)?

    // Quantizers, in file order.
    public internal(set) var quantizerNames: [NameID] = []
    public internal(set) var dtypes: [DType] = []

    /// Set when the names outgrow ``NameTable/capacityLimit``.
    public internal(set) var overflowed = false

    public init() {}

    /// The number of ops so far.
    public var opCount: Int { opNames.count }

    /// The number of `name`, added if new.
    public mutating func intern(_ name: String) -> NameID {
        if let id = names.intern(name) { return id }
        overflowed = true
        return NameID(0)
    }

    /// The number of the name spelt `bytes`, added if new.
    public mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> NameID {
        if let id = names.intern(bytes) { return id }
        overflowed = true
        return NameID(0)
    }

    // MARK: Adding ops

    /// Starts an op: its name, type and class. Its list fields follow, each with its own
    /// `add…` call, and ``endOp()`` closes it.
    public mutating func beginOp(name: NameID, type: NameID, className: NameID?) {
        opNames.append(name)
        opTypes.append(type)
        opClasses.append(className)
    }

    public mutating func addModule(_ m: NameID) { modules.append(m) }

    public mutating func addInput(_ tensor: NameID, quantizer: NameID?) {
        inputTensors.append(tensor)
        inputQuantizers.append(quantizer)
    }

    public mutating func addOutput(_ tensor: NameID, quantizer: NameID?) {
        outputTensors.append(tensor)
        outputQuantizers.append(quantizer)
    }

    public mutating func addParam(_ name: NameID, quantizer: NameID?) {
        paramNames.append(name)
        paramQuantizers.append(quantizer)
    }

    /// Closes the op begun last; with no module given, its module is its name.
    public mutating func endOp() {
        if modules.count == moduleStart[moduleStart.count - 1] { modules.append(opNames[opNames.count - 1]) }
        moduleStart.append(modules.count)
        inputStart.append(inputTensors.count)
        outputStart.append(outputTensors.count)
        paramStart.append(paramNames.count)
    }

    /// Notes a problem with the slots of the op being added (the first one is kept).
    public mutating func noteSlotProblem(_ message: String) {
        if slotProblem == nil { slotProblem = (opNames.count - 1, message) }
    }

    /// Adds a declared op.
    public mutating func append(_ op: SimGraph.Op) {
        let name = intern(op.name)
        beginOp(name: name, type: intern(op.type), className: op.className.map { intern($0) })
        for m in op.modules { addModule(intern(m)) }
        if op.modules.isEmpty { modules.append(NameID(-1)) }  // an empty module list: rejected by the graph
        func quantizer(_ list: [String?], _ k: Int) -> NameID? {
            k < list.count ? list[k].map { intern($0) } : nil
        }
        for (i, t) in op.inputs.enumerated() { addInput(intern(t), quantizer: quantizer(op.inputQuantizers, i)) }
        for (j, t) in op.outputs.enumerated() { addOutput(intern(t), quantizer: quantizer(op.outputQuantizers, j)) }
        for p in op.params { addParam(intern(p.name), quantizer: p.quantizer.map { intern($0) }) }
        if op.inputQuantizers.count != op.inputs.count {
            noteSlotProblem("op '\(op.name)' has \(op.inputs.count) inputs but \(op.inputQuantizers.count) input_quantizers")
        } else if op.outputQuantizers.count != op.outputs.count {
            noteSlotProblem("op '\(op.name)' has \(op.outputs.count) outputs but \(op.outputQuantizers.count) output_quantizers")
        } else if let p = op.params.indices.first(where: { n in op.params[..<n].contains { $0.name == op.params[n].name } }) {
            noteSlotProblem("op '\(op.name)' lists param '\(op.params[p].name)' twice")
        }
        endOp()
    }

    // MARK: Adding quantizers

    /// Adds a quantizer; a name already listed is noted, and reported by the graph.
    public mutating func addQuantizer(_ name: NameID, dtype: DType) {
        quantizerNames.append(name)
        dtypes.append(dtype)
    }

    /// Adds a declared quantizer.
    public mutating func append(_ q: SimGraph.Quantizer) { addQuantizer(intern(q.name), dtype: q.dtype) }

    // MARK: Joining

    /// Appends `other`'s ops (after this draft's) and its quantizers (after these), its
    /// names joined into this table.
    public mutating func append(draft other: SimGraphDraft) {
        guard let remap = names.absorb(other.names) else {
            overflowed = true
            return
        }
        func map(_ id: NameID) -> NameID { id.rawValue < 0 ? id : remap[id.rawValue] }
        func map(_ id: NameID?) -> NameID? { id.map(map) }
        if slotProblem == nil, let p = other.slotProblem { slotProblem = (opCount + p.op, p.message) }
        opNames.append(contentsOf: other.opNames.lazy.map(map))
        opTypes.append(contentsOf: other.opTypes.lazy.map(map))
        opClasses.append(contentsOf: other.opClasses.lazy.map(map))
        func starts(_ mine: inout [Int], _ theirs: [Int]) {
            let base = mine[mine.count - 1]
            mine.append(contentsOf: theirs.dropFirst().lazy.map { $0 + base })
        }
        starts(&moduleStart, other.moduleStart)
        modules.append(contentsOf: other.modules.lazy.map(map))
        starts(&inputStart, other.inputStart)
        inputTensors.append(contentsOf: other.inputTensors.lazy.map(map))
        inputQuantizers.append(contentsOf: other.inputQuantizers.lazy.map(map))
        starts(&outputStart, other.outputStart)
        outputTensors.append(contentsOf: other.outputTensors.lazy.map(map))
        outputQuantizers.append(contentsOf: other.outputQuantizers.lazy.map(map))
        starts(&paramStart, other.paramStart)
        paramNames.append(contentsOf: other.paramNames.lazy.map(map))
        paramQuantizers.append(contentsOf: other.paramQuantizers.lazy.map(map))
        quantizerNames.append(contentsOf: other.quantizerNames.lazy.map(map))
        dtypes.append(contentsOf: other.dtypes)
        overflowed = overflowed || other.overflowed
    }
}
