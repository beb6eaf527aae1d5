import MMPModel
import Yams

/// Reads a request file (contract §3), YAML or JSON, into ordered ``Request`` values.
///
/// Every problem — malformed text, an unknown key, an unknown dtype, a value of the wrong
/// kind — is an ``MMPError/invalidRequest(_:)`` that says where it is: the line and
/// column for YAML, and the request's position (`requests[2].set_precision.activation`).
public enum RequestFile {
    /// Parses the text of a request file. JSON is recognised by its leading `{`.
    public static func parse(_ text: String) throws(MMPError) -> [Request] {
        let root: Tree
        if text.drop(while: { $0.isWhitespace }).first == "{" {
            do {
                root = Tree(json: try JSONParser.parse(Array(text.utf8)), path: .root)
            } catch {
                throw .invalidRequest("malformed JSON: \(error)")
            }
        } else {
            try YAMLFeatureCheck.check(text)
            let node: Node?
            do {
                // Tags are never used (nulls are told by their spelling), so the basic resolver
                // skips Yams's per-scalar regular expressions: a 10k-request file parses
                // several times faster.
                node = try Yams.compose(yaml: text, .basic)
            } catch {
                throw .invalidRequest("malformed YAML: \(echo(String(describing: error), limit: 1000))")
            }
            guard let node else { throw .invalidRequest("the file is empty; expected a 'requests:' list") }
            root = try Tree(yaml: node, path: .root)
        }
        let top = try root.mapping(allowed: ["requests"], what: "the file")
        guard let list = top["requests"] else { throw .invalidRequest("\(root.place): missing 'requests' list") }
        guard case .list(let items) = list.value else {
            throw .invalidRequest("\(list.place): 'requests' must be a list")
        }
        return try items.map(request)
    }

    private static func request(_ tree: Tree) throws(MMPError) -> Request {
        let kinds = ["set_precision", "set_model_input_precision", "set_model_output_precision"]
        let map = try tree.mapping(allowed: kinds, what: "a request")
        guard map.count == 1, let (kind, body) = map.first else {
            throw .invalidRequest("\(tree.place): a request has exactly one of \(kinds.joined(separator: ", "))")
        }
        switch kind {
        case "set_precision":
            let fields = try body.mapping(allowed: ["module", "module_type", "pattern", "activation", "param"], what: "set_precision")
            let selectors = ["module", "module_type", "pattern"].filter { fields[$0] != nil }
            guard selectors.count == 1, let key = selectors.first, let value = fields[key] else {
                throw .invalidRequest("\(body.place): set_precision needs exactly one of module, module_type, pattern")
            }
            let selector: LayerSelector
            if key == "module", case .list(let items) = value.value {
                var paths: [String] = []
                for item in items { paths.append(try item.string(what: "module")) }
                selector = .modules(paths)
            } else {
                if key == "module", case .map = value.value {
                    throw .invalidRequest("\(value.place): 'module' must be a module path or a list of them, found a mapping")
                }
                let text = try value.string(what: key)
                switch key {
                case "module": selector = .module(text)
                case "module_type": selector = .moduleType(text)
                default: selector = .pattern(text)
                }
            }
            let activation = try fields["activation"].map { node throws(MMPError) in try precision(node, allowNull: true) }
            var params: [ParamPrecision] = []
            if let p = fields["param"] {
                guard case .map(let members) = p.value else {
                    throw .invalidRequest("\(p.place): 'param' must map param names to dtypes")
                }
                for (name, node) in members { params.append(ParamPrecision(name, try dtype(node))) }
            }
            if activation == nil && params.isEmpty {
                throw .invalidRequest("\(body.place): set_precision asks for nothing (give 'activation' or 'param')")
            }
            return .setPrecision(selector, activation: activation, param: params)
        default:
            let fields = try body.mapping(allowed: ["activation"], what: kind)
            guard let node = fields["activation"] else { throw .invalidRequest("\(body.place): \(kind) needs 'activation'") }
            let p = try precision(node, allowNull: true)
            return kind == "set_model_input_precision" ? .setModelInputPrecision(p) : .setModelOutputPrecision(p)
        }
    }

    private static func precision(_ tree: Tree, allowNull: Bool) throws(MMPError) -> ActivationPrecision {
        if case .list(let items) = tree.value {
            var list: [DType?] = []
            for item in items {
                if case .null = item.value, allowNull { list.append(nil) } else { list.append(try dtype(item)) }
            }
            return .each(list)
        }
        return .all(try dtype(tree))
    }

    private static func dtype(_ tree: Tree) throws(MMPError) -> DType {
        guard case .scalar(let text) = tree.value else {
            throw .invalidRequest("\(tree.place): expected a dtype (int4, int8, int16, fp16), found \(tree.value.kindName)")
        }
        guard let d = DType(requestSpelling: text) else {
            throw .invalidRequest("\(tree.place): unknown dtype '\(echo(text))' (expected int4, int8, int16 or fp16)")
        }
        return d
    }
}

/// A parsed document, YAML or JSON, with where each node came from.
private struct Tree {
    enum Value {
        case null
        case scalar(String)
        case list([Tree])
        case map([(String, Tree)])
        var kindName: String {
            switch self {
            case .null: return "null"
            case .scalar: return "a scalar"
            case .list: return "a list"
            case .map: return "a mapping"
            }
        }
    }
    var value: Value
    /// Where the node sits; spelt out only for an error message (a large request file has
    /// many nodes and few errors).
    var path: Path
    /// Its line and column in a YAML file.
    var mark: Mark?
    /// What a JSON scalar that is not a string was (`a number`, `a boolean`): JSON says
    /// what a value is, and a selector must be a string, not a number read as one.
    var jsonKind: String?

    /// `requests[0].set_precision`, kept as links to the parent.
    indirect enum Path {
        case root
        case key(Path, String)
        case index(Path, Int)

        var text: String {
            switch self {
            case .root: return ""
            case .key(.root, let key): return key
            case .key(let parent, let key): return parent.text + "." + key
            case .index(let parent, let k): return parent.text + "[\(k)]"
            }
        }
    }

    /// `line 3, column 5 (requests[0].set_precision)` or just the path.
    var place: String {
        let path = path.text
        guard let mark else { return path.isEmpty ? "top level" : path }
        return "line \(mark.line), column \(mark.column)" + (path.isEmpty ? "" : " (\(path))")
    }

    init(json: JSONValue, path: Path) {
        self.path = path
        switch json {
        case .null: value = .null
        case .bool(let b): value = .scalar(b ? "true" : "false"); jsonKind = "a boolean"
        case .number(let n): value = .scalar(n); jsonKind = "a number"
        case .string(let s): value = .scalar(s)
        case .array(let items): value = .list(items.enumerated().map { Tree(json: $1, path: .index(path, $0)) })
        case .object(let members): value = .map(members.map { ($0, Tree(json: $1, path: .key(path, $0))) })
        }
    }

    init(yaml node: Node, path: Path) throws(MMPError) {
        self.path = path
        mark = node.mark
        switch node {
        case .scalar(let s):
            value = (s.style == .plain && node.null != nil) ? .null : .scalar(s.string)
        case .sequence(let seq):
            var items: [Tree] = []
            for (k, item) in seq.enumerated() { items.append(try Tree(yaml: item, path: .index(path, k))) }
            value = .list(items)
        case .mapping(let map):
            var members: [(String, Tree)] = []
            var seen = Set<String>()  // a file may hold many keys: no pairwise comparison
            for (key, item) in map {
                guard case .scalar(let k) = key else {
                    throw .invalidRequest(
                        "\(node.mark.map { "line \($0.line), column \($0.column)" } ?? path.text): mapping keys must be plain names")
                }
                if !seen.insert(k.string).inserted {
                    throw .invalidRequest(
                        "\(key.mark.map { "line \($0.line), column \($0.column)" } ?? path.text): duplicate key '\(echo(k.string))'")
                }
                members.append((k.string, try Tree(yaml: item, path: .key(path, k.string))))
            }
            value = .map(members)
        case .alias:
            value = .null
            throw .invalidRequest("\(place): YAML aliases are not supported in request files")
        }
    }

    /// The members of a mapping, rejecting keys outside `allowed`.
    func mapping(allowed: [String], what: String) throws(MMPError) -> [String: Tree] {
        guard case .map(let members) = value else {
            throw .invalidRequest("\(place): \(what) must be a mapping, found \(value.kindName)")
        }
        var out: [String: Tree] = [:]
        for (key, tree) in members {
            guard allowed.contains(key) else {
                throw .invalidRequest("\(tree.place): unknown key '\(echo(key))' in \(what) (expected \(allowed.joined(separator: ", ")))")
            }
            out[key] = tree
        }
        return out
    }

    func string(what: String) throws(MMPError) -> String {
        guard case .scalar(let s) = value, jsonKind == nil else {
            throw .invalidRequest("\(place): '\(what)' must be a string, found \(jsonKind ?? value.kindName)")
        }
        return s
    }
}
