// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "virtkit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "virtkit", targets: ["Tools"]),
        .executable(name: "virtkit-bench", targets: ["Bench"]),
        .library(name: "Schema", targets: ["Schema"]),
        .library(name: "Convert", targets: ["Convert"]),
        .library(name: "Runtime", targets: ["Runtime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // libxml2 through pkg-config: parsing, RelaxNG and XPath are libxml2's, never ours.
        .systemLibrary(
            name: "CLibXML2",
            path: "Sources/CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .target(
            name: "Schema",
            dependencies: ["CLibXML2", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Schema",
            swiftSettings: strict
        ),
        .target(
            name: "Convert",
            dependencies: [
                "Schema",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Sources/Convert",
            swiftSettings: strict
        ),
        // The system calls Swift cannot make itself (SCM_RIGHTS, posix_spawn extensions, tun ioctls).
        .target(
            name: "CRuntimeSupport",
            path: "Sources/CRuntimeSupport"
        ),
        .target(
            name: "Runtime",
            dependencies: [
                "Schema", "Convert", "CRuntimeSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Runtime",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Tools",
            dependencies: [
                "Schema", "Convert", "Runtime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Tools",
            swiftSettings: strict,
            linkerSettings: [
                // The static Swift runtime's link arguments export all 42,000 symbols to the
                // dynamic table, and at every start its backtracer set-up calls dladdr, which
                // scans that table: 0.6-1.2 ms of each command (interleaved A/B). Nothing looks
                // our symbols up by name; the binary stays position-independent.
                .unsafeFlags(["-Xlinker", "--no-export-dynamic"])
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: ["Schema", "Convert", "Runtime"],
            path: "Benchmarks/Bench",
            swiftSettings: strict
        ),
        // Fixture locations and the conformance fact model, shared by the test targets.
        .target(
            name: "TestSupport",
            dependencies: ["Schema"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SchemaTests",
            dependencies: ["Schema", "TestSupport"],
            path: "Tests/SchemaTests",
            swiftSettings: strict
        ),
        // The `virtkit` command end to end: output, exit codes, files.
        .testTarget(
            name: "ToolTests",
            dependencies: ["TestSupport", "Tools"],
            path: "Tests/ToolTests",
            swiftSettings: strict
        ),
        // The runtime: URIs, QMP, the test and QEMU drivers (real guests).
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "Runtime", "Convert", "Schema", "TestSupport", "CRuntimeSupport",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/RuntimeTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConvertTests",
            dependencies: ["Convert", "Schema", "Runtime", "TestSupport"],
            path: "Tests/ConvertTests",
            swiftSettings: strict
        ),
    ]
)
