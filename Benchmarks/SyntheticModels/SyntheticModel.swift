/// Synthetic sim graphs and request files at a chosen size, shaped like real models, for
/// benchmarks and scale tests. Output is `mmp-sim/1` and request-file text, written
/// directly (no intermediate values), so generating a million quantizers is quick.
public struct SyntheticModel: Sendable {
    /// The model families.
    public enum Shape: String, CaseIterable, Sendable {
        /// LLM decoder blocks: RMSNorm, q/k/v/o projections, attention matmuls and
        /// softmax, gated MLP, residual adds.
        case decoder
        /// Mixture-of-experts blocks: many expert projections sharing one routed input,
        /// their outputs summed.
        case moe
        /// Residual CNN blocks: conv-relu (fused) conv, add-relu (fused).
        case cnn
    }

    public let shape: Shape
    public let blocks: Int
    /// Experts per block (`moe` only).
    public let experts: Int

    public init(shape: Shape, blocks: Int, experts: Int = 16) {
        self.shape = shape
        self.blocks = blocks
        self.experts = experts
    }

    /// Quantizers per block, to size a model.
    public var quantizersPerBlock: Int {
        switch shape {
        case .decoder: return 24
        case .moe: return 5 + experts * 6
        case .cnn: return 5
        }
    }

    /// The model with about `quantizers` quantizers.
    public init(shape: Shape, quantizers: Int, experts: Int = 16) {
        let probe = SyntheticModel(shape: shape, blocks: 1, experts: experts)
        self.init(shape: shape, blocks: max(1, quantizers / probe.quantizersPerBlock), experts: experts)
    }

    /// The sim graph as `mmp-sim/1` JSON text.
    public func simJSON() -> String {
        var w = Writer()
        w.out.reserveCapacity(blocks * quantizersPerBlock * 420)
        w.out += "{\n \"format\": \"mmp-sim/1\",\n \"model\": \"\(shape.rawValue)-\(blocks)\",\n \"inputs\": [\"x\"],\n"
        var x = "x"
        w.out += " \"ops\": [\n"
        // The stem quantizes the model input.
        x = w.op(
            "stem", type: "Conv", cls: "torch.nn.modules.conv.Conv2d", module: "stem", inputs: [x],
            inQ: ["stem.input_quantizers.0"], outQ: "stem.output_quantizers.0", weight: "stem.param_quantizers.weight")
        for b in 0..<blocks {
            switch shape {
            case .decoder: x = decoderBlock(&w, b, x)
            case .moe: x = moeBlock(&w, b, x)
            case .cnn: x = cnnBlock(&w, b, x)
            }
        }
        x = w.op(
            "head", type: "Gemm", cls: "torch.nn.modules.linear.Linear", module: "head", inputs: [x],
            outQ: "head.output_quantizers.0", weight: "head.param_quantizers.weight")
        w.out.removeLast(2)
        w.out += "\n ],\n \"outputs\": [\"\(x)\"],\n \"quantizers\": {\n"
        for (k, q) in w.quantizers.enumerated() {
            w.out += "  \"\(q)\": {\"dtype\": \"int8\", \"symmetric\": \(q.hasSuffix("weight") ? "true" : "false")}"
            w.out += k + 1 < w.quantizers.count ? ",\n" : "\n"
        }
        w.out += " }\n}\n"
        return w.out
    }

    private func decoderBlock(_ w: inout Writer, _ b: Int, _ x: String) -> String {
        let p = "model.layers.\(b)"
        let linear = "torch.nn.modules.linear.Linear"
        func q(_ m: String, _ s: String) -> String { "\(p).\(m).\(s)" }
        let n1 = w.op(
            "\(p).input_layernorm", type: "RMSNorm", cls: "LlamaRMSNorm", module: "\(p).input_layernorm", inputs: [x],
            outQ: q("input_layernorm", "output_quantizers.0"), weight: q("input_layernorm", "param_quantizers.weight"))
        var proj: [String] = []
        for m in ["q_proj", "k_proj", "v_proj"] {
            proj.append(
                w.op(
                    "\(p).self_attn.\(m)", type: "MatMul", cls: linear, module: "\(p).self_attn.\(m)", inputs: [n1],
                    outQ: q("self_attn.\(m)", "output_quantizers.0"), weight: q("self_attn.\(m)", "param_quantizers.weight")))
        }
        let scores = w.op(
            "\(p).self_attn.qk", type: "MatMul", cls: nil, module: "\(p).self_attn", inputs: [proj[0], proj[1]],
            outQ: q("self_attn.qk", "output_quantizers.0"))
        let probs = w.op(
            "\(p).self_attn.softmax", type: "Softmax", cls: "torch.nn.modules.activation.Softmax", module: "\(p).self_attn.softmax",
            inputs: [scores], outQ: q("self_attn.softmax", "output_quantizers.0"))
        let ctx = w.op(
            "\(p).self_attn.av", type: "MatMul", cls: nil, module: "\(p).self_attn", inputs: [probs, proj[2]],
            outQ: q("self_attn.av", "output_quantizers.0"))
        let o = w.op(
            "\(p).self_attn.o_proj", type: "MatMul", cls: linear, module: "\(p).self_attn.o_proj", inputs: [ctx],
            outQ: q("self_attn.o_proj", "output_quantizers.0"), weight: q("self_attn.o_proj", "param_quantizers.weight"))
        let r1 = w.op("\(p).add_1", type: "Add", cls: nil, module: p, inputs: [x, o], outQ: q("add_1", "output_quantizers.0"))
        let n2 = w.op(
            "\(p).post_attention_layernorm", type: "RMSNorm", cls: "LlamaRMSNorm", module: "\(p).post_attention_layernorm",
            inputs: [r1], outQ: q("post_attention_layernorm", "output_quantizers.0"),
            weight: q("post_attention_layernorm", "param_quantizers.weight"))
        let gate = w.op(
            "\(p).mlp.gate_proj", type: "MatMul", cls: linear, module: "\(p).mlp.gate_proj", inputs: [n2],
            outQ: nil, weight: q("mlp.gate_proj", "param_quantizers.weight"))
        let act = w.op(
            "\(p).mlp.act_fn", type: "Silu", cls: "torch.nn.modules.activation.SiLU", module: "\(p).mlp.act_fn", inputs: [gate],
            outQ: q("mlp.act_fn", "output_quantizers.0"))
        let up = w.op(
            "\(p).mlp.up_proj", type: "MatMul", cls: linear, module: "\(p).mlp.up_proj", inputs: [n2],
            outQ: q("mlp.up_proj", "output_quantizers.0"), weight: q("mlp.up_proj", "param_quantizers.weight"))
        let mul = w.op(
            "\(p).mlp.mul", type: "Mul", cls: nil, module: "\(p).mlp", inputs: [act, up], outQ: q("mlp.mul", "output_quantizers.0"))
        let down = w.op(
            "\(p).mlp.down_proj", type: "MatMul", cls: linear, module: "\(p).mlp.down_proj", inputs: [mul],
            outQ: q("mlp.down_proj", "output_quantizers.0"), weight: q("mlp.down_proj", "param_quantizers.weight"))
        return w.op("\(p).add_2", type: "Add", cls: nil, module: p, inputs: [r1, down], outQ: q("add_2", "output_quantizers.0"))
    }

    private func moeBlock(_ w: inout Writer, _ b: Int, _ x: String) -> String {
        let p = "model.layers.\(b)"
        let linear = "torch.nn.modules.linear.Linear"
        let n = w.op(
            "\(p).norm", type: "RMSNorm", cls: "LlamaRMSNorm", module: "\(p).norm", inputs: [x],
            outQ: "\(p).norm.output_quantizers.0", weight: "\(p).norm.param_quantizers.weight")
        _ = w.op(
            "\(p).router", type: "MatMul", cls: linear, module: "\(p).router", inputs: [n],
            outQ: "\(p).router.output_quantizers.0", weight: "\(p).router.param_quantizers.weight")
        var outs: [String] = []
        for e in 0..<experts {
            let m = "\(p).experts.\(e)"
            let g = w.op(
                "\(m).gate_proj", type: "MatMul", cls: linear, module: "\(m).gate_proj", inputs: [n],
                outQ: "\(m).gate_proj.output_quantizers.0", weight: "\(m).gate_proj.param_quantizers.weight")
            let u = w.op(
                "\(m).up_proj", type: "MatMul", cls: linear, module: "\(m).up_proj", inputs: [n],
                outQ: "\(m).up_proj.output_quantizers.0", weight: "\(m).up_proj.param_quantizers.weight")
            let mul = w.op("\(m).mul", type: "Mul", cls: nil, module: m, inputs: [g, u], outQ: nil)
            outs.append(
                w.op(
                    "\(m).down_proj", type: "MatMul", cls: linear, module: "\(m).down_proj", inputs: [mul],
                    outQ: "\(m).down_proj.output_quantizers.0", weight: "\(m).down_proj.param_quantizers.weight"))
        }
        let sum = w.op("\(p).combine", type: "Sum", cls: nil, module: p, inputs: outs, outQ: nil)
        return w.op("\(p).add", type: "Add", cls: nil, module: p, inputs: [x, sum], outQ: "\(p).add.output_quantizers.0")
    }

    private func cnnBlock(_ w: inout Writer, _ b: Int, _ x: String) -> String {
        let p = "layers.\(b)"
        let conv = "torch.nn.modules.conv.Conv2d"
        let c1 = w.op(
            "\(p).conv1", type: "Conv", cls: conv, module: "\(p).conv1", inputs: [x], outQ: nil,
            weight: "\(p).conv1.param_quantizers.weight")
        let r1 = w.op(
            "\(p).relu1", type: "Relu", cls: "torch.nn.modules.activation.ReLU", module: "\(p).relu1", inputs: [c1],
            outQ: "\(p).relu1.output_quantizers.0")
        let c2 = w.op(
            "\(p).conv2", type: "Conv", cls: conv, module: "\(p).conv2", inputs: [r1],
            outQ: "\(p).conv2.output_quantizers.0", weight: "\(p).conv2.param_quantizers.weight")
        let add = w.op("\(p).add", type: "Add", cls: nil, module: "\(p).add", inputs: [c2, x], outQ: nil)
        return w.op(
            "\(p).relu2", type: "Relu", cls: "torch.nn.modules.activation.ReLU", module: "\(p).relu2", inputs: [add],
            outQ: "\(p).relu2.output_quantizers.0")
    }

    /// A request file of realistic kinds: weights by type, per-layer activations, a
    /// pattern, model outputs; with `conflicts`, also sibling requests that collide
    /// (for best-effort). About `count` requests.
    public func requestsYAML(count: Int, conflicts: Bool) -> String {
        var out = "requests:\n"
        out += "  - set_precision: {module_type: Linear, param: {weight: int4}}\n"
        out += "  - set_model_output_precision: {activation: int16}\n"
        let perLayer = max(1, count - 3)
        let stride = max(1, blocks / perLayer)
        var made = 0
        var b = 0
        while made < perLayer && b < blocks {
            // Per shape: a pair of requests that collide (two readers of one quantized
            // tensor asking different dtypes), and an ordinary per-layer request.
            let conflicting: (String, String), single: String
            switch shape {
            case .decoder:
                // q at int16, then k at int8: they read one norm output.
                conflicting = (
                    "{module: model.layers.\(b).self_attn.q_proj, activation: int16}",
                    "{module: model.layers.\(b).self_attn.k_proj, activation: int8}"
                )
                single = "{module: model.layers.\(b).input_layernorm, activation: int16, param: {weight: int16}}"
            case .moe:
                conflicting = (
                    "{module: model.layers.\(b).experts.0.gate_proj, activation: int16}",
                    "{module: model.layers.\(b).experts.1.up_proj, activation: int8}"
                )
                single = "{module: model.layers.\(b).experts.\(made % experts), activation: int16}"
            case .cnn:
                conflicting = ("{module: layers.\(b).conv1, activation: int16}", "{module: layers.\(b).add, activation: int8}")
                single = "{module: layers.\(b), activation: int16, param: {weight: int16}}"
            }
            if conflicts && made % 10 == 9 {
                out += "  - set_precision: \(conflicting.0)\n  - set_precision: \(conflicting.1)\n"
                made += 2
            } else {
                out += "  - set_precision: \(single)\n"
                made += 1
            }
            b += stride
        }
        let pattern: String
        switch shape {
        case .decoder: pattern = "model.layers.*.mlp.down_proj"
        case .moe: pattern = "model.layers.*.router"
        case .cnn: pattern = "layers.*.conv2"
        }
        out += "  - set_precision: {pattern: \"\(pattern)\", activation: int16}\n"
        return out
    }
}

/// Appends ops as JSON text and collects quantizer names in order.
struct Writer {
    var out = ""
    var quantizers: [String] = []

    mutating func op(
        _ name: String, type: String, cls: String?, module: String, inputs: [String],
        inQ: [String?]? = nil, outQ: String?, weight: String? = nil
    ) -> String {
        let output = name + ":0"
        func list(_ items: [String?]) -> String {
            "[" + items.map { $0.map { "\"\($0)\"" } ?? "null" }.joined(separator: ", ") + "]"
        }
        let ins = inQ ?? Array(repeating: nil, count: inputs.count)
        for q in ins { if let q { quantizers.append(q) } }
        if let weight { quantizers.append(weight) }
        if let outQ { quantizers.append(outQ) }
        out += "  {\"name\": \"\(name)\", \"type\": \"\(type)\""
        if let cls { out += ", \"class\": \"\(cls)\"" }
        out += ", \"module\": \"\(module)\", \"inputs\": \(list(inputs)), \"outputs\": [\"\(output)\"]"
        out += ", \"input_quantizers\": \(list(ins)), \"output_quantizers\": \(list([outQ]))"
        out += ", \"params\": {" + (weight.map { "\"weight\": \"\($0)\"" } ?? "") + "}},\n"
        return output
    }
}
