import Foundation
import SpoolAuth
import Logging
import SpoolCore
import SpoolHTTP
import SpoolStore
import SpoolYtDlp

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
    /// Who checkpoints the WAL: Spool, or a replication tool (Litestream).
    public var checkpoints: DatabaseOptions.CheckpointOwner
    public var httpThreads: Int
    /// glibc malloc arenas at most (`ProcessMemory`); 0 leaves glibc's own limit.
    public var mallocArenas: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var trashRetentionDays: Int
    public var trashPurgeIntervalSeconds: Int
    public var retentionIntervalSeconds: Double
    public var jobLeaseSeconds: Double
    public var jobHeartbeatSeconds: Double
    public var retryBaseSeconds: Double
    public var retryMaxSeconds: Double
    public var maxAttempts: Int
    public var jobRetentionDays: Int
    public var housekeepingIntervalSeconds: Double
    /// Keep `.m3u8` files of every source and of Likes in `LIBRARY_DIR/Playlists/`.
    public var playlistFiles: Bool
    public var ytdlpPath: String
    public var ytdlpUpdate: YtDlpUpdater.Channel
    public var ytdlpUpdateDirectory: String
    public var ytdlpUpdateIndexURL: String?
    public var ytdlpUpdateCheckHours: Double
    public var jsRuntimePath: String?
    public var ytdlpDriverJobs: Int
    public var downloadNiceness: Int
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
    public var fullSyncIntervalHours: Double
    public var listingTimeLimitSeconds: Double
    public var listingStallSeconds: Double
    public var downloadTimeLimitSeconds: Double
    public var downloadStallSeconds: Double
    public var rateLimitCooldownSeconds: Double
    /// The access token for the API, media, live feed and metrics; nil leaves them open.
    public var authToken: String?
    /// Serve a non-loopback HOST without authentication (a proxy in front authenticates).
    public var allowNoAuth: Bool
    public var sessionDays: Double
    public var passwordHashMemoryKiB: Int
    public var passwordHashIterations: Int
    /// HTTPS certificate chain and key; nil serves plain HTTP.
    public var tls: TLSFiles?
    public var maximumConnections: Int
    public var httpTimeoutSeconds: Int
    /// The server key file that seals Subsonic passwords (created at first start).
    public var secretKeyFile: String
    // Hardening, round 2 (docs/features/hardening-round-2.md).
    /// Names besides loopback names, IP addresses and HOST that a request's Host may give.
    public var allowedHosts: [String]
    /// A request head must be complete this long after its first byte.
    public var httpHeaderTimeoutSeconds: Double
    /// A request body must be complete this long after its head.
    public var httpBodyTimeoutSeconds: Double
    /// List replies write their own JSON (`JSONWritable`); false sends every reply through
    /// `JSONEncoder` (the scale benchmark's reference).
    public var jsonWriter: Bool
    /// Registers the `test.sleep` job kind and `POST /api/test/jobs` (a test hook, off by default).
    public var testJobsEnabled: Bool
    /// Hours between scheduled backups; 0 turns them off.
    public var backupIntervalHours: Double
    public var backupKeep: Int
    public var backupDirectory: String
    public var appriseURLs: String?
    public var apprisePath: String
    public var webhookURL: String?
    public var webhookCAFile: String?
    /// What notifications are sent about.
    public var notifyOn: Set<NotificationKind>
    public var notifyTimeoutSeconds: Double

    /// How log lines are written.
    public enum LogFormat: String, Sendable, CaseIterable {
        /// One readable line per message, metadata as `key=value`.
        case text
        /// One JSON object per line, for `docker logs` pipelines and log shippers.
        case json
    }

    /// What values a setting takes; the help text and the check come from the same range.
    public enum Kind: Sendable {
        case text
        case path
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case choice([String])
        /// Several of `values`, comma-separated, or `all` or `none`.
        case list([String])

        var help: String {
            switch self {
            case .text, .path: ""
            case .integer(let range): " (\(range.lowerBound)–\(range.upperBound))"
            case .number(let range): " (\(Self.format(range.lowerBound))–\(Self.format(range.upperBound)))"
            case .choice(let values): " (\(values.joined(separator: ", ")))"
            case .list(let values): " (all, none, or any of \(values.joined(separator: ", ")))"
            }
        }

        private static func format(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
    }

    /// One documented setting: its variable, default, the values it takes and its meaning
    /// (`spool serve --help` and the README's table list them).
    public struct Descriptor: Sendable {
        public let name: String
        public let defaultValue: String
        public let kind: Kind
        let text: String

        init(_ name: String, _ defaultValue: String, _ kind: Kind = .text, _ text: String) {
            self.name = name
            self.defaultValue = defaultValue
            self.kind = kind
            self.text = text
        }

        /// The meaning, with the accepted range.
        public var summary: String {
            let help = kind.help
            guard !help.isEmpty else { return text }
            return text.hasSuffix(".") ? String(text.dropLast()) + help + "." : text + help
        }
    }

    public static let descriptors: [Descriptor] = [
        .init("DB_PATH", "./data/tracks.db", .path, "SQLite database file (created when missing)."),
        .init("LIBRARY_DIR", "./data/library", .path, "Folder of downloaded media; .partial/ and .trash/ live inside it."),
        .init("WEB_DIR", "./web", .path, "Folder of the web app's static files."),
        .init("HOST", "127.0.0.1", .text, "Address to listen on (0.0.0.0 for the LAN)."),
        .init("PORT", "8000", .integer(0...65_535), "TCP port to listen on; 0 picks a free one."),
        .init("WORKERS", "3", .integer(1...32), "Download workers running at once."),
        .init("DB_READERS", "8", .integer(1...64), "Read-only SQLite connections in the pool."),
        .init("DB_BUSY_TIMEOUT_MS", "5000", .integer(0...60_000), "How long the writer waits for a lock held by another process."),
        .init("DB_CHECKPOINTS", "spool", .choice(DatabaseOptions.CheckpointOwner.allCases.map(\.rawValue)), "Who copies the WAL into the database file: spool, or external when Litestream replicates it (Spool then never checkpoints; see docs/operations.md)."),
        .init("HTTP_THREADS", "8", .integer(1...256), "Request handlers running at once on the work queue; two are kept for interactive requests, so bulk telemetry never holds them all."),
        .init("MALLOC_ARENAS", "2", .integer(0...64), "Memory arenas of the C allocator at most: two keep the server's memory about 15 MB lower on a large library than glibc's 8 per core; 0 leaves glibc's default (as does setting MALLOC_ARENA_MAX)."),
        .init("LOG_LEVEL", "info", .choice(Logger.Level.allCases.map(\.rawValue)), "How much is logged."),
        .init("LOG_FORMAT", "text", .choice(LogFormat.allCases.map(\.rawValue)), "Log lines as readable text or as one JSON object per line."),
        .init("TRASH_RETENTION_DAYS", "30", .integer(0...36_500), "Days a deleted track stays in the trash before it is purged automatically (0 = at the next sweep)."),
        .init("TRASH_PURGE_INTERVAL_SECONDS", "600", .integer(1...86_400), "How often the idle trash sweep looks for expired items."),
        .init("RETENTION_INTERVAL_SECONDS", "600", .number(0.1...86_400), "How often the idle retention sweep applies the sources' retention rules."),
        .init("JOB_LEASE_SECONDS", "60", .number(0.5...3600), "A running job's lease; a job whose lease passes without a heartbeat becomes a zombie."),
        .init("JOB_HEARTBEAT_SECONDS", "15", .number(0.1...3600), "How often running jobs renew their lease; must be below JOB_LEASE_SECONDS."),
        .init("RETRY_BASE_SECONDS", "30", .number(0...86_400), "First retry delay of a transient failure; doubles per attempt."),
        .init("RETRY_MAX_SECONDS", "3600", .number(0...604_800), "Longest retry delay."),
        .init("MAX_ATTEMPTS", "5", .integer(1...100), "Attempts of a job before it is dead-lettered."),
        .init("JOB_RETENTION_DAYS", "30", .integer(0...36_500), "Completed jobs older than this are pruned while the queue is idle."),
        .init("HOUSEKEEPING_INTERVAL_SECONDS", "600", .number(0.1...86_400), "How often idle housekeeping runs."),
        .init("PLAYLIST_FILES", "1", .integer(0...1), "1 keeps an .m3u8 file of every source and of each user's likes in LIBRARY_DIR/Playlists/ for other players and media servers; 0 writes none and leaves those already there."),
        .init("ALLOWED_ORIGINS", "", .text, "Other origins allowed to open the live feed, comma-separated (e.g. https://spool.example.org)."),
        .init("YTDLP_PATH", "", .path, "yt-dlp executable; empty: .venv/bin/yt-dlp of the working directory, else yt-dlp on PATH."),
        .init("YTDLP_UPDATE", "stable", .choice(YtDlpUpdater.Channel.allCases.map(\.rawValue)), "Keep yt-dlp current: check for a new release at most daily, while no download runs."),
        .init("YTDLP_UPDATE_DIR", "", .path, "Where updates of yt-dlp are installed; empty: ytdlp/ beside the database."),
        .init("YTDLP_UPDATE_CHECK_HOURS", "24", .number(1...8760), "How often the update check runs."),
        .init("YTDLP_UPDATE_INDEX_URL", "", .text, "A Python package index to update from instead of PyPI (tests, mirrors)."),
        .init("YTDLP_DRIVER_JOBS", "100", .integer(0...100_000), "Downloads one long-lived yt-dlp process serves before a fresh one replaces it (about 4x less CPU than a process per download); 0 runs every download in its own yt-dlp process."),
        .init("DOWNLOAD_NICENESS", "10", .integer(0...19), "How much lower yt-dlp and its ffmpeg run than the server (nice): the app stays quick while downloads convert; 0 runs them alike."),
        .init("JS_RUNTIME_PATH", "", .path, "JavaScript runtime for yt-dlp (Deno); empty: the deno beside yt-dlp, else deno on PATH."),
        .init("FFMPEG_PATH", "", .path, "ffmpeg executable for audio extraction; empty: ffmpeg on PATH."),
        .init("AUDIO_FORMAT", "m4a", .text, "Audio codec downloads are converted to (m4a, opus, mp3, …); none keeps the original media (video). The Default profile follows it until edited on the Profiles page."),
        .init("YTDLP_FORMAT", "", .text, "yt-dlp format selection (-f); empty: best audio when AUDIO_FORMAT is set. The Default profile follows it until edited."),
        .init("RATE_LIMIT", "", .text, "Download bandwidth limit per download, e.g. 2M (yt-dlp --limit-rate)."),
        .init("COOKIES_FILE", "", .path, "Netscape cookies file for bot checks, members-only or age-restricted videos."),
        .init("PROXY", "", .text, "Proxy URL for yt-dlp."),
        .init("YTDLP_EXTRA_ARGS", "", .text, "Extra yt-dlp arguments, separated by spaces (e.g. a PO token provider's --extractor-args)."),
        .init("SYNC_INTERVAL_HOURS", "24", .number(0.0001...8760), "How often each channel is synced again (the head of its listing)."),
        .init("FULL_SYNC_INTERVAL_HOURS", "168", .number(0.0001...87_600), "How often a re-sync lists the whole channel instead, catching old videos that appear late."),
        .init("LISTING_TIME_LIMIT_SECONDS", "7200", .number(1...86_400), "A channel listing running longer is stopped (timeout)."),
        .init("LISTING_STALL_SECONDS", "300", .number(1...86_400), "A channel listing that yields no entry for this long is stopped (timeout)."),
        .init("DOWNLOAD_TIME_LIMIT_SECONDS", "3600", .number(1...86_400), "A download running longer is stopped (timeout)."),
        .init("DOWNLOAD_STALL_SECONDS", "300", .number(1...86_400), "A download printing nothing for this long is stopped (timeout)."),
        .init("RATE_LIMIT_COOLDOWN_SECONDS", "60", .number(0.1...86_400), "First pause of all downloads after a rate limit or bot check; doubles on repeats up to 1 h."),
        .init("AUTH_TOKEN", "", .text, "An admin API key (at least 16 characters) for scripts, Prometheus and health checks: 'Authorization: Bearer <token>'; acts as the owner account."),
        .init("ALLOW_NO_AUTH", "0", .integer(0...1), "1 treats every request as the owner's while no account has a password, even on a non-loopback HOST (only behind a proxy that authenticates users)."),
        .init("SESSION_DAYS", "30", .number(0.01...3650), "How long a browser stays signed in without being used; each use extends it."),
        .init("PASSWORD_HASH_MEMORY_KIB", "65536", .integer(8192...1_048_576), "Argon2id memory per password hash (KiB); lower it on a small board if signing in is slow. Old hashes are upgraded at the next sign-in."),
        .init("PASSWORD_HASH_ITERATIONS", "3", .integer(1...10), "Argon2id passes per password hash."),
        .init("TLS_CERT", "", .path, "PEM certificate chain; with TLS_KEY, Spool serves HTTPS."),
        .init("TLS_KEY", "", .path, "PEM private key of TLS_CERT."),
        .init("MAX_CONNECTIONS", "1024", .integer(1...100_000), "Open client connections at most, counted from the accept (WebSocket clients included); more get 503. Lowered at start-up to fit the descriptor limit."),
        .init("HTTP_TIMEOUT_SECONDS", "60", .integer(1...3600), "Idle and read timeout of a connection; a long media reply only times out when the client stops reading."),
        .init("SECRET_KEY_FILE", "", .path, "The server key (64 hex digits, mode 0600) that seals each user's Subsonic password; empty: spool.key beside DB_PATH, created at first start. Keep it out of database backups; losing it only means users make new Subsonic passwords."),
        // Hardening, round 2 (docs/features/hardening-round-2.md).
        .init("HTTP_HEADER_TIMEOUT_SECONDS", "10", .number(1...600), "A request's headers must arrive within this many seconds of its first byte (of the connection, for its first request), however slowly they trickle; else 408 and close."),
        .init("HTTP_BODY_TIMEOUT_SECONDS", "60", .number(1...3600), "A request's body must arrive within this many seconds of its headers; else 408 and close."),
        .init("ALLOWED_HOSTS", "", .text, "Host names besides localhost, IP addresses and HOST that requests may name (Host header), comma-separated: a reverse proxy's public name, a LAN name; *.example.org matches subdomains, * any (only behind a proxy that checks Host). Other names get 421 (DNS rebinding)."),
        .init("JSON_WRITER", "1", .integer(0...1), "0 encodes every reply with Foundation's JSONEncoder instead of the list replies' own writer (the same bytes, about 4x the CPU; the reference of scripts/bench/scale.py)."),
        .init("SPOOL_TEST_JOBS", "0", .integer(0...1), "1 enables the test.sleep job kind and POST /api/test/jobs (tests only)."),
        .init("BACKUP_INTERVAL_HOURS", "24", .number(0...8760), "Hours between automatic online backups of the database (0 = off); taken while no download runs, or anyway once a whole interval overdue."),
        .init("BACKUP_KEEP", "7", .integer(1...10_000), "Automatic backups kept; the oldest beyond this are deleted after each good backup."),
        .init("BACKUP_DIR", "", .path, "Folder of the automatic backups; empty: backups/ beside the database."),
        .init("APPRISE_URLS", "", .text, "Apprise URLs to notify (tgram://…, ntfy://…, json://…), separated by spaces or commas; needs the apprise CLI (scripts/setup.sh installs it)."),
        .init("APPRISE_PATH", "", .path, "apprise executable; empty: .venv/bin/apprise of the working directory, else apprise on PATH."),
        .init("WEBHOOK_URL", "", .text, "http:// or https:// URL that receives every notification as a JSON POST; https:// certificates are verified."),
        .init("WEBHOOK_CA_FILE", "", .path, "PEM file of the CA(s) an https:// WEBHOOK_URL is verified against instead of the system's (a home server with its own CA)."),
        .init("NOTIFY_ON", "all", .list(NotificationKind.allCases.map(\.rawValue)), "What notifications are sent about, comma-separated."),
        .init("NOTIFY_TIMEOUT_SECONDS", "30", .number(1...600), "Longest one notification may take to send; a slower service is given up on, logged and shown in /api/health."),
    ]

    /// Every setting as a Markdown table: `spool settings` prints it and the README holds it.
    public static var markdownTable: String {
        var lines = ["| variable | default | meaning |", "|---|---|---|"]
        for descriptor in descriptors {
            let value = descriptor.defaultValue.isEmpty ? "—" : "`\(descriptor.defaultValue)`"
            lines.append("| `\(descriptor.name)` | \(value) | \(descriptor.summary) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The settings from `environment`, over the values of the `.env` file at `dotEnvPath`
    /// (when it exists), over the defaults.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        dotEnvPath: String? = ".env"
    ) throws(SettingsError) -> Settings {
        var values = dotEnvPath.map(DotEnvFile.load) ?? [:]
        values.merge(environment) { _, fromEnvironment in fromEnvironment }
        let reader = SettingsReader(values: values)
        let databasePath = try reader.path("DB_PATH")
        let settings = Settings(
            databasePath: databasePath,
            libraryDirectory: try reader.path("LIBRARY_DIR"),
            webDirectory: try reader.path("WEB_DIR"),
            host: try reader.nonEmpty("HOST"),
            port: try reader.integer("PORT"),
            workers: try reader.integer("WORKERS"),
            databaseReaders: try reader.integer("DB_READERS"),
            busyTimeoutMilliseconds: try reader.integer("DB_BUSY_TIMEOUT_MS"),
            checkpoints: DatabaseOptions.CheckpointOwner(rawValue: try reader.choice("DB_CHECKPOINTS"))!,
            httpThreads: try reader.integer("HTTP_THREADS"),
            mallocArenas: try reader.integer("MALLOC_ARENAS"),
            logLevel: Logger.Level(rawValue: try reader.choice("LOG_LEVEL"))!,
            logFormat: LogFormat(rawValue: try reader.choice("LOG_FORMAT"))!,
            trashRetentionDays: try reader.integer("TRASH_RETENTION_DAYS"),
            trashPurgeIntervalSeconds: try reader.integer("TRASH_PURGE_INTERVAL_SECONDS"),
            retentionIntervalSeconds: try reader.number("RETENTION_INTERVAL_SECONDS"),
            jobLeaseSeconds: try reader.number("JOB_LEASE_SECONDS"),
            jobHeartbeatSeconds: try reader.number("JOB_HEARTBEAT_SECONDS"),
            retryBaseSeconds: try reader.number("RETRY_BASE_SECONDS"),
            retryMaxSeconds: try reader.number("RETRY_MAX_SECONDS"),
            maxAttempts: try reader.integer("MAX_ATTEMPTS"),
            jobRetentionDays: try reader.integer("JOB_RETENTION_DAYS"),
            housekeepingIntervalSeconds: try reader.number("HOUSEKEEPING_INTERVAL_SECONDS"),
            playlistFiles: try reader.integer("PLAYLIST_FILES") == 1,
            ytdlpPath: reader.optional("YTDLP_PATH") ?? ExecutableLocator.defaultYtDlp(),
            ytdlpUpdate: YtDlpUpdater.Channel(rawValue: try reader.choice("YTDLP_UPDATE"))!,
            ytdlpUpdateDirectory: reader.optional("YTDLP_UPDATE_DIR")
                ?? URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("ytdlp").path,
            ytdlpUpdateIndexURL: reader.optional("YTDLP_UPDATE_INDEX_URL"),
            ytdlpUpdateCheckHours: try reader.number("YTDLP_UPDATE_CHECK_HOURS"),
            jsRuntimePath: reader.optional("JS_RUNTIME_PATH"),
            ytdlpDriverJobs: try reader.integer("YTDLP_DRIVER_JOBS"),
            downloadNiceness: try reader.integer("DOWNLOAD_NICENESS"),
            allowedOrigins: (reader.optional("ALLOWED_ORIGINS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            ffmpegPath: reader.optional("FFMPEG_PATH") ?? ExecutableSearch.find("ffmpeg"),
            audioFormat: reader.optional("AUDIO_FORMAT").flatMap { $0 == "none" ? nil : $0 },
            ytdlpFormat: reader.optional("YTDLP_FORMAT"),
            rateLimit: reader.optional("RATE_LIMIT"),
            cookiesFile: reader.optional("COOKIES_FILE"),
            proxy: reader.optional("PROXY"),
            ytdlpExtraArguments: (reader.optional("YTDLP_EXTRA_ARGS") ?? "").split(separator: " ").map(String.init),
            syncIntervalHours: try reader.number("SYNC_INTERVAL_HOURS"),
            fullSyncIntervalHours: try reader.number("FULL_SYNC_INTERVAL_HOURS"),
            listingTimeLimitSeconds: try reader.number("LISTING_TIME_LIMIT_SECONDS"),
            listingStallSeconds: try reader.number("LISTING_STALL_SECONDS"),
            downloadTimeLimitSeconds: try reader.number("DOWNLOAD_TIME_LIMIT_SECONDS"),
            downloadStallSeconds: try reader.number("DOWNLOAD_STALL_SECONDS"),
            rateLimitCooldownSeconds: try reader.number("RATE_LIMIT_COOLDOWN_SECONDS"),
            authToken: try reader.authToken(),
            allowNoAuth: try reader.integer("ALLOW_NO_AUTH") == 1,
            sessionDays: try reader.number("SESSION_DAYS"),
            passwordHashMemoryKiB: try reader.integer("PASSWORD_HASH_MEMORY_KIB"),
            passwordHashIterations: try reader.integer("PASSWORD_HASH_ITERATIONS"),
            tls: try reader.tlsFiles(),
            maximumConnections: try reader.integer("MAX_CONNECTIONS"),
            httpTimeoutSeconds: try reader.integer("HTTP_TIMEOUT_SECONDS"),
            secretKeyFile: reader.optional("SECRET_KEY_FILE")
                ?? URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("spool.key").path,
            allowedHosts: try reader.allowedHosts(),
            httpHeaderTimeoutSeconds: try reader.number("HTTP_HEADER_TIMEOUT_SECONDS"),
            httpBodyTimeoutSeconds: try reader.number("HTTP_BODY_TIMEOUT_SECONDS"),
            jsonWriter: try reader.integer("JSON_WRITER") == 1,
            testJobsEnabled: try reader.integer("SPOOL_TEST_JOBS") == 1,
            backupIntervalHours: try reader.number("BACKUP_INTERVAL_HOURS"),
            backupKeep: try reader.integer("BACKUP_KEEP"),
            backupDirectory: reader.optional("BACKUP_DIR") ?? BackupFiles.defaultDirectory(databasePath: databasePath),
            appriseURLs: reader.optional("APPRISE_URLS"),
            apprisePath: reader.optional("APPRISE_PATH") ?? ExecutableLocator.defaultApprise(),
            webhookURL: try reader.webhookURL(),
            webhookCAFile: reader.optional("WEBHOOK_CA_FILE"),
            notifyOn: Set(try reader.list("NOTIFY_ON").map { NotificationKind(rawValue: $0)! }),
            notifyTimeoutSeconds: try reader.number("NOTIFY_TIMEOUT_SECONDS"))
        // A heartbeat as slow as the lease would let every running job expire into a zombie.
        guard settings.jobHeartbeatSeconds < settings.jobLeaseSeconds else {
            throw SettingsError(
                setting: "JOB_HEARTBEAT_SECONDS",
                message: "(\(settings.jobHeartbeatSeconds)) must be below JOB_LEASE_SECONDS (\(settings.jobLeaseSeconds)), or every running job would lose its lease")
        }
        return settings
    }

    /// Argon2id with `PASSWORD_HASH_MEMORY_KIB` and `PASSWORD_HASH_ITERATIONS`, one lane (a
    /// sign-in takes one of the two cores, the other keeps streaming).
    public var passwordHasher: PasswordHasher {
        (try? PasswordHasher(parameters: Argon2Parameters(
            memoryKiB: UInt32(passwordHashMemoryKiB), iterations: UInt32(passwordHashIterations), parallelism: 1))) ?? .standard
    }

    /// Whether requests may act as the owner without signing in while no account has a
    /// password: only loopback clients can reach the server, or a proxy in front authenticates.
    public var singleUserModeAllowed: Bool { Self.isLoopback(host) || allowNoAuth }

    /// Whether `host` only accepts connections from this machine: a loopback address, parsed
    /// (`127.invalid` is a name, not an address), or `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
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

/// Reads typed values by name, each within the range its descriptor states, falling back to
/// the documented default.
private struct SettingsReader {
    let values: [String: String]

    func descriptor(_ name: String) -> Settings.Descriptor {
        Settings.descriptors.first { $0.name == name }!
    }

    func raw(_ name: String) -> String {
        if let value = values[name], !value.isEmpty { return value }
        return descriptor(name).defaultValue
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
        guard !value.contains("\0") else { throw SettingsError(setting: name, message: "must not contain NUL bytes") }
        return value
    }

    func integer(_ name: String) throws(SettingsError) -> Int {
        guard case .integer(let range) = descriptor(name).kind else { preconditionFailure("\(name) is not an integer setting") }
        let text = raw(name).trimmingCharacters(in: .whitespaces)
        guard let value = Int(text), range.contains(value) else {
            throw SettingsError(setting: name, message: "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func number(_ name: String) throws(SettingsError) -> Double {
        guard case .number(let range) = descriptor(name).kind else { preconditionFailure("\(name) is not a number setting") }
        let text = raw(name).trimmingCharacters(in: .whitespaces)
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw SettingsError(setting: name, message: "'\(text)' is not a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func choice(_ name: String) throws(SettingsError) -> String {
        guard case .choice(let values) = descriptor(name).kind else { preconditionFailure("\(name) is not a choice setting") }
        let text = raw(name).trimmingCharacters(in: .whitespaces).lowercased()
        guard values.contains(text) else {
            throw SettingsError(setting: name, message: "'\(text)' is not one of \(values.joined(separator: ", "))")
        }
        return text
    }

    /// The chosen values of a list setting: `all`, `none`, or some of its values.
    func list(_ name: String) throws(SettingsError) -> [String] {
        guard case .list(let values) = descriptor(name).kind else { preconditionFailure("\(name) is not a list setting") }
        let items = raw(name).lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if items.contains("all") { return values }
        if items == ["none"] { return [] }
        if let unknown = items.first(where: { !values.contains($0) }) {
            throw SettingsError(setting: name, message: "'\(unknown)' is not one of all, none, \(values.joined(separator: ", "))")
        }
        return values.filter(items.contains)
    }

    /// `WEBHOOK_URL`, when set: an http:// or https:// URL, with `WEBHOOK_CA_FILE` readable
    /// and only beside an https:// one.
    func webhookURL() throws(SettingsError) -> String? {
        let caFile = optional("WEBHOOK_CA_FILE")
        guard let url = optional("WEBHOOK_URL") else {
            if caFile != nil { throw SettingsError(setting: "WEBHOOK_CA_FILE", message: "is set but WEBHOOK_URL is not") }
            return nil
        }
        if let problem = NotificationService.problem(webhookURL: url, caFile: caFile) {
            throw SettingsError(setting: problem.setting, message: problem.message)
        }
        return url
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
}
