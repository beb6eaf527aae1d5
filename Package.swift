// swift-tools-version: 6.1
import Foundation
import PackageDescription

let package = Package(
    name: "mmp",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MixedPrecision", targets: ["MixedPrecision"]),
        .executable(name: "mmp", targets: ["mmp"]),
        .library(name: "SyntheticModels", targets: ["SyntheticModels"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0")
    ],
    targets: [
        .systemLibrary(
            name: "CGLPK",
            providers: [.apt(["libglpk-dev"]), .brew(["glpk"])]
        ),
        .target(name: "CFileSupport"),
        // The stages, each a target, so the compiler holds the arrows: the model (graph,
        // requests, targets, the planning problem, the plan's values) depends on nothing of
        // ours; formats (JSON, the sim file, requests, config, ONNX) and solving (parts,
        // the program, GLPK, conflict finding) depend on the model only; the façade
        // (planner, reports, jobs, the configurator) on all three; the CLI on the façade.
        .target(
            name: "MMPModel",
            dependencies: [.product(name: "HeapModule", package: "swift-collections")]
        ),
        .target(
            name: "MMPFormats",
            dependencies: [
                "MMPModel",
                "CFileSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf")
            ],
            exclude: ["ONNX/onnx-subset.proto"]
        ),
        .target(
            name: "MMPSolving",
            dependencies: ["MMPModel", "CGLPK"]
        ),
        .target(
            name: "MixedPrecision",
            dependencies: ["MMPModel", "MMPFormats", "MMPSolving"]
        ),
        .executableTarget(
            name: "mmp",
            dependencies: [
                "MixedPrecision",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]
        ),
        .target(name: "SyntheticModels", path: "Benchmarks/SyntheticModels"),
        .executableTarget(name: "mmp-synth", dependencies: ["SyntheticModels"], path: "Benchmarks/mmp-synth"),
        .testTarget(
            name: "MixedPrecisionTests",
            dependencies: [
                "MixedPrecision", "MMPModel", "MMPFormats", "MMPSolving", "mmp", "SyntheticModels",
                .product(name: "SwiftProtobuf", package: "swift-protobuf")
            ]
        )
    ]
)

// Fuzz targets, one per reader, linked with libFuzzer's driver only when asked for:
// scripts/fuzz.sh builds them (MMP_FUZZ=1, with coverage instrumentation everywhere).
if ProcessInfo.processInfo.environment["MMP_FUZZ"] != nil {
    let fuzzer = ProcessInfo.processInfo.environment["MMP_FUZZER_LIB"] ?? "libclang_rt.fuzzer_no_main-x86_64.a"
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/FuzzDriver"))
    for reader in ["sim", "requests", "config", "onnx"] {
        package.targets.append(
            .executableTarget(
                name: "fuzz-\(reader)", dependencies: ["MixedPrecision", "FuzzDriver"], path: "Fuzz/fuzz-\(reader)",
                linkerSettings: [.unsafeFlags([fuzzer, "-lstdc++"])]))
        package.products.append(.executable(name: "fuzz-\(reader)", targets: ["fuzz-\(reader)"]))
    }
}
