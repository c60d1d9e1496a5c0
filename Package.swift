// swift-tools-version:6.0
import PackageDescription

// One target per layer; dependencies point one way:
//   spool → SpoolApp → (SpoolDownloader → SpoolJobs → SpoolStore), SpoolHTTP → CLibEvent
// The HTTP layer knows nothing of jobs or SQL; the store knows nothing of HTTP.
let package = Package(
    name: "Spool",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "spool", targets: ["spool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C shims: libevent (with pthreads and OpenSSL bufferevents) and OpenSSL.
        .systemLibrary(
            name: "CLibEvent",
            path: "Sources/CLibEvent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev", "libssl-dev"])]
        ),
        // Persistence: the one DatabasePool, schema, migrations, records, the event hub.
        .target(
            name: "SpoolStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The persistent job queue: enqueue, claim, workers, retries, zombies, housekeeping.
        .target(
            name: "SpoolJobs",
            dependencies: [
                "SpoolStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // yt-dlp as monitored child processes: channel syncs, downloads, the rate-limit brake.
        .target(
            name: "SpoolDownloader",
            dependencies: [
                "SpoolJobs", "SpoolStore", "SpoolProcess",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Child processes: spawn, watch, time-limit and kill; knows nothing of yt-dlp.
        .target(name: "SpoolProcess"),
        // The WebSocket codec without I/O (frames, handshake, UTF-8, close codes), as NIOWebSocket.
        .target(name: "SpoolWebSocket"),
        // The evhttp server: loop thread, connection guard, router, work queue, static files.
        .target(
            name: "SpoolHTTP",
            dependencies: [
                "CLibEvent", "SpoolWebSocket",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // App wiring: configuration, API handlers, services.
        .target(
            name: "SpoolApp",
            dependencies: [
                "SpoolStore", "SpoolJobs", "SpoolDownloader", "SpoolHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "spool",
            dependencies: [
                "SpoolApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Queue and writer benchmarks against bare SQLite (docs/benchmarks.md).
        .executableTarget(
            name: "spool-bench",
            dependencies: ["SpoolJobs", "SpoolStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "SpoolStoreTests", dependencies: ["SpoolStore"]),
        .testTarget(name: "SpoolJobsTests", dependencies: ["SpoolJobs"]),
        .testTarget(name: "SpoolDownloaderTests", dependencies: ["SpoolDownloader"]),
        .testTarget(name: "SpoolProcessTests", dependencies: ["SpoolProcess"]),
        .testTarget(name: "SpoolHTTPTests", dependencies: ["SpoolHTTP", "SpoolWebSocket"]),
        .testTarget(name: "SpoolWebSocketTests", dependencies: ["SpoolWebSocket"]),
    ],
    swiftLanguageModes: [.v6]
)
