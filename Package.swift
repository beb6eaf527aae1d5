// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "mmp",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MixedPrecision", targets: ["MixedPrecision"]),
        .executable(name: "mmp", targets: ["mmp"]),
        .library(name: "SyntheticModels", targets: ["SyntheticModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CGLPK",
            providers: [.apt(["libglpk-dev"]), .brew(["glpk"])]
        ),
        .target(name: "CFileSupport"),
        .target(
            name: "MixedPrecision",
            dependencies: [
                "CGLPK",
                "CFileSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            exclude: ["ONNX/onnx-subset.proto"]
        ),
        .executableTarget(
            name: "mmp",
            dependencies: [
                "MixedPrecision",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "SyntheticModels", path: "Benchmarks/SyntheticModels"),
        .executableTarget(name: "mmp-synth", dependencies: ["SyntheticModels"], path: "Benchmarks/mmp-synth"),
        .testTarget(
            name: "MixedPrecisionTests",
            dependencies: ["MixedPrecision", "mmp", "SyntheticModels", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
    ]
)
