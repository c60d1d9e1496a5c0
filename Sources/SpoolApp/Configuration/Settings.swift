import Foundation
import Logging
import SpoolHTTP

/// Every setting of Spool, read from environment variables and a `.env` file.
public struct Settings: Sendable {
    public var databasePath: String
    public var libraryDirectory: String
    public var webDirectory: String
    public var host: String
    public var port: Int
    public var workers: Int
    public var databaseReaders: Int
    public var busyTimeoutMilliseconds: Int
    public var httpThreads: Int
    public var logLevel: Logger.Level
    public var trashRetentionDays: Int
    public var trashPurgeIntervalSeconds: Int
    public var jobLeaseSeconds: Double
    public var jobHeartbeatSeconds: Double
    public var retryBaseSeconds: Double
    public var retryMaxSeconds: Double
    public var maxAttempts: Int
    public var jobRetentionDays: Int
    public var housekeepingIntervalSeconds: Double
    public var ytdlpPath: String
    /// Origins besides the server's own that may open the live feed (comma-separated).
    public var allowedOrigins: [String]
    public var ffmpegPath: String?
    public var audioFormat: String?
    public var ytdlpFormat: String?
    public var rateLimit: String?
    public var cookiesFile: String?
    public var proxy: String?
    public var ytdlpExtraArguments: [String]
    public var syncIntervalHours: Double
    public var downloadTimeLimitSeconds: Double
    public var downloadStallSeconds: Double
    public var rateLimitCooldownSeconds: Double
    /// The access token for the API, media, live feed and metrics; nil leaves them open.
    public var authToken: String?
    /// HTTPS certificate chain and key; nil serves plain HTTP.
    public var tls: TLSFiles?
    public var maximumConnections: Int
    public var httpTimeoutSeconds: Int
    // Hardening, round 2 (docs/features/hardening-round-2.md).
    /// Names besides loopback names, IP addresses and HOST that a request's Host may give.
    public var allowedHosts: [String]
    /// A request head must be complete this long after its first byte.
    public var httpHeaderTimeoutSeconds: Double
    /// A request body must be complete this long after its head.
    public var httpBodyTimeoutSeconds: Double
    /// Registers the `test.sleep` job kind and `POST /api/test/jobs` (a test hook, off by default).
    public var testJobsEnabled: Bool

    /// One documented setting: its variable, default and meaning (`spool serve --help` lists them).
    public struct Descriptor: Sendable {
        public let name: String
        public let defaultValue: String
        public let summary: String
    }

    public static let descriptors: [Descriptor] = [
        .init(name: "DB_PATH", defaultValue: "./data/tracks.db", summary: "SQLite database file (created when missing)."),
        .init(name: "LIBRARY_DIR", defaultValue: "./data/library", summary: "Folder of downloaded media; .partial/ and .trash/ live inside it."),
        .init(name: "WEB_DIR", defaultValue: "./web", summary: "Folder of the web app's static files."),
        .init(name: "HOST", defaultValue: "127.0.0.1", summary: "Address to listen on (0.0.0.0 for the LAN)."),
        .init(name: "PORT", defaultValue: "8000", summary: "TCP port to listen on (0 picks a free one)."),
        .init(name: "WORKERS", defaultValue: "3", summary: "Download workers running at once (1–32)."),
        .init(name: "DB_READERS", defaultValue: "8", summary: "Read-only SQLite connections in the pool (1–64)."),
        .init(name: "DB_BUSY_TIMEOUT_MS", defaultValue: "5000", summary: "How long the writer waits for a lock held by another process (0–60000)."),
        .init(name: "HTTP_THREADS", defaultValue: "8", summary: "Request handlers running at once on the work queue (1–256); two are kept for interactive requests, so bulk telemetry never holds them all."),
        .init(name: "LOG_LEVEL", defaultValue: "info", summary: "trace, debug, info, notice, warning, error or critical."),
        .init(name: "TRASH_RETENTION_DAYS", defaultValue: "30", summary: "Days a deleted track stays in the trash before it is purged automatically (0 = at the next sweep)."),
        .init(name: "TRASH_PURGE_INTERVAL_SECONDS", defaultValue: "600", summary: "How often the idle trash sweep looks for expired items (1–86400)."),
        .init(name: "JOB_LEASE_SECONDS", defaultValue: "60", summary: "A running job's lease; a job whose lease passes without a heartbeat becomes a zombie (1–3600)."),
        .init(name: "JOB_HEARTBEAT_SECONDS", defaultValue: "15", summary: "How often running jobs renew their lease (must be below the lease)."),
        .init(name: "RETRY_BASE_SECONDS", defaultValue: "30", summary: "First retry delay of a transient failure; doubles per attempt (0–86400)."),
        .init(name: "RETRY_MAX_SECONDS", defaultValue: "3600", summary: "Longest retry delay (0–604800)."),
        .init(name: "MAX_ATTEMPTS", defaultValue: "5", summary: "Attempts of a job before it is dead-lettered (1–100)."),
        .init(name: "JOB_RETENTION_DAYS", defaultValue: "30", summary: "Completed jobs older than this are pruned while the queue is idle (0–36500)."),
        .init(name: "HOUSEKEEPING_INTERVAL_SECONDS", defaultValue: "600", summary: "Minimum time between idle housekeeping runs (1–86400)."),
        .init(name: "ALLOWED_ORIGINS", defaultValue: "", summary: "Other origins allowed to open the live feed, comma-separated (e.g. https://spool.example.org)."),
        .init(name: "YTDLP_PATH", defaultValue: "", summary: "yt-dlp executable; empty: .venv/bin/yt-dlp of the working directory, else yt-dlp on PATH."),
        .init(name: "FFMPEG_PATH", defaultValue: "", summary: "ffmpeg executable for audio extraction; empty: ffmpeg on PATH."),
        .init(name: "AUDIO_FORMAT", defaultValue: "m4a", summary: "Audio codec downloads are converted to (m4a, opus, mp3, …); none keeps the original media (video)."),
        .init(name: "YTDLP_FORMAT", defaultValue: "", summary: "yt-dlp format selection (-f); empty: best audio when AUDIO_FORMAT is set."),
        .init(name: "RATE_LIMIT", defaultValue: "", summary: "Download bandwidth limit per download, e.g. 2M (yt-dlp --limit-rate)."),
        .init(name: "COOKIES_FILE", defaultValue: "", summary: "Netscape cookies file for members-only or age-restricted videos."),
        .init(name: "PROXY", defaultValue: "", summary: "Proxy URL for yt-dlp."),
        .init(name: "YTDLP_EXTRA_ARGS", defaultValue: "", summary: "Extra yt-dlp arguments, separated by spaces."),
        .init(name: "SYNC_INTERVAL_HOURS", defaultValue: "24", summary: "How often each channel is synced again (0.01–8760)."),
        .init(name: "DOWNLOAD_TIME_LIMIT_SECONDS", defaultValue: "3600", summary: "A download running longer is stopped (timeout)."),
        .init(name: "DOWNLOAD_STALL_SECONDS", defaultValue: "300", summary: "A download printing nothing for this long is stopped (timeout)."),
        .init(name: "RATE_LIMIT_COOLDOWN_SECONDS", defaultValue: "60", summary: "First pause of all downloads after a rate limit; doubles on repeats up to 1 h."),
        .init(name: "AUTH_TOKEN", defaultValue: "", summary: "Access token (at least 16 characters) for the API, media, live feed and metrics; the browser signs in at /login. Required when HOST is not a loopback address."),
        .init(name: "ALLOW_NO_AUTH", defaultValue: "0", summary: "1 serves a non-loopback HOST without AUTH_TOKEN (only behind a proxy that authenticates users)."),
        .init(name: "TLS_CERT", defaultValue: "", summary: "PEM certificate chain; with TLS_KEY, Spool serves HTTPS."),
        .init(name: "TLS_KEY", defaultValue: "", summary: "PEM private key of TLS_CERT."),
        .init(name: "MAX_CONNECTIONS", defaultValue: "1024", summary: "Open client connections at most, counted from the accept (WebSocket clients included); more get 503. Lowered at start-up to fit the descriptor limit (1–100000)."),
        .init(name: "HTTP_TIMEOUT_SECONDS", defaultValue: "60", summary: "Idle and read timeout of a connection; a long media reply only times out when the client stops reading (1–3600)."),
        .init(name: "HTTP_HEADER_TIMEOUT_SECONDS", defaultValue: "10", summary: "A request's headers must arrive within this many seconds of its first byte (of the connection, for its first request), however slowly they trickle; else 408 and close (1–600)."),
        .init(name: "HTTP_BODY_TIMEOUT_SECONDS", defaultValue: "60", summary: "A request's body must arrive within this many seconds of its headers; else 408 and close (1–3600)."),
        .init(name: "ALLOWED_HOSTS", defaultValue: "", summary: "Host names besides localhost, IP addresses and HOST that requests may name (Host header), comma-separated: a reverse proxy's public name, a LAN name; *.example.org matches subdomains, * any (only behind a proxy that checks Host). Other names get 421 (DNS rebinding)."),
        .init(name: "SPOOL_TEST_JOBS", defaultValue: "0", summary: "1 enables the test.sleep job kind and POST /api/test/jobs (tests only)."),
    ]

    /// The settings from `environment`, over the values of the `.env` file at `dotEnvPath`
    /// (when it exists), over the defaults.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        dotEnvPath: String? = ".env"
    ) throws(SettingsError) -> Settings {
        var values = dotEnvPath.map(DotEnvFile.load) ?? [:]
        values.merge(environment) { _, fromEnvironment in fromEnvironment }
        let reader = SettingsReader(values: values)
        return Settings(
            databasePath: try reader.path("DB_PATH"),
            libraryDirectory: try reader.path("LIBRARY_DIR"),
            webDirectory: try reader.path("WEB_DIR"),
            host: try reader.nonEmpty("HOST"),
            port: try reader.integer("PORT", in: 0...65_535),
            workers: try reader.integer("WORKERS", in: 1...32),
            databaseReaders: try reader.integer("DB_READERS", in: 1...64),
            busyTimeoutMilliseconds: try reader.integer("DB_BUSY_TIMEOUT_MS", in: 0...60_000),
            httpThreads: try reader.integer("HTTP_THREADS", in: 1...256),
            logLevel: try reader.logLevel("LOG_LEVEL"),
            trashRetentionDays: try reader.integer("TRASH_RETENTION_DAYS", in: 0...36_500),
            trashPurgeIntervalSeconds: try reader.integer("TRASH_PURGE_INTERVAL_SECONDS", in: 1...86_400),
            jobLeaseSeconds: try reader.number("JOB_LEASE_SECONDS", in: 0.5...3600),
            jobHeartbeatSeconds: try reader.number("JOB_HEARTBEAT_SECONDS", in: 0.1...3600),
            retryBaseSeconds: try reader.number("RETRY_BASE_SECONDS", in: 0...86_400),
            retryMaxSeconds: try reader.number("RETRY_MAX_SECONDS", in: 0...604_800),
            maxAttempts: try reader.integer("MAX_ATTEMPTS", in: 1...100),
            jobRetentionDays: try reader.integer("JOB_RETENTION_DAYS", in: 0...36_500),
            housekeepingIntervalSeconds: try reader.number("HOUSEKEEPING_INTERVAL_SECONDS", in: 0.1...86_400),
            ytdlpPath: reader.optional("YTDLP_PATH") ?? ExecutableLocator.defaultYtDlp(),
            allowedOrigins: (reader.optional("ALLOWED_ORIGINS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            ffmpegPath: reader.optional("FFMPEG_PATH") ?? ExecutableLocator.find("ffmpeg"),
            audioFormat: reader.optional("AUDIO_FORMAT").flatMap { $0 == "none" ? nil : $0 },
            ytdlpFormat: reader.optional("YTDLP_FORMAT"),
            rateLimit: reader.optional("RATE_LIMIT"),
            cookiesFile: reader.optional("COOKIES_FILE"),
            proxy: reader.optional("PROXY"),
            ytdlpExtraArguments: (reader.optional("YTDLP_EXTRA_ARGS") ?? "").split(separator: " ").map(String.init),
            syncIntervalHours: try reader.number("SYNC_INTERVAL_HOURS", in: 0.0001...8760),
            downloadTimeLimitSeconds: try reader.number("DOWNLOAD_TIME_LIMIT_SECONDS", in: 1...86_400),
            downloadStallSeconds: try reader.number("DOWNLOAD_STALL_SECONDS", in: 1...86_400),
            rateLimitCooldownSeconds: try reader.number("RATE_LIMIT_COOLDOWN_SECONDS", in: 0.1...86_400),
            authToken: try reader.authToken(),
            tls: try reader.tlsFiles(),
            maximumConnections: try reader.integer("MAX_CONNECTIONS", in: 1...100_000),
            httpTimeoutSeconds: try reader.integer("HTTP_TIMEOUT_SECONDS", in: 1...3600),
            allowedHosts: try reader.allowedHosts(),
            httpHeaderTimeoutSeconds: try reader.number("HTTP_HEADER_TIMEOUT_SECONDS", in: 1...600),
            httpBodyTimeoutSeconds: try reader.number("HTTP_BODY_TIMEOUT_SECONDS", in: 1...3600),
            testJobsEnabled: try reader.integer("SPOOL_TEST_JOBS", in: 0...1) == 1)
    }

    /// Whether `host` only accepts connections from this machine: a loopback address, parsed
    /// (`127.invalid` is a name, not an address), or `localhost`.
    static func isLoopback(_ host: String) -> Bool {
        if let address = IPAddress(host) { return address.isLoopback }
        return HostPolicy.isLoopbackName(host)
    }
}

/// A setting with a value Spool cannot use; the message names the setting.
public struct SettingsError: Error, CustomStringConvertible {
    public let setting: String
    public let message: String
    public var description: String { "Invalid setting \(setting): \(message)" }
}

/// Reads typed values by name, falling back to each setting's documented default.
private struct SettingsReader {
    let values: [String: String]

    func raw(_ name: String) -> String {
        if let value = values[name], !value.isEmpty { return value }
        return Settings.descriptors.first { $0.name == name }!.defaultValue
    }

    /// The value, or nil when unset or empty (settings whose default is "none").
    func optional(_ name: String) -> String? {
        let value = raw(name).trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    func nonEmpty(_ name: String) throws(SettingsError) -> String {
        let value = raw(name).trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw SettingsError(setting: name, message: "must not be empty") }
        return value
    }

    func path(_ name: String) throws(SettingsError) -> String {
        let value = try nonEmpty(name)
        guard !value.contains("\0") else { throw SettingsError(setting: name, message: "must be a file path") }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
        let text = raw(name)
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw SettingsError(setting: name, message: "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func number(_ name: String, in range: ClosedRange<Double>) throws(SettingsError) -> Double {
        let text = raw(name)
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw SettingsError(setting: name, message: "'\(text)' is not a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `AUTH_TOKEN`, which a server reachable from other machines must have.
    func authToken() throws(SettingsError) -> String? {
        let token = optional("AUTH_TOKEN")
        if let token {
            guard token.count >= 16, !token.contains(where: { $0.isWhitespace || $0 == ";" || $0 == "," }) else {
                throw SettingsError(setting: "AUTH_TOKEN", message: "must be at least 16 characters without spaces, ';' or ','")
            }
            return token
        }
        let host = raw("HOST")
        if !Settings.isLoopback(host), try integer("ALLOW_NO_AUTH", in: 0...1) == 0 {
            throw SettingsError(
                setting: "AUTH_TOKEN",
                message: "is required when HOST (\(host)) is not a loopback address; set one (e.g. openssl rand -hex 24), or ALLOW_NO_AUTH=1 if a proxy in front of Spool authenticates users")
        }
        return nil
    }

    /// `ALLOWED_HOSTS`: names, `*.name` wildcards or `*`, comma-separated.
    func allowedHosts() throws(SettingsError) -> [String] {
        let entries = (optional("ALLOWED_HOSTS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let policy = HostPolicy(listeningHost: "127.0.0.1", allowedHosts: entries)
        guard policy.allowedHosts.count == entries.filter({ !$0.isEmpty }).count else {
            throw SettingsError(setting: "ALLOWED_HOSTS", message: "must list host names (e.g. spool.example.org, *.example.org), comma-separated")
        }
        return policy.allowedHosts
    }

    /// `TLS_CERT` and `TLS_KEY`: both or neither, and readable.
    func tlsFiles() throws(SettingsError) -> TLSFiles? {
        let certificate = optional("TLS_CERT"), key = optional("TLS_KEY")
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            for (name, path) in [("TLS_CERT", certificate), ("TLS_KEY", key)] where !FileManager.default.isReadableFile(atPath: path) {
                throw SettingsError(setting: name, message: "'\(path)' is not a readable file")
            }
            return TLSFiles(certificateChainPath: certificate, privateKeyPath: key)
        default:
            throw SettingsError(setting: certificate == nil ? "TLS_CERT" : "TLS_KEY", message: "TLS_CERT and TLS_KEY must be set together")
        }
    }

    func logLevel(_ name: String) throws(SettingsError) -> Logger.Level {
        let text = raw(name)
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(setting: name, message: "'\(text)' is not one of \(names)")
        }
        return level
    }
}
