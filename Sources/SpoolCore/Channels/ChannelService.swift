import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolStore
import SpoolYtDlp

/// The life of a channel, and the only writer of `channels` rows.
///
/// A channel's `state` follows its sync job: the queue runs `syncJobChanged` inside every
/// transaction that changes a sync job's status (enqueue, claim, retry, failure, zombie,
/// cancel), so whatever way a sync ends, the channel is `idle` or `error` with a readable
/// reason in the same commit, never left `syncing`:
///
/// | sync job | channel |
/// |---|---|
/// | pending, running | `syncing` |
/// | completed | `idle`; counts, title and summary written by the sync's completion |
/// | retrying, zombie | `error`, with the reason and "will retry" |
/// | failed, timeout, dead_letter | `error`, with the reason |
/// | cancelled | `idle`, noting the cancel |
///
/// At most one sync per channel is queued or running: a unique partial index on `jobs`
/// (`jobs_one_active_sync`) turns a second "Sync now" into a no-op even when two arrive at once.
public final class ChannelService: Sendable {
    public struct Settings: Sendable {
        /// How often a channel is re-synced (head of the listing only).
        public var syncInterval: Double
        /// How often a re-sync lists everything instead (old videos that appear late).
        public var fullSyncInterval: Double
        public var maxAttempts: Int

        public init(syncInterval: Double = 86_400, fullSyncInterval: Double = 7 * 86_400, maxAttempts: Int = 5) {
            self.syncInterval = syncInterval
            self.fullSyncInterval = fullSyncInterval
            self.maxAttempts = maxAttempts
        }
    }

    let database: SpoolDatabase
    let queue: JobQueue
    let hub: EventHub
    let library: Library
    public let settings: Settings
    private let logger: Logger

    init(database: SpoolDatabase, queue: JobQueue, hub: EventHub, library: Library, settings: Settings, logger: Logger) {
        self.database = database
        self.queue = queue
        self.hub = hub
        self.library = library
        self.settings = settings
        self.logger = logger
        queue.setTransitionHook(for: JobKind.channelSync.rawValue) { db, job in
            try Self.syncJobChanged(db, job)
        }
    }

    // MARK: - Reading

    public func list() throws -> [ChannelSnapshot] {
        try database.read { try ChannelSnapshot.readAll($0) }
    }

    public func snapshot(_ id: Int64) throws -> ChannelSnapshot {
        guard let snapshot = try database.read({ try ChannelSnapshot.read($0, id: id) }) else {
            throw DomainError.notFound("No channel with id \(id).")
        }
        return snapshot
    }

    // MARK: - Adding, syncing, removing

    /// Adds a channel by URL and queues its first sync. The same URL again is no error: the
    /// existing channel comes back with `created == false` (a double click, a second tab).
    public func add(url text: String) throws -> (snapshot: ChannelSnapshot, created: Bool) {
        let url: String
        switch SourceURL.validate(text) {
        case .success(let valid): url = valid
        case .failure(let error): throw DomainError.invalid(field: "url", error.description)
        }
        let now = Date()
        let (id, created) = try database.write { db -> (Int64, Bool) in
            if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM channels WHERE url = ?", arguments: [url]) {
                return (existing, false)
            }
            var channel = Channel(url: url, addedAt: now, syncIntervalSeconds: max(1, Int(settings.syncInterval)))
            // Due at once: if the sync below cannot be queued, the scheduler queues it.
            channel.nextSyncAt = now
            try channel.insert(db)
            return (channel.id!, true)
        }
        if created {
            logger.info("Channel added", metadata: ["channel": "\(id)", "url": "\(url)"])
            try requestSync(of: id, full: true)
        }
        return (try publishSnapshot(of: id), created)
    }

    /// Queues a sync unless one is queued or running already (then returns that one).
    /// - Parameter full: list everything instead of stopping at the first known entries.
    @discardableResult
    public func requestSync(of id: Int64, full: Bool = false, priority: Int = 10) throws -> Job {
        let job = try NewJob(
            kind: JobKind.channelSync.rawValue, payload: ChannelSyncPayload(channelId: id, full: full ? true : nil),
            priority: priority, channelId: id, title: full ? "Full sync of a channel" : "Sync channel",
            maxAttempts: settings.maxAttempts)
        let result = try queue.enqueue([job])
        if let queued = result.inserted.first { return queued }
        guard let active = try database.read({ db in
            try Job.fetchOne(db, sql: """
                SELECT \(Job.columnList) FROM jobs WHERE kind = ? AND channel_id = ? AND status IN \(JobStatus.active.sql)
                """, arguments: [JobKind.channelSync.rawValue, id])
        }) else {
            // Not queued and nothing active: the channel is gone (its jobs lose the reference).
            throw DomainError.notFound("No channel with id \(id).")
        }
        return active
    }

    /// Queues a sync of every channel whose time has come; a full re-list when the last one
    /// is older than `fullSyncInterval`. Runs on the scheduler.
    public func syncDueChannels(now: Date = Date()) {
        do {
            let due = try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, last_full_sync_at FROM channels WHERE next_sync_at IS NOT NULL AND next_sync_at <= ?
                    """, arguments: [now.timeIntervalSince1970])
            }
            for row in due {
                let lastFull: Double? = row["last_full_sync_at"]
                let full = lastFull.map { now.timeIntervalSince1970 - $0 >= settings.fullSyncInterval } ?? true
                // Above downloads (0), below a click (10): a due sync takes the next free worker
                // instead of waiting behind another channel's backlog of thousands.
                try requestSync(of: row["id"], full: full, priority: 5)
            }
        } catch {
            logger.error("Scheduling channel syncs failed", metadata: ["error": "\(StoreErrorDescription.plain(error))"])
        }
    }

    /// What removing a channel did.
    public struct Removal: Sendable, Equatable {
        public var filesDeleted: Int
        public var jobsCancelled: Int
    }

    /// Removes a channel: cancels its queued and running jobs, then deletes its row and, when
    /// asked, its tracks with every file they have (rows first: a crash in between leaves
    /// files without rows, never rows pointing at missing files). Tracks that stay keep
    /// playing; they lose the channel reference.
    public func remove(_ id: Int64, deleteFiles: Bool) throws -> Removal {
        _ = try snapshot(id)
        let active = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM jobs WHERE channel_id = ? AND status IN \(JobStatus.active.sql)", arguments: [id])
        }
        var cancelled = 0
        for job in active where (try? queue.cancel(job)) != nil { cancelled += 1 }
        let files = try database.write { db -> [String] in
            let files = deleteFiles ? try TrackStore.deleteTracks(ofChannel: id, db) : []
            try Channel.deleteOne(db, key: id)
            return files
        }
        let removed = library.deleteFiles(files)
        hub.publish(.channelDeleted(channelId: id))
        logger.info("Channel removed", metadata: ["channel": "\(id)", "files_deleted": "\(removed)", "jobs_cancelled": "\(cancelled)"])
        return Removal(filesDeleted: removed, jobsCancelled: cancelled)
    }

    // MARK: - The sync's side

    /// What a finished listing tells about the channel, written in the transaction that
    /// completes the sync job.
    struct SyncResult: Sendable {
        var title: String?
        var remoteId: String?
        var entriesListed: Int?
        var summary: SyncSummary
    }

    /// Records a successful sync (inside the completing transaction).
    static func recordSync(_ db: Database, channelId: Int64, result: SyncResult, now: Date) throws {
        guard var row = try Channel.fetchOne(db, key: channelId) else { return }
        row.title = row.title ?? result.title
        row.remoteId = row.remoteId ?? result.remoteId
        if let listed = result.entriesListed { row.videoCount = listed }
        row.lastSyncSummary = result.summary.json
        row.lastSyncedAt = now
        if result.summary.full { row.lastFullSyncAt = now }
        row.nextSyncAt = now.addingTimeInterval(Double(row.syncIntervalSeconds))
        try row.update(db)
    }

    /// The state machine (see the type's documentation), run by the queue inside the
    /// transaction that changed the sync job.
    static func syncJobChanged(_ db: Database, _ job: Job) throws {
        guard let channelId = job.channelId else { return }
        let now = Date().timeIntervalSince1970
        let reason = job.lastError ?? "The sync failed."
        let (state, lastError, nextSync): (ChannelState, String?, Double?) = switch job.status {
        case .pending, .running: (.syncing, nil, nil)
        case .completed: (.idle, nil, nil)
        case .retrying: (.error, "\(reason) It will be tried again.", nil)
        case .zombie: (.error, "The sync was interrupted (Spool stopped while it ran); it will be tried again.", nil)
        case .failed, .timeout, .dead_letter: (.error, reason, now)
        case .cancelled: (.idle, "The last sync was cancelled.", now)
        }
        // Pending and running keep the last error until the sync succeeds; an ended sync
        // schedules the next one an interval later (the scheduler, not a retry storm).
        try db.cachedStatement(sql: """
            UPDATE channels SET state = ?1,
                last_error = CASE WHEN ?1 = 'syncing' THEN last_error ELSE ?2 END,
                next_sync_at = CASE WHEN ?3 IS NULL THEN next_sync_at ELSE ?3 + sync_interval_seconds END
            WHERE id = ?4
            """).execute(arguments: [state, lastError, nextSync, channelId])
    }

    /// Reads and publishes a channel's snapshot (after a commit that changed it).
    @discardableResult
    func publishSnapshot(of id: Int64) throws -> ChannelSnapshot {
        let snapshot = try self.snapshot(id)
        hub.publish(.channelUpdated(snapshot))
        return snapshot
    }
}
