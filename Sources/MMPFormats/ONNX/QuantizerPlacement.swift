import MMPModel

/// Builds the sim graph of an ONNX model: places quantizers the way an AIMET quantsim
/// config says, as `QuantizationSimModel` would (contract §2).
///
/// - Ops: every node that produces a float activation. Nodes computing only from
///   constants are folded away; nodes producing no float tensor (Shape, ArgMax, IsNaN,
///   comparisons) are left out: nothing they produce is quantized.
/// - An activation (a non-constant float tensor) gets one quantizer, named after the
///   tensor, when its producer's type is output-quantized (`defaults.ops` /
///   `op_type.<T>.is_output_quantized`), when a reader's type is input-quantized, or when it
///   is a model input and `model_input.is_input_quantized` holds — unless a supergroup
///   fuses its producer with its only reader. It sits in the producer's output slot, or
///   for a model input in every reader's input slot (tied).
/// - A param (see ``ParamRoles``) gets one quantizer, named after its initializer, when
///   `params` / `op_type.<T>.params` say it is quantized. An initializer read by several
///   ops is one tied quantizer.
/// - Dtypes: `intN` at the default bit widths (`floatN` with `dataKind: .float`).
public struct QuantizerDefaults: Sendable, Equatable {
    public var activationBits: Int
    public var paramBits: Int
    public var kind: DType.Kind

    public init(activationBits: Int = 8, paramBits: Int = 8, kind: DType.Kind = .int) {
        self.activationBits = activationBits
        self.paramBits = paramBits
        self.kind = kind
    }

    package func dtype(bits: Int) throws(MMPError) -> DType {
        let d = DType(kind, bits: bits)
        guard DType(simSpelling: d.description) != nil else {
            throw .io(
                "unsupported default bit width \(bits) for \(kind == .int ? "int" : "float") quantizers (int: 2 to 32; float: 8, 16, 32)")
        }
        return d
    }
}

enum QuantizerPlacement {
    /// The sim file an ONNX model becomes under `config`: its ops (the nodes that make
    /// activations), where quantizers go, and the document `sim.json` is written from.
    static func build(
        _ model: ONNXModel, config: QuantSimConfig, defaults: QuantizerDefaults,
        modelName: String
    ) throws(MMPError) -> SimFile {
        var placement = try Placement(model, config: config, defaults: defaults)
        let (ops, opDocs) = placement.ops()
        return try placement.file(ops: ops, opDocs: opDocs, modelName: modelName)
    }

    /// One placement, step by step: the sim's nodes and who reads what, the supergroups'
    /// fused outputs, the params' roots, then each op with its quantizers.
    private struct Placement {
        let model: ONNXModel
        let config: QuantSimConfig
        let kinds: TensorKinds
        let activationDType: DType
        let paramDType: DType
        /// The ops of the sim graph, in topological order.
        let simNodes: [Int]
        /// Activation tensor → the sim nodes reading it.
        let readers: [String: [Int]]
        let graphOutputs: Set<String>
        /// Outputs inside a supergroup: not quantized.
        let fused: Set<String>
        let params: [Int: [(input: Int, name: String, root: String)]]
        /// How many nodes read each root initializer (for module naming).
        let rootUses: [String: Int]
        var quantizers: [SimGraph.Quantizer] = []
        var quantizerDocs: [(String, JSONValue)] = []
        var known = Set<String>()
        /// How each quantizer encodes, for the converter files.
        var encodings: [String: ConverterFacts.Encoding] = [:]
        /// Channels still to be written per channel (``ConverterFacts/maxTotalChannels``).
        var channelBudget = ConverterFacts.maxTotalChannels

        init(_ model: ONNXModel, config: QuantSimConfig, defaults: QuantizerDefaults) throws(MMPError) {
            self.model = model
            self.config = config
            let kinds = try TensorKinds(model)
            self.kinds = kinds
            activationDType = try defaults.dtype(bits: defaults.activationBits)
            paramDType = try defaults.dtype(bits: defaults.paramBits)
            simNodes = kinds.order.filter { k in model.nodes[k].outputs.contains(where: kinds.isActivation) }
            let (readers, allReaders) = Self.readers(model, kinds: kinds, simNodes: simNodes)
            self.readers = readers
            graphOutputs = Set(model.outputs.map(\.name))
            fused = Self.fusedOutputs(
                model, kinds: kinds, config: config, simNodes: simNodes, readers: readers, allReaders: allReaders,
                graphOutputs: graphOutputs)
            (params, rootUses) = Self.paramRoots(model, kinds: kinds, simNodes: simNodes)
        }

        /// Who reads each tensor: the sim nodes reading an activation, and how many nodes
        /// of any kind read it.
        private static func readers(_ model: ONNXModel, kinds: TensorKinds, simNodes: [Int]) -> ([String: [Int]], [String: Int]) {
            let isSim = Set(simNodes)
            var readers: [String: [Int]] = [:]
            var allReaders: [String: Int] = [:]
            for k in kinds.order {
                for t in Set(model.nodes[k].inputs) where !t.isEmpty {
                    allReaders[t, default: 0] += 1
                    if isSim.contains(k), kinds.isActivation(t) { readers[t, default: []].append(k) }
                }
            }
            return (readers, allReaders)
        }

        /// Supergroups: along single-reader chains, only the last op's output is quantized.
        private static func fusedOutputs(
            _ model: ONNXModel, kinds: TensorKinds, config: QuantSimConfig, simNodes: [Int], readers: [String: [Int]],
            allReaders: [String: Int], graphOutputs: Set<String>
        ) -> Set<String> {
            var fused = Set<String>()
            for k in simNodes {
                for group in config.supergroups where group.count >= 2 && model.nodes[k].opType == group[0] {
                    var chain = [k]
                    var ok = true
                    for type in group.dropFirst() {
                        let outs = model.nodes[chain[chain.count - 1]].outputs.filter(kinds.isActivation)
                        guard outs.count == 1, allReaders[outs[0]] == 1, !graphOutputs.contains(outs[0]),
                            let next = readers[outs[0]]?.first, model.nodes[next].opType == type
                        else { ok = false; break }
                        chain.append(next)
                    }
                    if ok { for c in chain.dropLast() { fused.formUnion(model.nodes[c].outputs) } }
                }
            }
            return fused
        }

        /// Each sim node's params with their root initializers, and how many nodes read each root.
        private static func paramRoots(
            _ model: ONNXModel, kinds: TensorKinds, simNodes: [Int]
        ) -> ([Int: [(input: Int, name: String, root: String)]], [String: Int]) {
            var params: [Int: [(input: Int, name: String, root: String)]] = [:]
            var rootUses: [String: Int] = [:]
            for k in simNodes {
                params[k] = ParamRoles.params(of: model.nodes[k], kinds: kinds, model: model).map {
                    (
                        input: $0.input, name: $0.name,
                        root: ConstantRoots.root(of: model.nodes[k].inputs[$0.input], model: model, kinds: kinds)
                    )
                }
            }
            for k in kinds.order {
                for root in Set(model.nodes[k].inputs.filter { !$0.isEmpty }.map { ConstantRoots.root(of: $0, model: model, kinds: kinds) })
                where model.initializers[root] != nil { rootUses[root, default: 0] += 1 }
            }
            return (params, rootUses)
        }

        /// Whether activation `t` is quantized.
        private func quantized(_ t: String) -> Bool {
            if fused.contains(t) { return false }
            if config.modelOutputQuantized == true, graphOutputs.contains(t) { return true }
            if (readers[t] ?? []).contains(where: { config.isInputQuantized(model.nodes[$0].opType) }) { return true }
            if let p = kinds.producer[t] { return config.isOutputQuantized(model.nodes[p].opType) }
            return config.modelInputQuantized
        }

        /// The quantizer named `name` (made once, by its first slot): its document fields
        /// say how it encodes (`per_channel` for a weight), as `encoding` does for the
        /// converter files.
        private mutating func quantizer(
            _ name: String, _ dtype: DType, _ encoding: ConverterFacts.Encoding, isWeight: Bool = false
        ) -> String {
            if known.insert(name).inserted {
                quantizers.append(.init(name: name, dtype: dtype))
                var fields: [(String, JSONValue)] = [("dtype", .string(dtype.description)), ("symmetric", .bool(encoding.symmetric))]
                if isWeight { fields.append(("per_channel", .bool(encoding.channels != nil))) }
                quantizerDocs.append((name, .object(fields)))
                encodings[name] = encoding
            }
            return name
        }

        /// The output channels of the weight `node` reads at `input` (root initializer
        /// `root`), when it is quantized per channel: the config asks it for the op's type,
        /// AIMET quantizes that type per channel, and the op reads the initializer with its
        /// axes unchanged. Nil otherwise, and past the channel bounds.
        private mutating func channels(of node: ONNXModel.Node, input: Int, root: String) -> ConverterFacts.Channels? {
            guard config.isPerChannel(node.opType), ConverterFacts.perChannelTypes.contains(node.opType),
                let dims = model.initializers[root]?.dims, ConstantRoots.keepsAxes(node.inputs[input], model: model, kinds: kinds),
                let axis = ConverterFacts.channelAxis(of: node, input: input, rank: dims.count),
                dims[axis] > 0, dims[axis] <= Int64(ConverterFacts.maxChannels), Int(dims[axis]) <= channelBudget
            else { return nil }
            channelBudget -= Int(dims[axis])
            return .init(axis: axis, count: Int(dims[axis]))
        }

        /// Every sim node as an op with its quantizer slots, and its document entry.
        mutating func ops() -> ([SimGraph.Op], [JSONValue]) {
            var ops: [SimGraph.Op] = []
            var opDocs: [JSONValue] = []
            var usedNames = Set<String>()
            for k in simNodes {
                let node = model.nodes[k]
                let activationInputs = node.inputs.filter(kinds.isActivation)
                let outputs = node.outputs.filter(kinds.isActivation)
                var inQ: [String?] = []
                for t in activationInputs {
                    guard kinds.producer[t] == nil, quantized(t) else { inQ.append(nil); continue }
                    inQ.append(quantizer(t, activationDType, .init(symmetric: config.modelInputQuantized && config.activationSymmetric)))
                }
                var paramSlots: [SimGraph.Param] = []
                for p in params[k] ?? [] where !paramSlots.contains(where: { $0.name == p.name }) {
                    guard config.isParamQuantized(p.name, ofType: node.opType) else { paramSlots.append(.init(p.name, nil)); continue }
                    let symmetric = config.isParamSymmetric(p.name, ofType: node.opType)
                    // A tied weight encodes as its first reader says.
                    let isWeight = p.name == "weight"
                    let channels = isWeight && !known.contains(p.root) ? channels(of: node, input: p.input, root: p.root) : nil
                    paramSlots.append(
                        .init(p.name, quantizer(p.root, paramDType, .init(symmetric: symmetric, channels: channels), isWeight: isWeight)))
                }
                var outQ: [String?] = []
                for t in outputs {
                    guard quantized(t) else { outQ.append(nil); continue }
                    outQ.append(quantizer(t, activationDType, .init(symmetric: config.isActivationSymmetric(node.opType))))
                }
                let weightRank = (params[k] ?? []).first { $0.name == "weight" }.flatMap { model.initializers[$0.root]?.dims.count }
                let naming = ModuleNaming.name(node, paramRoots: (params[k] ?? []).map(\.root), rootUses: rootUses, weightRank: weightRank)
                var name = node.name
                var n = 1
                while !usedNames.insert(name).inserted { n += 1; name = "\(node.name)#\(n)" }
                let op = SimGraph.Op(
                    name: name, type: node.opType, className: naming.className, modules: naming.modules,
                    inputs: activationInputs, outputs: outputs, inputQuantizers: inQ, outputQuantizers: outQ,
                    params: paramSlots)
                ops.append(op)
                opDocs.append(SimGraphFile.encode(op: op))
            }
            return (ops, opDocs)
        }

        /// The graph and its document, with the shapes the file declares (value infos,
        /// graph inputs and outputs) for the tensors of the sim graph.
        func file(ops: [SimGraph.Op], opDocs: [JSONValue], modelName: String) throws(MMPError) -> SimFile {
            let inputs = model.inputs.map(\.name).filter(kinds.isActivation)
            let outputs = model.outputs.map(\.name).filter(kinds.isActivation)
            var named = Set(inputs)
            for op in ops { named.formUnion(op.outputs) }
            let shapes = model.declaredShapes.filter { named.contains($0.key) }
            var top: [(String, JSONValue)] = [
                ("format", .string(SimGraphFile.format)), ("model", .string(modelName)),
                ("inputs", .array(inputs.map(JSONValue.string))), ("outputs", .array(outputs.map(JSONValue.string))),
                ("ops", .array(opDocs)), ("quantizers", .object(quantizerDocs))
            ]
            if !shapes.isEmpty {
                let entries = shapes.keys.sorted().map {
                    ($0, JSONValue.object([("shape", .array(shapes[$0, default: []].map(JSONValue.int)))]))
                }
                top.append(("tensors", .object(entries)))
            }
            do {
                let graph = try SimGraph(
                    model: modelName, inputs: inputs, outputs: outputs, ops: ops, quantizers: quantizers, tensorShapes: shapes)
                let facts = ConverterFacts(
                    opset: model.opset, nodeNames: IDArray(simNodes.map { model.nodes[$0].isNamed ? model.nodes[$0].name : nil }),
                    encodings: encodings, fused: fused)
                return SimFile(graph: graph, original: .document(.object(top)), converterFacts: facts)
            } catch {
                throw .invalidModel("the sim graph built from it is inconsistent: \(error.message)")
            }
        }
    }
}
