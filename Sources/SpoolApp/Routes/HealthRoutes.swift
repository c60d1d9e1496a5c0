import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore
import SpoolYtDlp

/// `GET /api/health`: what an operator needs to see at a glance, with real figures read from
/// the live database (journal mode, synchronous, WAL size, writer waits, job counts), yt-dlp
/// and its JavaScript runtime, the download brake with its remedy, and whether the database
/// file is still the one being written. Polling it is cheap: an unchanged report is answered
/// from `HealthReportCache` on the loop.
struct HealthRoutes: RouteCollection {
    let domain: Domain
    let live: LiveFeed
    let cache = HealthReportCache()

    func register(on routes: inout Routes) {
        routes.get("/api/health", immediate: { _ in cache.response(for: fingerprint()) }) { _ in
            let fingerprint = fingerprint()
            let response = HTTPResponse.json(try report())
            cache.store(response, for: fingerprint)
            return response
        }
    }

    /// What the report shows from memory, for `HealthReportCache`.
    func fingerprint() -> HealthReportCache.Fingerprint {
        let workers = domain.workers.status
        let socket = live.webSocket.statistics
        let ytdlp = domain.ytdlp.status
        return HealthReportCache.Fingerprint(
            lastEventSequence: domain.events.lastSequence,
            writerVersion: domain.database.writerStatistics.version,
            liveClients: socket.clients, liveClientsDropped: socket.dropped,
            busyWorkers: workers.busy, zombiesRecovered: workers.zombiesRecovered,
            brake: domain.brake.current,
            housekeepingRunAt: domain.housekeeper.lastRun?.at,
            ytdlpUpdating: ytdlp.updating,
            storageErrors: StorageErrors.shared.snapshot)
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
        let live: Live
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
        var warnings: [String] = []
        if let problem { warnings.append(problem) }
        warnings += ytdlp.warnings
        if let remedy = brake.remedy, brake.pausedUntil != nil || brake.probing { warnings.append(remedy) }
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
            live: .init(clients: socket.clients, clientsDropped: socket.dropped, messagesSent: socket.sent,
                        lastSequence: domain.events.lastSequence))
    }
}
