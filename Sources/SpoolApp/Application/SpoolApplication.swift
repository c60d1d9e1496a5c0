import Dispatch
import Foundation
import Logging
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
    }

    /// Every route of the API, plus the web app as the fallback.
    func makeRouter() -> Router {
        var router = Router()
        HealthAPI(context: context).register(on: &router)
        JobsAPI(queue: context.queue).register(on: &router)
        if settings.testJobsEnabled {
            TestJobs.register(on: &router, queue: context.queue, settings: settings)
        }
        let site = StaticSite(root: settings.webDirectory)
        router.setFallback { request in try site.respond(to: request) }
        return router
    }

    /// Migrates, serves until SIGINT or SIGTERM, then shuts down gracefully.
    public func serve() throws {
        let logger = context.logger
        try database.migrate(logger: logger)
        try FileManager.default.createDirectory(atPath: settings.libraryDirectory, withIntermediateDirectories: true)

        let server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                host: settings.host, port: settings.port, workQueueWidth: settings.httpThreads),
            router: makeRouter(), logger: logger)
        try server.start()
        try context.workers.start()
        // Tests and scripts wait for this line (it carries the port when PORT=0).
        FileHandle.standardOutput.write(Data("Spool \(SpoolVersion.current) listening on http://\(settings.host):\(server.port)\n".utf8))

        let signals = ShutdownSignals { signal in
            logger.info("Received \(signal); shutting down")
            server.shutdown()
        }
        server.waitUntilStopped()
        signals.cancel()
        context.workers.stop()
        try database.close()
        logger.info("Stopped")
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
