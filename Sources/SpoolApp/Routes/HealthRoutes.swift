import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore
import SpoolYtDlp

/// `GET /api/health`: what an operator needs to see at a glance, with real figures read from
/// the live database (journal mode, synchronous, WAL size, writer waits, job counts), yt-dlp
/// and its JavaScript runtime, the download brake with its remedy, the last backup and the
/// last failure, each notifier's last error, and whether the database file is still the one
/// being written. Polling it is cheap: an unchanged report is answered
/// from `HealthReportCache` on the loop.
struct HealthRoutes: RouteCollection {
    let domain: Domain
    let live: LiveFeed
    let cache = HealthReportCache()

    func register(on routes: inout Routes) {
        routes.get("/api/health", .admin, immediate: { _ in cache.response(for: fingerprint()) }) { _ in
            let fingerprint = fingerprint()
            let response = HTTPResponse.json(try report())
            cache.store(response, for: fingerprint)
            return response
        }
    }

    /// What the report shows from memory, for `HealthReportCache`. Runs on the event loop
    /// (the route's immediate answer): nothing here may wait.
    func fingerprint() -> HealthReportCache.Fingerprint {
        let workers = domain.workers.status
        let socket = live.webSocket.statistics
        return HealthReportCache.Fingerprint(
            lastEventSequence: domain.events.lastSequence,
            writerVersion: domain.database.writerStatistics.version,
            liveClients: socket.clients, liveClientsDropped: socket.dropped,
            busyWorkers: workers.busy, zombiesRecovered: workers.zombiesRecovered,
            brake: domain.brake.current,
            housekeepingRunAt: domain.housekeeper.lastRun?.at,
            ytdlpUpdating: domain.ytdlp.isUpdating,
            storageErrors: StorageErrors.shared.snapshot,
            notificationsVersion: domain.notifications.version)
    }

    /// A part of the report that can need the operator: the part is shown under its own key,
    /// and what needs the operator also joins the report's `warnings` at the top, in the
    /// order of `report()`'s list.
    protocol HealthReportSection: Encodable {
        /// What needs the operator, in plain language (empty when all is well).
        var warnings: [String] { get }
    }

    struct Report: Encodable {
        struct DatabaseReport: Encodable {
            struct Writer: Encodable {
                let transactions: Int
                let failedTransactions: Int
                let commits: Int
                let queueDepth: Int
                let busyWaits: Int
                let busyTimeouts: Int
                let waitP50Ms: Double
                let waitP99Ms: Double
                let waitMaxMs: Double
            }
            let path: String
            /// Why the database cannot be written, when it cannot (deleted or replaced file).
            let problem: String?
            let journalMode: String
            let synchronous: String
            let foreignKeys: Bool
            let busyTimeoutMs: Int
            let journalSizeLimit: Int
            let fileSizeBytes: Int64
            let walSizeBytes: Int64
            let schemaVersion: String?
            let pendingMigrations: [String]
            let readerCount: Int
            let writer: Writer
            /// Requests refused by storage since start-up (disk full, locked by another program).
            let refusedRequests: [String: Int]
        }
        struct Jobs: Encodable {
            let counts: [String: Int]
            let workers: Int
            let workersBusy: Int
            let zombiesRecovered: Int
            let kinds: [String]
        }
        struct Housekeeping: Encodable {
            let lastRunAt: Date?
            let lastPrunedJobs: Int?
            let lastCheckpointed: Bool?
            /// The longest time each kind of housekeeping held the writer since start-up (ms;
            /// null until it ran): each works in small batches, so this stays a few ms.
            let longestWriterHoldMs: [String: Double?]
        }
        let status: String
        /// What needs the operator, in plain language (empty when all is well).
        let warnings: [String]
        let version: String
        let uptimeSeconds: Double
        let database: DatabaseReport
        let jobs: Jobs
        let housekeeping: Housekeeping
        let ytdlp: YtDlpRepresentation
        let rateLimit: BrakeRepresentation
        let backups: Backups
        let notifications: Notifications
        let live: Live
        /// The `.m3u8` files for other players; null when `PLAYLIST_FILES=0`.
        let playlists: Playlists?
    }
    struct Playlists: HealthReportSection {
        let folder: String
        let files: Int
        let written: Int
        let lastPassAt: Date?
        let problem: String?

        var warnings: [String] { problem.map { ["Playlist files are not up to date: \($0)"] } ?? [] }
    }
    /// Scheduled backups: where, how often, the last good one and the last failure.
    struct Backups: HealthReportSection {
        struct Last: Encodable {
            let at: Date
            let path: String?
            let sizeBytes: Int64?
            let durationSeconds: Double?
        }
        struct Failure: Encodable {
            let at: Date
            let message: String
        }
        let enabled: Bool
        let directory: String
        let intervalHours: Double
        let keep: Int
        let files: Int
        let last: Last?
        let lastFailure: Failure?
        let nextDueAt: Date?

        init(_ status: BackupService.Status) {
            enabled = status.enabled
            directory = status.directory
            intervalHours = status.intervalSeconds / 3600
            keep = status.keep
            files = status.files
            last = status.last.map { Last(at: $0.at, path: $0.path, sizeBytes: $0.sizeBytes, durationSeconds: $0.durationSeconds) }
            lastFailure = status.lastFailure.map { Failure(at: $0.at, message: $0.error ?? "") }
            nextDueAt = status.nextDueAt
        }

        /// A failure newer than the last good backup needs the operator.
        var warnings: [String] {
            guard let failure = lastFailure, failure.at > (last?.at ?? .distantPast) else { return [] }
            return ["The last backup failed: \(failure.message)."]
        }
    }
    /// The notifiers and what they are told; each notifier's counts and last error.
    struct Notifications: HealthReportSection {
        struct Notifier: Encodable {
            struct LastError: Encodable {
                let at: Date
                let kind: String
                let message: String
            }
            let name: String
            let target: String
            let sent: Int
            let failed: Int
            let dropped: Int
            let queued: Int
            let lastSentAt: Date?
            let lastError: LastError?
        }
        let kinds: [String]
        let notifiers: [Notifier]

        init(_ service: NotificationService) {
            kinds = service.isEnabled ? NotificationKind.allCases.filter(service.settings.kinds.contains).map(\.rawValue) : []
            notifiers = service.status.map { status in
                Notifier(name: status.name, target: status.target, sent: status.sent, failed: status.failed, dropped: status.dropped,
                         queued: status.queued, lastSentAt: status.lastSentAt,
                         lastError: status.lastError.map { .init(at: $0.at, kind: $0.kind.rawValue, message: $0.message) })
            }
        }

        /// A notifier whose last send failed (and none succeeded since) needs the operator.
        var warnings: [String] {
            notifiers.compactMap { notifier in
                guard let error = notifier.lastError, error.at > (notifier.lastSentAt ?? .distantPast) else { return nil }
                return "Notifications through \(notifier.name) fail: \(error.message)."
            }
        }
    }
    struct Live: Encodable {
        let clients: Int
        let clientsDropped: Int
        let messagesSent: Int
        let lastSequence: Int64
    }

    func report() throws -> Report {
        let status = try domain.database.status()
        let problem = domain.database.fileProblem
        let writer = status.writer
        let workers = domain.workers.status
        let housekeeping = domain.housekeeper.lastRun
        let socket = live.webSocket.statistics
        let ytdlp = YtDlpRepresentation(domain.ytdlp.status)
        let brake = BrakeRepresentation(domain.brake.current)
        let backups = Backups(domain.backups.status)
        let notifications = Notifications(domain.notifications)
        var warnings: [String] = []
        if let problem { warnings.append(problem) }
        warnings += ytdlp.warnings
        if let remedy = brake.remedy, brake.pausedUntil != nil || brake.probing { warnings.append(remedy) }
        let playlists = domain.playlists.map(\.status).map {
            Playlists(folder: $0.folder, files: $0.files, written: $0.written, lastPassAt: $0.lastPassAt, problem: $0.problem)
        }
        let sections: [(any HealthReportSection)?] = [playlists, backups, notifications]
        for section in sections.compactMap({ $0 }) { warnings += section.warnings }
        return Report(
            // `error` when writes are refused; everything else that needs the operator is a
            // warning beside an `ok`.
            status: problem != nil ? "error" : "ok",
            warnings: warnings,
            version: SpoolVersion.current,
            uptimeSeconds: (Date().timeIntervalSince(domain.startedAt) * 10).rounded() / 10,
            database: .init(
                path: status.path, problem: problem, journalMode: status.journalMode, synchronous: status.synchronous,
                foreignKeys: status.foreignKeys, busyTimeoutMs: status.busyTimeoutMilliseconds,
                journalSizeLimit: status.journalSizeLimit, fileSizeBytes: status.fileSizeBytes,
                walSizeBytes: status.walSizeBytes, schemaVersion: status.schemaVersion,
                pendingMigrations: status.pendingMigrations, readerCount: status.readerCount,
                writer: .init(
                    transactions: writer.transactions, failedTransactions: writer.failedTransactions, commits: writer.commits,
                    queueDepth: writer.queueDepth, busyWaits: writer.busyWaits, busyTimeouts: writer.busyTimeouts,
                    waitP50Ms: writer.waitP50Milliseconds, waitP99Ms: writer.waitP99Milliseconds,
                    waitMaxMs: writer.waitMaxMilliseconds),
                refusedRequests: StorageErrors.shared.snapshot),
            jobs: .init(
                counts: status.jobCounts, workers: workers.workers, workersBusy: workers.busy,
                zombiesRecovered: workers.zombiesRecovered, kinds: domain.workers.kinds),
            housekeeping: .init(
                lastRunAt: housekeeping?.at, lastPrunedJobs: housekeeping?.prunedJobs,
                lastCheckpointed: housekeeping?.checkpointed,
                longestWriterHoldMs: Dictionary(uniqueKeysWithValues: HousekeepingWork.allCases.map {
                    ($0.rawValue, writer.longestHoldMilliseconds[$0].map { ($0 * 100).rounded() / 100 })
                })),
            ytdlp: ytdlp,
            rateLimit: brake,
            backups: backups,
            notifications: notifications,
            live: .init(clients: socket.clients, clientsDropped: socket.dropped, messagesSent: socket.sent,
                        lastSequence: domain.events.lastSequence),
            playlists: playlists)
    }
}
