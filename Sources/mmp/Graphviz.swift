import Foundation
import MixedPrecision

/// Renders DOT text with Graphviz's `dot`, when it is installed.
enum Graphviz {
    /// The `dot` executable on PATH, if any.
    static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/dot" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The SVG rendering of `dot`.
    @Sendable static func svg(_ dot: String) throws(MMPError) -> [UInt8] {
        guard let exe = executable else {
            throw .io("Graphviz's 'dot' is not installed (Debian: apt-get install graphviz); use --dot FILE for the source")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw .io("cannot run \(exe): \(error.localizedDescription)")
        }
        // Feed dot from another thread so a large picture cannot deadlock on full pipes.
        let data = Data(dot.utf8)
        let writer = Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let svg = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .io("dot failed: \(String(decoding: message, as: UTF8.self))")
        }
        return Array(svg)
    }
}
