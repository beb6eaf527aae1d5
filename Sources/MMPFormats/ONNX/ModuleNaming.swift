import MMPModel

/// Which layer (module path) and framework class an ONNX node stands for, from the
/// exporters' own records, in this order:
///
/// 1. the dynamo exporter's node metadata: `pkg.torch.onnx.name_scopes` (the module path
///    is the last scope before the op itself) and `pkg.torch.onnx.class_hierarchy`;
/// 2. the TorchScript exporter's scoped node names:
///    `/features/features.3/conv/conv.1/conv.1.0/Conv` → `features.3.conv.1.0`;
/// 3. the names of its param initializers (`features.1.conv.0.0.weight` →
///    `features.1.conv.0.0`), when no other op reads the same initializer;
/// 4. the node's own name.
///
/// A node can stand for several layers: a Conv with a BatchNorm folded into it carries
/// the BatchNorm's scope and the conv's weight, so it belongs to both.
enum ModuleNaming {
    struct Result {
        var modules: [String]
        var className: String?
    }

    static func name(
        _ node: ONNXModel.Node, paramRoots: [String], rootUses: [String: Int],
        weightRank: Int?
    ) -> Result {
        var modules: [String] = []
        var className: String? = nil
        for root in paramRoots where rootUses[root] == 1 {
            if let m = moduleOfParam(root), !modules.contains(m) { modules.append(m) }
        }
        if let scopes = node.metadata["pkg.torch.onnx.name_scopes"].flatMap(pythonStrings) {
            let m = scopes.count >= 2 ? scopes[scopes.count - 2] : ""
            if !modules.contains(m) { modules.append(m) }
            if let classes = node.metadata["pkg.torch.onnx.class_hierarchy"].flatMap(pythonStrings), classes.count >= 2 {
                className = classes[classes.count - 2]
            }
        } else if node.name.hasPrefix("/") {
            let m = scopedName(node.name)
            if !modules.contains(m) { modules.append(m) }
        }
        if modules.isEmpty { modules = [node.name] }
        // A conv whose recorded class is another layer's (a folded BatchNorm) or unknown
        // (TorchScript): its class follows from the op and the weight's rank.
        if ["Conv", "ConvTranspose"].contains(node.opType), !(className?.contains("Conv") ?? false),
            let rank = weightRank, (3...5).contains(rank)
        {
            className = "torch.nn.modules.conv.\(node.opType == "Conv" ? "Conv" : "ConvTranspose")\(rank - 2)d"
        } else if node.opType == "Gemm", className == nil, weightRank == 2 {
            className = "torch.nn.modules.linear.Linear"
        }
        return Result(modules: modules, className: className)
    }

    /// `features.1.conv.0.0.weight` → `features.1.conv.0.0`; nil for exporter-made names.
    static func moduleOfParam(_ name: String) -> String? {
        guard !name.contains("::"), !name.hasPrefix("val_"), let dot = name.lastIndex(of: "."),
            ["weight", "bias"].contains(String(name[name.index(after: dot)...]))
        else { return nil }
        let m = String(name[..<dot])
        return m.isEmpty ? nil : m
    }

    /// `/features/features.3/conv/conv.1/conv.1.0/Conv` → `features.3.conv.1.0`: each scope
    /// either names a child (`conv`) or extends the previous one (`conv.1` after `conv`).
    static func scopedName(_ name: String) -> String {
        var parts = name.split(separator: "/").map(String.init)
        if !parts.isEmpty { parts.removeLast() }  // the op itself
        var segments: [String] = []
        for p in parts {
            if let last = segments.last, p.hasPrefix(last + ".") {
                segments[segments.count - 1] = p
            } else {
                segments.append(p)
            }
        }
        return segments.joined(separator: ".")
    }

    /// Parses a Python list of string literals: `['', 'features', "a'b"]`.
    static func pythonStrings(_ text: String) -> [String]? {
        let chars = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\n" { i += 1 } }
        skipSpace()
        guard i < chars.count, chars[i] == "[" else { return nil }
        i += 1
        var out: [String] = []
        while true {
            skipSpace()
            guard i < chars.count else { return nil }
            if chars[i] == "]" { return out }
            guard chars[i] == "'" || chars[i] == "\"" else { return nil }
            let quote = chars[i]
            i += 1
            var s = String.UnicodeScalarView()
            while i < chars.count, chars[i] != quote {
                if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                s.append(chars[i])
                i += 1
            }
            guard i < chars.count else { return nil }
            i += 1
            out.append(String(s))
            skipSpace()
            if i < chars.count, chars[i] == "," { i += 1 }
        }
    }
}
