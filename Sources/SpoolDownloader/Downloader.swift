import Foundation
import Logging
import SpoolJobs
import SpoolStore

/// The downloader's entry point: registers the `channel_sync` and `download` kinds on the
/// worker pool, holds downloads back while the rate-limit brake is on, and re-syncs channels
/// when their interval has passed.
public final class Downloader: Sendable {
    /// Time limits and retries of the two kinds.
    public struct Limits: Sendable {
        public var downloadTimeLimit: Double
        public var stallSeconds: Double
        public var maxAttempts: Int

        public init(downloadTimeLimit: Double = 3600, stallSeconds: Double = 300, maxAttempts: Int = 5) {
            self.downloadTimeLimit = downloadTimeLimit
            self.stallSeconds = stallSeconds
            self.maxAttempts = maxAttempts
        }
    }

    public let options: YtDlpOptions
    public let brake: RateLimitBrake
    public let queue: JobQueue
    public let version: String?
    private let logger: Logger
    private let limits: Limits
    private let libraryDirectory: String

    public init(options: YtDlpOptions, queue: JobQueue, libraryDirectory: String, limits: Limits,
                cooldownSeconds: Double, logger: Logger) {
        self.options = options
        self.queue = queue
        self.limits = limits
        self.libraryDirectory = libraryDirectory
        self.brake = RateLimitBrake(hub: queue.hub, baseSeconds: cooldownSeconds)
        self.version = YtDlpRunner.version(of: options.executable)
        self.logger = logger
        if version == nil {
            logger.warning("yt-dlp does not run; downloads will fail until YTDLP_PATH points to it", metadata: ["path": "\(options.executable)"])
        }
    }

    /// Registers both kinds and the brake; cleans `.partial/` leftovers. Call before the pool starts.
    public func install(on pool: WorkerPool) {
        let removed = PartialCleanup.removeLeftovers(libraryDirectory: libraryDirectory)
        if removed > 0 { logger.info("Removed unfinished downloads", metadata: ["folders": "\(removed)"]) }
        let runner = YtDlpRunner(options: options)
        pool.register(
            DownloaderKinds.channelSync,
            limits: JobLimits(timeLimit: 1800, stallTimeout: limits.stallSeconds, maxAttempts: limits.maxAttempts),
            handler: ChannelSyncHandler(runner: runner, queue: queue, hub: queue.hub, maxAttempts: limits.maxAttempts, logger: logger))
        pool.register(
            DownloaderKinds.download,
            limits: JobLimits(timeLimit: limits.downloadTimeLimit, stallTimeout: limits.stallSeconds, maxAttempts: limits.maxAttempts),
            handler: DownloadHandler(runner: runner, libraryDirectory: libraryDirectory, brake: brake, hub: queue.hub))
        pool.setClaimGate { [brake] kind in
            kind == DownloaderKinds.download ? brake.pausedUntil : nil
        }
    }

    /// Queues a sync of the channel unless one is already queued or running; returns its job.
    @discardableResult
    public func requestSync(of channelId: Int64, priority: Int = 10) throws -> Job? {
        let active = try queue.database.read { db in
            try Job.fetchOne(db, sql: """
                SELECT * FROM jobs WHERE kind = ? AND channel_id = ? AND status IN ('pending', 'running', 'retrying', 'zombie')
                """, arguments: [DownloaderKinds.channelSync, channelId])
        }
        if let active { return active }
        return try queue.enqueue([NewJob(
            kind: DownloaderKinds.channelSync, payload: ChannelSyncPayload(channelId: channelId), priority: priority,
            channelId: channelId, title: "Sync channel", maxAttempts: limits.maxAttempts)]).inserted.first
    }

    /// Queues a sync of every channel whose next sync time has come.
    public func syncDueChannels() {
        do {
            let due = try queue.database.read { db in
                try Int64.fetchAll(db, sql: "SELECT id FROM channels WHERE next_sync_at IS NOT NULL AND next_sync_at <= ?",
                                   arguments: [Date().timeIntervalSince1970])
            }
            for id in due { try requestSync(of: id, priority: 0) }
        } catch {
            logger.error("Scheduling channel syncs failed", metadata: ["error": "\(error)"])
        }
    }
}
