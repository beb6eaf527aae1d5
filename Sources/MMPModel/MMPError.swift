/// Why the planner could not run: the inputs are invalid or a file could not be read or
/// written. Every case carries a message that names the offending file, op, tensor,
/// quantizer or request, so a user can fix the input without reading code.
public enum MMPError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The sim graph is malformed or inconsistent (contract §2).
    case invalidSim(String)
    /// A request is malformed or names something the graph does not have (contract §3).
    case invalidRequest(String)
    /// The ONNX model cannot be read.
    case invalidModel(String)
    /// The AIMET quantsim config is malformed.
    case invalidConfig(String)
    /// A file could not be read or written, or the command line is inconsistent.
    case io(String)
    /// GLPK stopped without an answer (not an input problem; please report it).
    case solver(String)

    public var description: String {
        switch self {
        case .invalidSim(let m): return "invalid sim graph: \(m)"
        case .invalidRequest(let m): return "invalid request: \(m)"
        case .invalidModel(let m): return "invalid ONNX model: \(m)"
        case .invalidConfig(let m): return "invalid config: \(m)"
        case .io(let m): return m
        case .solver(let m): return "solver failure: \(m)"
        }
    }
}

extension MMPError {
    /// The same error, saying which file it is about: `'requests.yaml': line 3, …`. Read
    /// and write errors already name their path and are left as they are.
    func inFile(_ path: String) -> MMPError {
        let name = path == "-" ? "standard input" : "'\(path)'"
        switch self {
        case .invalidSim(let m): return .invalidSim("\(name): \(m)")
        case .invalidRequest(let m): return .invalidRequest("\(name): \(m)")
        case .invalidModel(let m): return .invalidModel("\(name): \(m)")
        case .invalidConfig(let m): return .invalidConfig("\(name): \(m)")
        case .io, .solver: return self
        }
    }
}

/// Runs `body`, naming `path` in any input error it throws.
package func reading<T>(_ path: String, _ body: () throws(MMPError) -> T) throws(MMPError) -> T {
    do { return try body() } catch { throw error.inFile(path) }
}

/// `text` as an error message echoes it: whole when short, else its start and how much
/// was left out. A hostile input can hold a megabyte-long name; the message stays readable.
package func echo(_ text: some StringProtocol, limit: Int = 160) -> String {
    guard text.count > limit else { return String(text) }
    return String(text.prefix(limit)) + "… (\(text.utf8.count) bytes)"
}

extension MMPError {
    /// The message as printed, at most `limit` characters: a message about a hostile input
    /// (a list of 100,000 entries echoed back) is cut, saying so.
    public func printable(limit: Int = 4000) -> String {
        let text = description
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "… (message cut: \(text.count) characters)"
    }
}
