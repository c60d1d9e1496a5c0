// swift-tools-version:6.0
import PackageDescription

// One target per layer; dependencies point one way (docs/architecture.md draws the house):
//   spool → SpoolApp (the HTTP face) → SpoolCore (the domain) → SpoolJobs → SpoolStore
//                    ↘ SpoolHTTP → CLibEvent          ↘ SpoolYtDlp → SpoolProcess
// The HTTP layer knows nothing of jobs or SQL; the domain knows nothing of HTTP; the store
// knows nothing of either; the yt-dlp adapter knows nothing of the queue.
// Linux only: the code uses Glibc, epoll-backed libevent and Linux process APIs, so no Apple
// platform is declared (none would build).
let package = Package(
    name: "Spool",
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
        // C shims of the accounts' cryptography: Argon2id (libargon2) and OpenSSL's libcrypto alone
        // (digests, HMAC, AES-GCM, random bytes), so SpoolAuth links neither libevent nor libssl.
        .systemLibrary(name: "CArgon2", path: "Sources/CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // OpenSSL's libssl for the domain's one TLS client (the webhook's HTTPS POST), without libevent.
        .systemLibrary(name: "CLibSSL", path: "Sources/CLibSSL", pkgConfig: "libssl", providers: [.apt(["libssl-dev"])]),
        // Accounts' cryptography: password hashes, session ids and API keys, sealed secrets, the
        // Subsonic credential check. No database, no HTTP.
        .target(name: "SpoolAuth", dependencies: ["CArgon2", "COpenSSL"]),
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
        // The yt-dlp adapter: arguments, streamed listings, progress, failure causes, the
        // installation (runtime, updates). Knows nothing of the queue or the database.
        // The long-lived yt-dlp driver (a Python script) is compiled into the binary, so an
        // installed `spool` needs no file beside it.
        .target(name: "SpoolYtDlp", dependencies: ["SpoolProcess"],
                resources: [.embedInCode("Driver/spool_ytdlp_driver.py")]),
        // The domain, one folder per idea: Sources, Profiles, Downloads, Library, Retention,
        // Playback, Events, Schedule. The only writer of channel and track rows; knows nothing of HTTP.
        .target(
            name: "SpoolCore",
            dependencies: [
                "SpoolStore", "SpoolJobs", "SpoolYtDlp", "SpoolProcess", "SpoolMedia", "SpoolAuth", "CLibSSL",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Child processes: spawn, watch, time-limit and kill; knows nothing of yt-dlp.
        .target(name: "SpoolProcess"),
        // Media files through ffprobe/ffmpeg: probe by content, tags, cover art, artwork variants.
        .target(name: "SpoolMedia", dependencies: ["SpoolProcess"]),
        // The Subsonic/OpenSubsonic wire format: request parameters, the response model, XML and
        // JSON rendering. Foundation only: no database, no HTTP server, no files.
        .target(name: "SpoolSubsonic"),
        // Podcast RSS (iTunes namespace) and OPML documents. Foundation only.
        .target(name: "SpoolFeeds"),
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
        // The HTTP face: settings, thin route collections, representations, the live feed,
        // access control, and the wiring of the whole process.
        .target(
            name: "SpoolApp",
            dependencies: [
                "SpoolCore", "SpoolHTTP", "SpoolAuth", "SpoolSubsonic", "SpoolFeeds",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "spool",
            dependencies: [
                "SpoolApp", "SpoolCore", "SpoolStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A database filled to a given size through Spool's own schema (issue 19): for the
        // benchmarks, the list-query plan tests, and users who want to try a big library.
        .target(name: "SpoolSeed", dependencies: ["SpoolStore", .product(name: "GRDB", package: "GRDB.swift")]),
        // Queue and writer benchmarks against bare SQLite, and `spool-bench seed` (docs/benchmarks.md).
        .executableTarget(
            name: "spool-bench",
            dependencies: ["SpoolJobs", "SpoolStore", "SpoolSeed", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Playlist files of a 20,000-track source beside a plain SELECT and write (docs/benchmarks.md).
        .executableTarget(
            name: "spool-playlist-bench",
            dependencies: ["SpoolCore", "SpoolStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")]
        ),
        // Argon2id cost of the default parameters beside an independent implementation (docs/features/accounts.md).
        .executableTarget(name: "spool-auth-bench", dependencies: ["SpoolAuth"]),
        .testTarget(name: "SpoolAuthTests", dependencies: ["SpoolAuth"]),
        .testTarget(name: "SpoolStoreTests", dependencies: ["SpoolStore"]),
        .testTarget(name: "SpoolJobsTests", dependencies: ["SpoolJobs"]),
        .testTarget(name: "SpoolYtDlpTests", dependencies: ["SpoolYtDlp"]),
        .testTarget(name: "SpoolCoreTests", dependencies: ["SpoolCore", "SpoolSeed"]),
        .testTarget(name: "SpoolAppTests", dependencies: ["SpoolApp"]),
        .testTarget(name: "SpoolProcessTests", dependencies: ["SpoolProcess"]),
        .testTarget(name: "SpoolMediaTests", dependencies: ["SpoolMedia", "SpoolProcess"], exclude: ["read_tags.py"]),
        .testTarget(name: "SpoolHTTPTests", dependencies: ["SpoolHTTP", "SpoolWebSocket"]),
        .testTarget(name: "SpoolWebSocketTests", dependencies: ["SpoolWebSocket"]),
        .testTarget(name: "SpoolSubsonicTests", dependencies: ["SpoolSubsonic"], exclude: ["Clients"]),
        .testTarget(name: "SpoolFeedsTests", dependencies: ["SpoolFeeds"], exclude: ["Clients"]),
    ],
    swiftLanguageModes: [.v6]
)
