import Foundation
import Logging
import SpoolAuth
import SpoolJobs
import SpoolMedia
import SpoolStore
import SpoolYtDlp

/// Everything Spool's domain needs to run, from the settings.
public struct DomainConfiguration: Sendable {
    public var libraryDirectory: String
    public var workers = WorkerPoolOptions()
    public var retry = RetryPolicy()
    public var maxAttempts = 5
    public var jobRetentionDays = 30
    public var housekeepingIntervalSeconds = 600.0
    public var trashRetentionDays = 30
    public var trashPurgeIntervalSeconds = 600.0
    public var sources = SourceService.Settings()
    /// How often the idle retention sweep runs.
    public var retentionIntervalSeconds = 600.0
    /// Limits of a channel listing: its whole run, and the longest time without an entry.
    public var listingTimeLimitSeconds = 7200.0
    public var listingStallSeconds = 300.0
    public var downloadTimeLimitSeconds = 3600.0
    public var downloadStallSeconds = 300.0
    public var rateLimitCooldownSeconds = 60.0
    public var downloadOptions = YtDlpOptions()
    public var ytdlpExecutable: String
    /// Where newer yt-dlp versions are installed (`YTDLP_UPDATE_DIR`).
    public var ytdlpUpdateDirectory: String?
    public var jsRuntimePath: String?
    /// `DOWNLOAD_NICENESS`: how much lower yt-dlp's CPU priority is than the server's.
    public var downloadNiceness: Int32 = 10
    /// Downloads a yt-dlp driver serves before it is replaced; 0 runs a process per download.
    public var ytdlpDriverJobs = YtDlpDrivers.defaultRequestsPerProcess
    /// Where the driver script is written (the data folder); nil: no drivers.
    public var ytdlpDriverFolder: String?
    public var ytdlpUpdateChannel = YtDlpUpdater.Channel.stable
    /// A package index instead of PyPI, for tests.
    public var ytdlpUpdateIndexURL: String?
    public var ytdlpUpdateCheckSeconds = 86_400.0
    /// How long a browser stays signed in without being used.
    public var sessionLifetimeDays = 30.0
    /// Argon2id's parameters for new password hashes (tests use cheaper ones).
    public var passwordHasher = PasswordHasher.standard
    /// The key that seals each user's Subsonic password (`SECRET_KEY_FILE`); nil: Subsonic
    /// apps sign in with API keys only.
    public var serverKey: ServerKey?
    /// Writes `.m3u8` files of every source and of each user's likes into `LIBRARY_DIR/Playlists/`.
    public var playlistFiles = true
    public var playlistTiming = PlaylistFiles.Timing()
    /// Scheduled backups (off unless an interval is set; the settings' default is daily).
    public var backups = BackupService.Settings()
    /// Notifiers and what they are told (none unless configured).
    public var notifications = NotificationService.Settings()

    public init(libraryDirectory: String, ytdlpExecutable: String) {
        self.libraryDirectory = libraryDirectory
        self.ytdlpExecutable = ytdlpExecutable
    }
}

/// Spool's domain, assembled: the queue and its workers, the services that own channels,
/// tracks, playback and downloads, the event hub, and the scheduler. The HTTP face calls
/// these services and nothing below them.
///
/// ```swift
/// let domain = try Domain(database: database, configuration: configuration, logger: logger)
/// try domain.start()      // after migrating the database
/// defer { domain.stop() }
/// ```
public final class Domain: Sendable {
    public let configuration: DomainConfiguration
    public let database: SpoolDatabase
    public let events: EventHub
    public let queue: JobQueue
    public let workers: WorkerPool
    public let housekeeper: Housekeeper
    public let scheduler: Scheduler
    public let sources: SourceService
    public let profiles: ProfileService
    public let retention: RetentionService
    public let library: TrackLibrary
    public let files: Library
    public let trash: TrashService
    public let renames: LibraryRenames
    public let listening: ListeningService
    public let removal: TrackRemoval
    public let accounts: AccountService
    public let credentials: CredentialService
    public let telemetry: TelemetryIngest
    public let brake: DownloadBrake
    public let ytdlp: YtDlpService
    public let imports: ImportService
    public let artwork: ArtworkService
    /// The library as music apps see it (Subsonic), what they record, users' playlists, the
    /// Subsonic passwords, and on-the-fly conversions.
    public let music: MusicLibrary
    public let annotations: MusicAnnotations
    public let userPlaylists: UserPlaylists
    public let subsonicPasswords: SubsonicPasswords
    public let transcoding: StreamTranscoding
    /// The podcast feeds' reads.
    public let podcasts: PodcastLibrary
    /// The `.m3u8` files of the sources and of each user's likes; nil when turned off (`PLAYLIST_FILES=0`).
    public let playlists: PlaylistFiles?
    /// Long-lived yt-dlp processes for downloads; nil runs one process per download.
    let drivers: YtDlpDrivers?
    /// ffmpeg and ffprobe (tags, covers, durations, artwork); nil when ffmpeg is missing.
    public let media: MediaTools?
    public let backups: BackupService
    public let notifications: NotificationService
    public let startedAt = Date()
    let syncRounds: SyncRounds
    let snapshots: SnapshotThrottle
    private let trackWatch: EventHub.Subscription
    private let logger: Logger

    public init(database: SpoolDatabase, configuration: DomainConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.database = database
        self.logger = logger
        let events = EventHub()
        self.events = events
        let paths = LibraryPaths(libraryDirectory: configuration.libraryDirectory)
        let files = Library(paths: paths, logger: logger)
        self.files = files
        self.media = MediaTools.locate(ffmpegPath: configuration.downloadOptions.ffmpegLocation)
        if media == nil { logger.warning("ffmpeg or ffprobe is missing: files are not tagged and artwork is not served") }
        self.artwork = ArtworkService(database: database, paths: paths, media: media)
        let snapshots = SnapshotThrottle { [database, events] id in
            if let snapshot = try? database.read({ try SourceSnapshot.read($0, id: id) }) {
                events.publish(.sourceUpdated(snapshot))
            }
        }
        self.snapshots = snapshots
        let queue = JobQueue(database: database, events: { event in
            Self.publish(event, to: events, snapshots: snapshots, logger: logger)
        }, retryPolicy: configuration.retry, logger: logger)
        self.queue = queue
        self.workers = WorkerPool(queue: queue, options: configuration.workers, logger: logger)
        self.housekeeper = Housekeeper(
            database: database, retentionSeconds: Double(configuration.jobRetentionDays) * 86_400,
            intervalSeconds: configuration.housekeepingIntervalSeconds, logger: logger)
        self.library = TrackLibrary(database: database)
        // One lock per track for every file-and-row change: trash, restore, purge, rename.
        let locks = TrackLocks()
        self.trash = TrashService(database: database, hub: events, paths: paths, locks: locks, logger: logger)
        self.renames = LibraryRenames(database: database, queue: queue, paths: paths, locks: locks, hub: events, logger: logger)
        let listening = ListeningService(database: database, hub: events)
        self.listening = listening
        self.removal = TrackRemoval(trash: trash, listening: listening)
        self.accounts = AccountService(database: database, hasher: configuration.passwordHasher, logger: logger)
        self.credentials = CredentialService(database: database, sessionLifetime: configuration.sessionLifetimeDays * 86_400)
        self.playlists = configuration.playlistFiles
            ? PlaylistFiles(database: database, paths: paths, hub: events, timing: configuration.playlistTiming, logger: logger) : nil
        self.telemetry = TelemetryIngest(database: database)
        let music = MusicLibrary(database: database)
        self.music = music
        self.annotations = MusicAnnotations(database: database, music: music, listening: listening, telemetry: telemetry)
        self.userPlaylists = UserPlaylists(database: database, music: music)
        self.subsonicPasswords = SubsonicPasswords(accounts: accounts, database: database, key: configuration.serverKey, logger: logger)
        self.transcoding = StreamTranscoding(media: media)
        self.podcasts = PodcastLibrary(database: database)
        self.profiles = ProfileService(database: database, base: configuration.downloadOptions, logger: logger)
        self.retention = RetentionService(database: database, trash: trash, logger: logger)
        self.brake = DownloadBrake(hub: events, baseSeconds: configuration.rateLimitCooldownSeconds,
                                   probeTimeout: configuration.downloadTimeLimitSeconds + 60, logger: logger)
        let installation = YtDlpInstallation(
            executable: configuration.ytdlpExecutable, overlay: configuration.ytdlpUpdateDirectory,
            runtimePath: configuration.jsRuntimePath, niceness: configuration.downloadNiceness)
        let drivers = configuration.ytdlpDriverJobs > 0 ? configuration.ytdlpDriverFolder.flatMap {
            YtDlpDrivers(installation: installation, scriptFolder: $0, requestsPerProcess: configuration.ytdlpDriverJobs)
        } : nil
        self.drivers = drivers
        self.ytdlp = YtDlpService(
            installation: installation, channel: configuration.ytdlpUpdateChannel,
            indexURL: configuration.ytdlpUpdateIndexURL, drivers: drivers, hub: events, logger: logger)
        let runner = YtDlpRunner(installation: installation)
        let baseOptions = configuration.downloadOptions
        self.sources = SourceService(
            database: database, queue: queue, hub: events, library: files, profiles: profiles, retention: retention,
            previewRunner: runner, previewOptions: { baseOptions }, settings: configuration.sources, logger: logger)
        self.imports = ImportService(
            database: database, queue: queue, paths: paths, sources: sources, hub: events, tools: media,
            maxAttempts: configuration.maxAttempts, logger: logger)
        self.scheduler = Scheduler(isIdle: { [workers] in workers.isIdle() }, logger: logger)
        self.backups = BackupService(database: database, settings: configuration.backups, hub: events, logger: logger)
        self.syncRounds = SyncRounds(database: database, hub: events, logger: logger)
        self.notifications = try NotificationService(settings: configuration.notifications, hub: events, logger: logger)
        // A track leaving or coming back changes its source's counts.
        self.trackWatch = events.subscribe { [snapshots] published in
            switch published.event {
            case .trackDeleted(let track), .trackRestored(let track), .trackAdded(let track):
                if let source = track.track.sourceId { snapshots.changed(source) }
            default: break
            }
        }
        registerKinds(runner: runner)
        registerSchedule()
    }

    /// The queue's events as domain events; a change of a channel's jobs refreshes its counts,
    /// and a job that ended badly for good is logged for the operator.
    private static func publish(_ event: JobQueueEvent, to events: EventHub, snapshots: SnapshotThrottle, logger: Logger) {
        switch event {
        case .status(let job):
            events.publish(.jobStatus(job))
            if let channel = job.sourceId, job.status != .running { snapshots.changed(channel) }
            if JobStatus.needsAttention.contains(job.status) {
                logger.warning(job.status == .dead_letter ? "Job gave up after its last attempt" : "Job failed for good", metadata: [
                    "job": "\(job.id ?? 0)", "kind": "\(job.kind)", "source": "\(job.sourceId.map(String.init) ?? "-")",
                    "video": "\(job.videoId ?? "-")", "status": "\(job.status.rawValue)",
                    "class": "\(job.errorClass?.rawValue ?? "-")", "reason": "\(job.lastError ?? "")",
                    "detail": "\(job.errorDetail ?? "")",
                ])
            }
        case .progress(let progress):
            events.publish(.jobProgress(progress))
        case .enqueued(let batch):
            events.publish(.jobsEnqueued(batch))
        case .deleted(let batch):
            events.publish(.jobsDeleted(batch))
        }
    }

    private func registerKinds(runner: YtDlpRunner) {
        let options = configuration.downloadOptions
        let profiles = self.profiles
        let database = self.database
        workers.register(
            JobKind.sourceSync.rawValue,
            limits: JobLimits(timeLimit: configuration.listingTimeLimitSeconds, stallTimeout: configuration.listingStallSeconds),
            handler: SourceSyncHandler(
                runner: runner, options: { options }, database: database, queue: queue, settings: configuration.sources,
                logger: logger, onBatch: { [snapshots] channel in snapshots.changed(channel) }))
        workers.register(
            JobKind.download.rawValue,
            limits: JobLimits(timeLimit: configuration.downloadTimeLimitSeconds, stallTimeout: configuration.downloadStallSeconds),
            handler: DownloadHandler(runner: runner, drivers: drivers, plan: { sourceId in
                try DownloadPlan.read(sourceId: sourceId, database: database, profiles: profiles)
            }, library: files, database: database, brake: brake, hub: events, media: media, logger: logger))
        workers.register(JobKind.libraryRename.rawValue, handler: LibraryRenameHandler(renames: renames))
        workers.register(JobKind.libraryImport.rawValue, limits: ImportService.limits, handler: imports.handler)
        workers.setClaimGate(DomainClaimGate(brake: brake, ytdlp: ytdlp))
        brake.onRelease { [workers] in workers.wake() }
    }

    private func registerSchedule() {
        let syncCheck = min(60, max(0.5, configuration.sources.syncInterval / 4))
        scheduler.add("source re-sync", every: syncCheck) { [sources] in sources.syncDueSources() }
        scheduler.add("retention sweep", every: configuration.retentionIntervalSeconds, whenIdle: true) { [retention, workers] in
            try retention.sweep(isIdle: { workers.isIdle() })
        }
        let retention = Double(configuration.trashRetentionDays) * 86_400
        scheduler.add("trash sweep", every: configuration.trashPurgeIntervalSeconds, whenIdle: true) { [trash, logger] in
            let purged = try trash.purge(deletedBefore: Date().addingTimeInterval(-retention), limit: 100)
            if purged > 0 { logger.info("Purged expired trash", metadata: ["tracks": "\(purged)"]) }
        }
        scheduler.add("housekeeping", every: configuration.housekeepingIntervalSeconds, whenIdle: true) { [housekeeper, workers] in
            try housekeeper.runNow(isIdle: { workers.isIdle() })
        }
        let interval = configuration.ytdlpUpdateCheckSeconds
        scheduler.add("yt-dlp update check", every: min(interval, 3600), whenIdle: true) { [self] in
            ytdlp.scheduledCheck(every: interval, ytdlpRunning: ytdlpRunning, release: workers.wake)
        }
        // Not `whenIdle`: the service waits for idle itself, but not for ever (see BackupService).
        if backups.isEnabled {
            scheduler.add("backup", every: min(configuration.backups.intervalSeconds, 60)) { [backups, workers] in
                backups.runIfDue(isIdle: { workers.isIdle() })
            }
        }
    }

    /// Whether a job that runs yt-dlp runs now.
    private var ytdlpRunning: @Sendable () -> Bool {
        { [workers] in workers.isRunning(kinds: [JobKind.download.rawValue, JobKind.sourceSync.rawValue]) }
    }

    /// Starts updating yt-dlp now (the health page's button); false when an update runs.
    public func updateYtDlp() -> Bool {
        ytdlp.startUpdate(manual: true, ytdlpRunning: ytdlpRunning, release: workers.wake)
    }

    /// Repairs what a crash left (trash moves, unfinished downloads), then starts the workers
    /// and the scheduler. Call after the database is migrated.
    public func start() throws {
        try FileManager.default.createDirectory(atPath: configuration.libraryDirectory, withIntermediateDirectories: true)
        let settings = configuration.downloadOptions
        try profiles.followSettings(audioFormat: settings.audioFormat, format: settings.format, extraArguments: settings.extraArguments)
        try sources.fillURLKeys()
        try trash.reconcile()
        try renames.reconcile()
        let removed = PartialCleanup.removeLeftovers(in: files.paths)
        if removed > 0 { logger.info("Removed unfinished downloads", metadata: ["folders": "\(removed)"]) }
        playlists?.start()
        syncRounds.start()
        notifications.start()
        try workers.start()
        scheduler.start()
    }

    /// Stops the scheduler, then the workers (running jobs get the grace period), then writes
    /// the playlists their last changes left pending, then the notifications (a send under way
    /// is cut short), and last the sources' count snapshots: nothing reads the database after.
    public func stop() {
        scheduler.stop()
        workers.stop()
        playlists?.stop()
        drivers?.shutdown()
        syncRounds.stop()
        notifications.stop()
        snapshots.stop()
    }
}

/// Holds yt-dlp jobs back while the brake is on or an update switches versions.
struct DomainClaimGate: ClaimGate {
    let brake: DownloadBrake
    let ytdlp: YtDlpService

    func heldUntil(kind: String) -> Double? {
        if ytdlp.isHolding, kind == JobKind.download.rawValue || kind == JobKind.sourceSync.rawValue {
            return Date().timeIntervalSince1970 + 1
        }
        return brake.heldUntil(kind: kind)
    }

    func didClaim(_ job: Job) {
        brake.didClaim(job)
    }
}
