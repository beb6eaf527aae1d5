// swift-tools-version: 6.1
// The planner's benchmarks, a package of their own so the main package (and CI's test
// run) does not build the benchmark harness. Run from this folder:
//   swift package benchmark
import Foundation
import PackageDescription

/// A path dependency is named after its folder: whatever the checkout is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "mmp-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    ],
    targets: [
        .executableTarget(
            name: "PlanningBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MixedPrecision", package: root),
                .product(name: "SyntheticModels", package: root)
            ],
            path: "PlanningBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
