import Dispatch
import Foundation
import Logging
import SpoolDownloader
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// Wires the layers together: opens the one database, migrates it, builds the routes, runs the
/// server, and on SIGINT/SIGTERM shuts down in order (stop accepting, finish requests in
/// flight, close the database).
public final class SpoolApplication: Sendable {
    public let settings: Settings
    public let database: SpoolDatabase
    public let hub: EventHub
    let context: AppContext
    let library: TrackLibrary
    let trash: TrashService
    let ingest: TelemetryIngest
    let downloader: Downloader
    let live: LiveFeed
    let httpMetrics = HTTPMetrics()
    let server = ServerReference()

    public init(settings: Settings, logger: Logger) throws {
        self.settings = settings
        self.database = try SpoolDatabase(options: DatabaseOptions(
            path: settings.databasePath,
            maximumReaderCount: settings.databaseReaders,
            busyTimeout: Double(settings.busyTimeoutMilliseconds) / 1000))
        self.hub = EventHub()
        let queue = JobQueue(
            database: database, hub: hub,
            retryPolicy: RetryPolicy(baseSeconds: settings.retryBaseSeconds, capSeconds: settings.retryMaxSeconds),
            logger: logger)
        let housekeeper = Housekeeper(
            database: database, retentionSeconds: Double(settings.jobRetentionDays) * 86_400,
            intervalSeconds: settings.housekeepingIntervalSeconds, logger: logger)
        let workers = WorkerPool(
            queue: queue,
            options: WorkerPoolOptions(
                workers: settings.workers, leaseSeconds: settings.jobLeaseSeconds,
                heartbeatSeconds: settings.jobHeartbeatSeconds),
            housekeeper: housekeeper, logger: logger)
        self.context = AppContext(
            settings: settings, database: database, hub: hub, queue: queue, workers: workers,
            housekeeper: housekeeper, startedAt: Date(), logger: logger)
        if settings.testJobsEnabled {
            TestJobs.register(on: workers, settings: settings)
        }
        self.library = TrackLibrary(database: database)
        self.trash = TrashService(
            database: database, hub: hub, paths: LibraryPaths(libraryDirectory: settings.libraryDirectory),
            locks: TrackLocks(), logger: logger)
        self.ingest = TelemetryIngest(database: database)
        self.downloader = Downloader(
            options: YtDlpOptions(
                executable: settings.ytdlpPath, ffmpegLocation: settings.ffmpegPath, audioFormat: settings.audioFormat,
                format: settings.ytdlpFormat, rateLimit: settings.rateLimit, cookiesFile: settings.cookiesFile,
                proxy: settings.proxy, extraArguments: settings.ytdlpExtraArguments),
            queue: queue, libraryDirectory: settings.libraryDirectory,
            limits: .init(downloadTimeLimit: settings.downloadTimeLimitSeconds, stallSeconds: settings.downloadStallSeconds,
                          maxAttempts: settings.maxAttempts),
            cooldownSeconds: settings.rateLimitCooldownSeconds, logger: logger)
        self.live = LiveFeed(hub: hub, database: database, allowedOrigins: settings.allowedOrigins)
    }

    /// Every route of the API, plus the web app as the fallback.
    func makeRouter() -> Router {
        var router = Router()
        let site = StaticSite(root: settings.webDirectory)
        HealthAPI(context: context, downloader: downloader, live: live).register(on: &router)
        MetricsAPI(context: context, downloader: downloader, live: live, http: httpMetrics,
                   connections: { [server] in server.connections }).register(on: &router)
        LoginAPI(token: settings.authToken, secureCookies: settings.tls != nil, site: site).register(on: &router)
        JobsAPI(queue: context.queue).register(on: &router)
        TracksAPI(library: library, trash: trash, ratings: RatingService(database: database, hub: hub)).register(on: &router)
        EventsAPI(database: database, ingest: ingest).register(on: &router)
        MediaAPI(library: library, paths: trash.paths).register(on: &router)
        ChannelsAPI(
            database: database, downloader: downloader, queue: context.queue, libraryDirectory: settings.libraryDirectory,
            syncIntervalSeconds: max(1, Int(settings.syncIntervalHours * 3600))).register(on: &router)
        if settings.testJobsEnabled {
            TestJobs.register(on: &router, queue: context.queue, settings: settings)
        }
        router.setFallback { request in try site.respond(to: request) }
        return router
    }

    /// Migrates, serves until SIGINT or SIGTERM, then shuts down gracefully.
    public func serve() throws {
        let logger = context.logger
        try database.migrate(logger: logger)
        try FileManager.default.createDirectory(atPath: settings.libraryDirectory, withIntermediateDirectories: true)
        try trash.reconcile()
        let trashSweep = startTrashSweep()

        let access = AccessControl(token: settings.authToken, origins: OriginPolicy(allowedOrigins: settings.allowedOrigins))
        let server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                host: settings.host, port: settings.port, timeoutSeconds: settings.httpTimeoutSeconds,
                headerTimeoutSeconds: settings.httpHeaderTimeoutSeconds, bodyTimeoutSeconds: settings.httpBodyTimeoutSeconds,
                allowedHosts: settings.allowedHosts,
                workQueueWidth: settings.httpThreads, maximumConnections: settings.maximumConnections, tls: settings.tls),
            router: makeRouter(), logger: logger,
            requestFilter: { request in try access.check(request) },
            exchangeObserver: { [httpMetrics] exchange in httpMetrics.record(exchange) },
            webSocketHub: live.webSocket)
        self.server.set(server)
        // Before anything announces the server: a SIGTERM that arrives once the "listening"
        // line is out must never be lost (it was, in a test that stopped Spool at once).
        let signals = ShutdownSignals { signal in
            logger.info("Received \(signal); shutting down")
            server.shutdown()
        }
        try server.start()
        downloader.install(on: context.workers)
        try context.workers.start()
        let resync = startResyncTimer()
        // Tests and scripts wait for this line (it carries the port when PORT=0).
        FileHandle.standardOutput.write(Data("Spool \(SpoolVersion.current) listening on \(settings.tls == nil ? "http" : "https")://\(settings.host):\(server.port)\n".utf8))

        server.waitUntilStopped()
        signals.cancel()
        context.workers.stop()
        trashSweep.cancel()
        resync.cancel()
        try database.close()
        logger.info("Stopped")
    }
}

extension SpoolApplication {
    /// Queues a sync of each channel whose interval has passed; checks every minute (or more
    /// often when the interval is shorter, as in tests).
    func startResyncTimer() -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "spool.channels.resync"))
        let every = min(60, max(0.5, settings.syncIntervalHours * 3600 / 4))
        timer.schedule(deadline: .now() + every, repeating: every)
        timer.setEventHandler { [downloader] in downloader.syncDueChannels() }
        timer.resume()
        return timer
    }

    /// Purges trash older than `TRASH_RETENTION_DAYS`, in small batches, only while no job runs.
    func startTrashSweep() -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "spool.trash.sweep"))
        let interval = Double(settings.trashPurgeIntervalSeconds)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [trash, context, settings] in
            guard !context.workers.isBusy else { return }
            let cutoff = Date().addingTimeInterval(-Double(settings.trashRetentionDays) * 86_400)
            do {
                let purged = try trash.purge(deletedBefore: cutoff, limit: 100)
                if purged > 0 { context.logger.info("Purged expired trash", metadata: ["tracks": "\(purged)"]) }
            } catch {
                context.logger.error("Trash sweep failed", metadata: ["error": "\(error)"])
            }
        }
        timer.resume()
        return timer
    }
}

/// Turns SIGINT and SIGTERM into one call of `handler`, on a Dispatch queue rather than in a
/// signal handler, so the handler may do real work. (Dispatch sources are thread-safe.)
final class ShutdownSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(handler: @escaping @Sendable (String) -> Void) {
        let queue = DispatchQueue(label: "spool.signals")
        sources = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(name) }
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
