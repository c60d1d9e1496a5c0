import Foundation
import SpoolDownloader
import SpoolHTTP
import SpoolStore

/// `GET /api/health`: what an operator needs to see at a glance, with real figures read from
/// the live database (journal mode, synchronous, WAL size, writer waits, job counts). Polling
/// it is cheap: an unchanged report is answered from `HealthReportCache` on the loop.
struct HealthAPI {
    let context: AppContext
    let downloader: Downloader
    let live: LiveFeed
    let cache = HealthReportCache()

    func register(on router: inout Router) {
        router.get("/api/health", immediate: { _ in cache.response(for: fingerprint()) }) { _ in
            let fingerprint = fingerprint()
            let response = HTTPResponse.json(try report())
            cache.store(response, for: fingerprint)
            return response
        }
    }

    /// What the report shows from memory, for `HealthReportCache`.
    func fingerprint() -> HealthReportCache.Fingerprint {
        let workers = context.workers.status
        let brake = downloader.brake.current
        let socket = live.webSocket.statistics
        return HealthReportCache.Fingerprint(
            lastEventSequence: context.hub.lastSequence,
            writerVersion: context.database.writerStatistics.version,
            liveClients: socket.clients, liveClientsDropped: socket.dropped,
            busyWorkers: workers.busy, zombiesRecovered: workers.zombiesRecovered,
            brakeTrips: brake.trips, brakePausedUntil: brake.pausedUntil,
            housekeepingRunAt: context.housekeeper.lastRun?.at)
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
        }
        let status: String
        let version: String
        let uptimeSeconds: Double
        let database: DatabaseReport
        let jobs: Jobs
        let housekeeping: Housekeeping
        let ytdlp: YtDlp
        let rateLimit: RateLimit
        let live: Live
    }
    struct Live: Encodable {
        let clients: Int
        let clientsDropped: Int
        let messagesSent: Int
        let lastSequence: Int64
    }
    struct YtDlp: Encodable {
        let path: String
        let version: String?
    }
    struct RateLimit: Encodable {
        let pausedUntil: Date?
        let cooldownSeconds: Double
        let trips: Int
    }

    func report() throws -> Report {
        let status = try context.database.status()
        let writer = status.writer
        let workers = context.workers.status
        let housekeeping = context.housekeeper.lastRun
        let brake = downloader.brake.current
        let socket = live.webSocket.statistics
        return Report(
            status: "ok",
            version: SpoolVersion.current,
            uptimeSeconds: (Date().timeIntervalSince(context.startedAt) * 10).rounded() / 10,
            database: .init(
                path: status.path, journalMode: status.journalMode, synchronous: status.synchronous,
                foreignKeys: status.foreignKeys, busyTimeoutMs: status.busyTimeoutMilliseconds,
                journalSizeLimit: status.journalSizeLimit, fileSizeBytes: status.fileSizeBytes,
                walSizeBytes: status.walSizeBytes, schemaVersion: status.schemaVersion,
                pendingMigrations: status.pendingMigrations, readerCount: status.readerCount,
                writer: .init(
                    transactions: writer.transactions, failedTransactions: writer.failedTransactions, commits: writer.commits,
                    queueDepth: writer.queueDepth, busyWaits: writer.busyWaits, busyTimeouts: writer.busyTimeouts,
                    waitP50Ms: writer.waitP50Milliseconds, waitP99Ms: writer.waitP99Milliseconds,
                    waitMaxMs: writer.waitMaxMilliseconds)),
            jobs: .init(
                counts: status.jobCounts, workers: workers.workers, workersBusy: workers.busy,
                zombiesRecovered: workers.zombiesRecovered, kinds: context.workers.kinds),
            housekeeping: .init(
                lastRunAt: housekeeping?.at, lastPrunedJobs: housekeeping?.prunedJobs,
                lastCheckpointed: housekeeping?.checkpointed),
            ytdlp: .init(path: downloader.options.executable, version: downloader.version),
            rateLimit: .init(pausedUntil: brake.pausedUntil, cooldownSeconds: brake.cooldownSeconds, trips: brake.trips),
            live: .init(clients: socket.clients, clientsDropped: socket.dropped, messagesSent: socket.sent,
                        lastSequence: context.hub.lastSequence))
    }
}
