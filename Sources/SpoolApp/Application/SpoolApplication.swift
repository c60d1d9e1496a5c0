import Dispatch
import Foundation
import Logging
import SpoolAuth
import SpoolCore
import SpoolHTTP
import SpoolJobs
import SpoolStore
import SpoolSubsonic
import SpoolYtDlp

/// Wires the process together: opens the one database, assembles the domain, builds the
/// routes, runs the server, and on SIGINT/SIGTERM shuts down in order (stop accepting, finish
/// requests in flight, stop the workers and the scheduler, close the database).
public final class SpoolApplication: Sendable {
    public let settings: Settings
    public let database: SpoolDatabase
    public let domain: Domain
    let live: LiveFeed
    let httpMetrics = HTTPMetrics()
    let server = ServerReference()
    let authentication: Authentication
    let setupCode = SetupCode()
    /// Held for the process's life: `spool db restore` and a second server refuse while it is.
    private let databaseLock: DatabaseLock
    private let logger: Logger

    public init(settings: Settings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        // Before the file is opened: a restore swapping it right now must finish first.
        self.databaseLock = try DatabaseLock.acquire(databasePath: settings.databasePath)
        self.database = try SpoolDatabase(options: DatabaseOptions(
            path: settings.databasePath,
            maximumReaderCount: settings.databaseReaders,
            busyTimeout: Double(settings.busyTimeoutMilliseconds) / 1000, checkpoints: settings.checkpoints))
        var configuration = Self.configuration(settings)
        // The key must exist before anything can seal or open a Subsonic password; a key file
        // that cannot be read or made stops the start with its path and the reason.
        do {
            configuration.serverKey = try ServerKey.loadOrCreate(at: settings.secretKeyFile)
        } catch {
            throw SettingsError(setting: "SECRET_KEY_FILE", message: error.description)
        }
        self.domain = try Domain(database: database, configuration: configuration, logger: logger)
        if settings.testJobsEnabled {
            TestJobs.register(on: domain.workers, settings: settings)
        }
        let authentication = Authentication(
            accounts: domain.accounts, credentials: domain.credentials, authToken: settings.authToken,
            singleUserAllowed: settings.singleUserModeAllowed)
        self.authentication = authentication
        self.live = LiveFeed(hub: domain.events, allowedOrigins: settings.allowedOrigins,
                             identify: { request in try authentication.principal(for: request) })
        JSONCoding.writer.store(settings.jsonWriter, ordering: .relaxed)
    }

    /// The domain's configuration from the settings.
    static func configuration(_ settings: Settings) -> DomainConfiguration {
        var configuration = DomainConfiguration(libraryDirectory: settings.libraryDirectory, ytdlpExecutable: settings.ytdlpPath)
        configuration.workers = WorkerPoolOptions(
            workers: settings.workers, leaseSeconds: settings.jobLeaseSeconds, heartbeatSeconds: settings.jobHeartbeatSeconds)
        configuration.retry = RetryPolicy(baseSeconds: settings.retryBaseSeconds, capSeconds: settings.retryMaxSeconds)
        configuration.maxAttempts = settings.maxAttempts
        configuration.jobRetentionDays = settings.jobRetentionDays
        configuration.housekeepingIntervalSeconds = settings.housekeepingIntervalSeconds
        configuration.trashRetentionDays = settings.trashRetentionDays
        configuration.trashPurgeIntervalSeconds = Double(settings.trashPurgeIntervalSeconds)
        configuration.retentionIntervalSeconds = settings.retentionIntervalSeconds
        configuration.playlistFiles = settings.playlistFiles
        configuration.sources = SourceService.Settings(
            syncInterval: max(1, settings.syncIntervalHours * 3600), fullSyncInterval: settings.fullSyncIntervalHours * 3600,
            maxAttempts: settings.maxAttempts)
        configuration.listingTimeLimitSeconds = settings.listingTimeLimitSeconds
        configuration.listingStallSeconds = settings.listingStallSeconds
        configuration.downloadTimeLimitSeconds = settings.downloadTimeLimitSeconds
        configuration.downloadStallSeconds = settings.downloadStallSeconds
        configuration.rateLimitCooldownSeconds = settings.rateLimitCooldownSeconds
        configuration.downloadOptions = YtDlpOptionsFromSettings.make(settings)
        configuration.ytdlpUpdateDirectory = settings.ytdlpUpdateDirectory
        configuration.jsRuntimePath = settings.jsRuntimePath
        configuration.downloadNiceness = Int32(settings.downloadNiceness)
        configuration.sessionLifetimeDays = settings.sessionDays
        configuration.passwordHasher = settings.passwordHasher
        configuration.ytdlpDriverJobs = settings.ytdlpDriverJobs
        configuration.ytdlpDriverFolder = URL(fileURLWithPath: settings.databasePath).deletingLastPathComponent().path
        configuration.ytdlpUpdateChannel = settings.ytdlpUpdate
        configuration.ytdlpUpdateIndexURL = settings.ytdlpUpdateIndexURL
        configuration.ytdlpUpdateCheckSeconds = settings.ytdlpUpdateCheckHours * 3600
        configuration.backups = BackupService.Settings(
            directory: settings.backupDirectory, intervalSeconds: settings.backupIntervalHours * 3600, keep: settings.backupKeep)
        configuration.notifications = NotificationService.Settings(
            appriseURLs: settings.appriseURLs, appriseExecutable: settings.apprisePath, webhookURL: settings.webhookURL,
            webhookCAFile: settings.webhookCAFile,
            kinds: settings.notifyOn, timeLimitSeconds: settings.notifyTimeoutSeconds)
        return configuration
    }

    /// Every route of the API, plus the web app as the fallback.
    func makeRouter() -> Router {
        var router = makeRoutes().router
        let site = StaticSite(root: settings.webDirectory)
        router.setFallback { request in try site.respond(to: request) }
        return router
    }

    /// Every route of the API, each with its access level.
    func makeRoutes() -> Routes {
        var routes = Routes(Router(), authenticate: { [authentication] request in try authentication.principal(for: request) })
        let site = StaticSite(root: settings.webDirectory)
        // One throttle for every door that takes a secret: the web sign-in and Subsonic apps.
        let throttle = LoginThrottle()
        // What each user plays now, told by music apps and by the web app's player alike.
        let nowPlaying = NowPlayingBoard()
        let collections: [any RouteCollection] = [
            HealthRoutes(domain: domain, live: live),
            MetricsRoutes(domain: domain, live: live, http: httpMetrics, connections: { [server] in server.connections }),
            MetaRoutes(),
            JobRoutes(queue: domain.queue, imports: domain.imports),
            LibraryImportRoutes(imports: domain.imports),
            TrackRoutes(library: domain.library, trash: domain.trash, listening: domain.listening, removal: domain.removal),
            TelemetryRoutes(ingest: domain.telemetry, nowPlaying: nowPlaying),
            MediaRoutes(library: domain.library, paths: domain.files.paths, artwork: domain.artwork),
            SourceRoutes(sources: domain.sources),
            ProfileRoutes(profiles: domain.profiles, renames: domain.renames),
            YtDlpRoutes(domain: domain),
            UserRoutes(accounts: domain.accounts, credentials: domain.credentials),
            SubsonicRoutes(domain: domain, renderer: SubsonicRenderer(server: SubsonicServerIdentity(serverVersion: SpoolVersion.current)),
                           nowPlaying: nowPlaying, throttle: throttle, logger: logger),
            SubsonicAccountRoutes(passwords: domain.subsonicPasswords),
            FeedRoutes(podcasts: domain.podcasts, credentials: domain.credentials, artwork: domain.artwork,
                       paths: domain.files.paths, servesHTTPS: settings.tls != nil),
            LoginAPI(accounts: domain.accounts, credentials: domain.credentials, authentication: authentication, setupCode: setupCode,
                     secureCookies: settings.tls != nil, site: site, sessionLifetime: settings.sessionDays * 86_400,
                     throttle: throttle),
        ]
        for collection in collections { collection.register(on: &routes) }
        if settings.testJobsEnabled {
            TestJobs.register(on: &routes, queue: domain.queue, settings: settings)
        }
        return routes
    }

    /// Migrates, serves until SIGINT or SIGTERM, then shuts down gracefully.
    public func serve() throws {
        try database.migrate(logger: logger)
        try domain.subsonicPasswords.checkServerKey()
        let access = AccessControl(authentication: authentication, origins: OriginPolicy(allowedOrigins: settings.allowedOrigins))
        let server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                host: settings.host, port: settings.port, timeoutSeconds: settings.httpTimeoutSeconds,
                headerTimeoutSeconds: settings.httpHeaderTimeoutSeconds, bodyTimeoutSeconds: settings.httpBodyTimeoutSeconds,
                allowedHosts: settings.allowedHosts,
                workQueueWidth: settings.httpThreads, maximumConnections: settings.maximumConnections, tls: settings.tls),
            router: makeRouter(), logger: logger,
            headFilter: { request in try access.checkHead(request) },
            requestFilter: { request in try access.check(request) },
            exchangeObserver: { [httpMetrics] exchange in httpMetrics.record(exchange) },
            webSocketHub: live.webSocket)
        self.server.set(server)
        // Before anything announces the server: a SIGTERM that arrives once the "listening"
        // line is out must never be lost (it was, in a test that stopped Spool at once).
        let signals = ShutdownSignals { [logger] signal in
            logger.info("Received \(signal); shutting down")
            server.shutdown()
        }
        try server.start()
        try domain.start()
        logger.info("Listening", metadata: [
            "address": "\(settings.host):\(server.port)", "tls": "\(settings.tls != nil)", "workers": "\(settings.workers)",
        ])
        if try domain.accounts.needsOwnerPassword() {
            let scheme = settings.tls == nil ? "http" : "https"
            let host = Settings.isLoopback(settings.host) || settings.host == "0.0.0.0" || settings.host == "::" ? "localhost" : settings.host
            let link = "\(scheme)://\(host):\(server.port)/setup?code=\(setupCode.issue())"
            logger.notice("No account has a password yet: open the first-start link to name the owner account", metadata: ["link": "\(link)"])
            FileHandle.standardOutput.write(Data("First start: create the owner account at \(link)\n".utf8))
        }
        // Tests and scripts wait for this line (it carries the port when PORT=0).
        FileHandle.standardOutput.write(Data("Spool \(SpoolVersion.current) listening on \(settings.tls == nil ? "http" : "https")://\(settings.host):\(server.port)\n".utf8))

        server.waitUntilStopped()
        signals.cancel()
        domain.stop()
        try database.close()
        databaseLock.release()
        logger.info("Stopped")
    }
}

/// The download options the settings give (one profile for every channel, until profiles).
enum YtDlpOptionsFromSettings {
    static func make(_ settings: Settings) -> YtDlpOptions {
        YtDlpOptions(
            ffmpegLocation: settings.ffmpegPath, audioFormat: settings.audioFormat, format: settings.ytdlpFormat,
            rateLimit: settings.rateLimit, cookiesFile: settings.cookiesFile, proxy: settings.proxy,
            extraArguments: settings.ytdlpExtraArguments)
    }
}

/// Turns SIGINT and SIGTERM into one call of `handler`, on a Dispatch queue rather than in a
/// signal handler, so the handler may do real work. (Dispatch sources are thread-safe.)
final class ShutdownSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    /// Returns once both sources are registered: `resume()` registers a source later, on
    /// Dispatch's manager thread, and a SIGTERM arriving in between met `SIG_IGN` and was lost
    /// (a server stopped right after its "listening" line ran on; seen under load in CI).
    init(handler: @escaping @Sendable (String) -> Void) {
        let queue = DispatchQueue(label: "spool.signals")
        let registered = DispatchGroup()
        sources = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(name) }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            return source
        }
        _ = registered.wait(timeout: .now() + 10)
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
