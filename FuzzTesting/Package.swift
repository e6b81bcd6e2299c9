// swift-tools-version: 6.1
//
// Fuzz targets, kept out of the main package so that normal builds never need libFuzzer.
// Build and run (see README.md):
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   .build/release/FuzzHOCONParser -max_total_time=60 corpus FailCases/HOCON

import PackageDescription

let package = Package(
    name: "FuzzTesting",
    dependencies: [
        .package(name: "emqxctl", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "FuzzHOCONParser",
            dependencies: ["CFuzzerDriver", .product(name: "ConfigModel", package: "emqxctl")]
        ),
        .executableTarget(
            name: "FuzzProxyHeader",
            dependencies: ["CFuzzerDriver", .product(name: "ProxyProtocol", package: "emqxctl")]
        ),
        .executableTarget(
            name: "FuzzACLFile",
            dependencies: ["CFuzzerDriver", .product(name: "ConfigModel", package: "emqxctl")]
        ),
        .executableTarget(
            name: "FuzzUserImportFile",
            dependencies: ["CFuzzerDriver", .product(name: "Stores", package: "emqxctl")]
        ),
        .executableTarget(
            name: "FuzzMQTTDecoder",
            dependencies: [
                "CFuzzerDriver", .product(name: "MQTTCore", package: "emqxctl"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
