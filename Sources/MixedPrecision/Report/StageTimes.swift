import Foundation
import MMPFormats
import MMPModel
import MMPSolving

/// Wall time and peak resident memory per stage of a planning job — read, resolve
/// targets, build programs, solve, write — for benchmarks and `MMP_TIMINGS=1`.
public struct StageTimes: Sendable {
    public struct Stage: Sendable {
        public var name: String
        public var seconds: Double
        /// Peak resident set size of the process at the end of the stage, in bytes.
        public var peakBytes: Int
    }

    public private(set) var stages: [Stage] = []
    private var last = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Ends the current stage under `name`.
    public mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        stages.append(Stage(name: name, seconds: Double(now - last) / 1e9, peakBytes: Self.peakResidentBytes()))
        last = now
    }

    /// Adds `seconds` to stage `name` (for stages measured in pieces); the next lap starts now.
    public mutating func add(_ name: String, seconds: Double) {
        last = DispatchTime.now().uptimeNanoseconds
        if let k = stages.firstIndex(where: { $0.name == name }) {
            stages[k].seconds += seconds
            stages[k].peakBytes = Self.peakResidentBytes()
        } else {
            stages.append(Stage(name: name, seconds: seconds, peakBytes: Self.peakResidentBytes()))
        }
    }

    public var total: Double { stages.reduce(0) { $0 + $1.seconds } }

    public var description: String {
        stages.map {
            $0.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: "%8.3f s  peak %6.0f MB", $0.seconds, Double($0.peakBytes) / 1e6)
        }
        .joined(separator: "\n") + String(format: "\ntotal     %8.3f s", total)
    }

    /// The process's peak resident set size (`VmHWM`), or 0 where unknown.
    public static func peakResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}
