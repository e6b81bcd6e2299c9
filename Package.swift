// swift-tools-version: 6.1
//
// emqxctl: the TLS side of an MQTT broker, in one binary.
// Module graph and the decisions behind it: docs/architecture.md.

import PackageDescription

/// Compiler settings every Swift target of ours shares: Swift 6 language mode plus the
/// upcoming features our conventions ask for (docs/conventions.md). Warnings are errors in CI
/// (`.ci/run` builds with -Xswiftc -warnings-as-errors), not here: a deprecation in a future
/// dependency release must not break a fresh clone that only wants to run the tool.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let strictC: [CSetting] = [.unsafeFlags(["-Wall", "-Werror"])]

/// A SwiftNIO module.
func nio(_ name: String) -> Target.Dependency { .product(name: name, package: "swift-nio") }

/// swift-log.
let log: Target.Dependency = .product(name: "Logging", package: "swift-log")

let package = Package(
    name: "emqxctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "emqxctl", targets: ["emqxctl"]),
        // For the fuzz package in FuzzTesting/, which drives the parsers from outside.
        .library(name: "ConfigModel", targets: ["ConfigModel"]),
        .library(name: "MQTTCore", targets: ["MQTTCore"]),
        .library(name: "Stores", targets: ["Stores"]),
        .library(name: "ProxyProtocol", targets: ["ProxyProtocol"]),
    ],
    dependencies: [
        // The command-line surface: --help, validation and completions users already know.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Network I/O for the broker: ByteBuffer and channels (docs/architecture.md).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The server ecosystem's logging API, so the broker logs like other Swift servers.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Metrics: the server ecosystem's API, exported in Prometheus's text format.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // permessage-deflate on ws and wss: zlib's streams over ByteBuffers, by hummingbird's
        // author (the same package its WebSocket compression uses); keeps zlib's C out of ours.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // MARK: C, fenced into three places (CertTools, Stores/SQLite, BrokerRuntime/TLS).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "COpenSSLShims", dependencies: ["COpenSSL"], cSettings: strictC),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "CSQLiteShims", dependencies: ["CSQLite"], cSettings: strictC),
        // libxcrypt's bcrypt, for EMQX's password_hash_algorithm = bcrypt (OpenSSL has none).
        .systemLibrary(
            name: "CCrypt",
            pkgConfig: "libxcrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),

        // MARK: Libraries.
        .target(
            name: "CertTools",
            dependencies: ["COpenSSL", "COpenSSLShims", "CCrypt"],
            swiftSettings: strictSwift
        ),
        .target(name: "ConfigModel", swiftSettings: strictSwift),
        .target(
            name: "Stores",
            dependencies: ["CSQLite", "CSQLiteShims"],
            swiftSettings: strictSwift
        ),
        // MARK: The broker, in layers (docs/architecture.md): each depends only on those above it.
        // MQTT's wire format and topic matching: values and pure parsers on ByteBuffer.
        .target(name: "MQTTCore", dependencies: [nio("NIOCore")], swiftSettings: strictSwift),
        // The PROXY protocol header (v1, v2) before a connection's first byte: a pure parser.
        .target(name: "ProxyProtocol", swiftSettings: strictSwift),
        // Sessions, routing and delivery: the broker's protocol logic, with no sockets.
        .target(
            name: "BrokerCore", dependencies: ["MQTTCore", "ConfigModel", nio("NIOCore"), log], swiftSettings: strictSwift),
        // TLS on NIO over OpenSSL: the only broker-side C import.
        .target(
            name: "BrokerTLS",
            dependencies: ["ConfigModel", "ConfigPreflight", "CertTools", "COpenSSL", "COpenSSLShims", nio("NIOCore")],
            swiftSettings: strictSwift
        ),
        // What serve checks before it binds, shared with config check: files, keys, chains, ciphers.
        .target(name: "ConfigPreflight", dependencies: ["ConfigModel", "CertTools"], swiftSettings: strictSwift),
        // OCSP stapling and CRLs over HTTP, feeding BrokerTLS; and config check --probe.
        .target(
            name: "Revocation",
            dependencies: [
                "BrokerTLS", "ConfigPreflight", "ConfigModel", "CertTools", nio("NIOCore"), nio("NIOPosix"), nio("NIOHTTP1"), log,
            ],
            swiftSettings: strictSwift
        ),
        // Who a client is: the authentication chain's backends (HTTP on our TLS client, the
        // built-in user database) and the identity the TLS handshake proved.
        .target(
            name: "Authentication",
            dependencies: [
                "BrokerCore", "BrokerTLS", "CertTools", "ConfigModel", "Stores", nio("NIOCore"), nio("NIOPosix"), nio("NIOHTTP1"), log,
            ],
            swiftSettings: strictSwift
        ),
        // The load generator behind `emqxctl bench`, on the broker's own codec and TLS.
        .target(
            name: "MQTTBench",
            dependencies: [
                "MQTTCore", "BrokerTLS", "ConfigPreflight", "ConfigModel", nio("NIOCore"), nio("NIOPosix"), nio("NIOHTTP1"),
                nio("NIOWebSocket"),
            ],
            swiftSettings: strictSwift),
        // Listeners and connections: puts the layers above on NIO.
        .target(
            name: "BrokerRuntime",
            dependencies: [
                "MQTTCore", "BrokerCore", "BrokerTLS", "Authentication", "Revocation", "ConfigPreflight", "ConfigModel", "CertTools",
                "Stores", "ProxyProtocol", nio("NIOCore"), nio("NIOPosix"), nio("NIOConcurrencyHelpers"), nio("NIOHTTP1"),
                nio("NIOWebSocket"), log, .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: strictSwift
        ),

        // The admin endpoint: status (live or from the files), Prometheus metrics, the status
        // page, and reload over HTTP.
        .target(
            name: "Operations",
            dependencies: [
                "BrokerRuntime", "BrokerTLS", "Revocation", "ConfigModel", "ConfigPreflight", "CertTools", nio("NIOCore"), nio("NIOPosix"),
                nio("NIOHTTP1"), nio("NIOConcurrencyHelpers"), log, .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSwift
        ),

        // MARK: The composition root.
        .executableTarget(
            name: "emqxctl",
            dependencies: [
                "CertTools", "ConfigModel", "ConfigPreflight", "Stores", "BrokerTLS", "Authentication", "Revocation", "MQTTBench",
                "BrokerRuntime", "Operations", nio("NIOCore"), nio("NIOPosix"), nio("NIOHTTP1"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        // MARK: Tests.
        // Test-only helpers: run real peers (openssl, the built binary) with deadlines.
        .target(name: "EmqxTestSupport", swiftSettings: strictSwift),
        .testTarget(name: "CertToolsTests", dependencies: ["CertTools", "EmqxTestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "ConfigModelTests", dependencies: ["ConfigModel"], exclude: ["Fixtures"], swiftSettings: strictSwift),
        .testTarget(name: "StoresTests", dependencies: ["Stores", "EmqxTestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "MQTTCoreTests", dependencies: ["MQTTCore", nio("NIOCore")], swiftSettings: strictSwift),
        .testTarget(
            name: "BrokerCoreTests", dependencies: ["BrokerCore", "MQTTCore", "ConfigModel", nio("NIOCore"), nio("NIOEmbedded"), log],
            swiftSettings: strictSwift),
        .testTarget(
            name: "BrokerTLSTests",
            dependencies: ["BrokerTLS", "CertTools", "ConfigModel", "EmqxTestSupport", nio("NIOCore"), nio("NIOEmbedded"), log],
            swiftSettings: strictSwift),
        .testTarget(
            name: "ConfigPreflightTests", dependencies: ["ConfigPreflight", "ConfigModel", "CertTools", "EmqxTestSupport"],
            exclude: ["Fixtures"], swiftSettings: strictSwift),
        .testTarget(
            name: "RevocationTests",
            dependencies: [
                "Revocation", "BrokerTLS", "CertTools", "ConfigModel", "EmqxTestSupport", nio("NIOCore"), nio("NIOEmbedded"), log,
            ],
            swiftSettings: strictSwift),
        .testTarget(
            name: "BrokerRuntimeTests",
            dependencies: [
                "BrokerRuntime", "BrokerCore", "MQTTCore", "ConfigModel", nio("NIOCore"), nio("NIOEmbedded"), nio("NIOHTTP1"), log,
            ],
            swiftSettings: strictSwift),
        .testTarget(name: "ProxyProtocolTests", dependencies: ["ProxyProtocol"], swiftSettings: strictSwift),
        .testTarget(
            name: "AuthenticationTests",
            dependencies: ["Authentication", "BrokerCore", "CertTools", "ConfigModel", "EmqxTestSupport"], swiftSettings: strictSwift),
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "Operations", "BrokerRuntime", "ConfigModel", "ConfigPreflight", "CertTools", "EmqxTestSupport", nio("NIOCore"),
            ],
            swiftSettings: strictSwift),
        // Runs the built binary against real peers (the openssl CLI).
        .testTarget(
            name: "EmqxCtlTests", dependencies: ["emqxctl", "CertTools", "Stores", "EmqxTestSupport"], exclude: ["Clients"],
            swiftSettings: strictSwift),
    ]
)
