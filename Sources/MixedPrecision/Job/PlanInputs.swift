import MMPFormats
import MMPModel
import MMPSolving

/// What a plan is made from: the model, its config and the requests — read together, the
/// requests parsed while the model file is read, and resolved into a ``PlanningProblem``.
/// `compare` needs no more; `plan` adds where the outputs go (``PlanJob``).
public struct PlanInputs: Sendable {
    public var source: ModelSource
    /// The request file; `-` is standard input.
    public var requestsPath: String

    public init(source: ModelSource, requestsPath: String) {
        self.source = source
        self.requestsPath = requestsPath
    }

    /// The model (as read, for write-back), the requests and the config. A problem with
    /// the model is reported first.
    public func read() throws(MMPError) -> (file: SimFile, requests: [Request], config: QuantSimConfig?) {
        let config = try source.config()
        let (contents, requests) = Parallel.both(
            { Result { () throws(MMPError) in try source.contents() } },
            { Result { () throws(MMPError) in try readRequests() } })
        let file = try source.simFile(from: contents.get(), config: config)
        return (file, try requests.get(), config)
    }

    /// Reads and resolves the inputs.
    public func problem() throws(MMPError) -> PlanningProblem {
        let (file, requests, config) = try read()
        return try PlanningProblem(graph: file.graph, requests: requests, rules: config?.kernelRules ?? .none)
    }

    /// The files read, which no output may replace.
    var paths: [String] { [source.path] + (requestsPath == "-" ? [] : [requestsPath]) + (source.configPath.map { [$0] } ?? []) }

    private func readRequests() throws(MMPError) -> [Request] {
        let path = requestsPath == "-" ? "/dev/stdin" : requestsPath
        return try reading(requestsPath) { () throws(MMPError) in try RequestFile.parse(Files.readText(path)) }
    }
}
