import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolProcess
import SpoolStore
import SpoolYtDlp

/// The life of a source (a channel, a playlist or one video), and the only writer of
/// `sources` rows.
///
/// A source's `state` follows its sync job: the queue runs `syncJobChanged` inside every
/// transaction that changes a sync job's status (enqueue, claim, retry, failure, zombie,
/// cancel), so whatever way a sync ends, the source is `idle` or `error` with a readable
/// reason in the same commit, never left `syncing`:
///
/// | sync job | source |
/// |---|---|
/// | pending, running | `syncing` |
/// | completed | `idle`; counts, title and summary written by the sync's completion |
/// | retrying, zombie | `error`, with the reason and "will retry" |
/// | failed, timeout, dead_letter | `error`, with the reason |
/// | cancelled | `idle`, noting the cancel |
///
/// At most one sync per source is queued or running: a unique partial index on `jobs`
/// (`jobs_one_active_sync`) turns a second "Sync now" into a no-op even when two arrive at once.
///
/// A paused source is not synced on schedule, and its waiting downloads are held: their
/// `run_after` moves to `heldUntil` (the queue claims by `run_after`, so held jobs cost the
/// claim nothing) and back to now when it resumes.
public final class SourceService: Sendable {
    public struct Settings: Sendable {
        /// How often a source is re-synced (head of the listing only).
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

    /// What a user chooses when adding a source.
    public struct AddOptions: Sendable {
        public var profileId: Int64?
        public var filters: SourceFilters?
        public var retention: RetentionRules?
        /// "Only new from now on": the first sync records what is listed without downloading it.
        public var onlyNew = false
        /// Added paused: no first sync and no download until the user resumes it (a library
        /// import creates its sources so, and never starts downloading a back catalogue).
        public var paused = false
        /// A title known before the first sync (a library import reads it from the files).
        public var title: String?

        public init() {}
    }

    /// What a user may change on a source; nil keeps the value (`clearFilters` and
    /// `clearRetention` remove them).
    public struct Changes: Sendable {
        public var profileId: Int64?
        public var filters: SourceFilters?
        public var clearFilters = false
        public var retention: RetentionRules?
        public var clearRetention = false
        public var paused: Bool?
        public var syncIntervalHours: Double?

        public init() {}
    }

    /// `run_after` of a held download (a paused source's): far beyond any real schedule.
    static let heldUntil = 4_102_444_800.0  // 2100-01-01

    let database: SpoolDatabase
    let queue: JobQueue
    let hub: EventHub
    let library: Library
    let profiles: ProfileService
    let retention: RetentionService
    let previewRunner: YtDlpRunner
    let previewOptions: @Sendable () -> YtDlpOptions
    public let settings: Settings
    private let logger: Logger

    init(database: SpoolDatabase, queue: JobQueue, hub: EventHub, library: Library, profiles: ProfileService,
         retention: RetentionService, previewRunner: YtDlpRunner, previewOptions: @escaping @Sendable () -> YtDlpOptions,
         settings: Settings, logger: Logger) {
        self.database = database
        self.queue = queue
        self.hub = hub
        self.library = library
        self.profiles = profiles
        self.retention = retention
        self.previewRunner = previewRunner
        self.previewOptions = previewOptions
        self.settings = settings
        self.logger = logger
        queue.setTransitionHook(for: JobKind.sourceSync.rawValue) { db, job in
            try Self.syncJobChanged(db, job)
        }
    }

    // MARK: - Reading

    /// Sources newest first, a page at a time, with their counts.
    public func list(after cursor: PageCursor? = nil, limit: Int = 100) throws -> ListPage<SourceSnapshot> {
        try database.read { try SourceSnapshot.page($0, after: cursor, limit: limit) }
    }

    /// One page of the sources' names, newest first (`SourceName`): what a menu of sources needs.
    public func names(after cursor: PageCursor? = nil, limit: Int = 100) throws -> ListPage<SourceName> {
        try database.read { try SourceName.page($0, after: cursor, limit: limit) }
    }

    public func snapshot(_ id: Int64) throws -> SourceSnapshot {
        guard let snapshot = try database.read({ try SourceSnapshot.read($0, id: id) }) else {
            throw DomainError.notFound("No source with id \(id).")
        }
        return snapshot
    }

    /// A source with what its page shows beyond the snapshot: what the retention rules will
    /// remove next.
    public struct Detail: Sendable {
        public let snapshot: SourceSnapshot
        public let profile: Profile?
        public let retentionPreview: [RetentionService.Candidate]
        public let retentionCount: Int
    }

    public func detail(_ id: Int64) throws -> Detail {
        let snapshot = try self.snapshot(id)
        let preview = try retention.candidates(of: id, limit: 10_000)
        return Detail(snapshot: snapshot, profile: try? profiles.profile(snapshot.source.profileId),
                      retentionPreview: Array(preview.prefix(10)), retentionCount: preview.count)
    }

    /// One page of what a source listed, in its order, or only what was skipped (newest
    /// skips first), with each entry's state.
    public struct EntryPage: Sendable {
        public struct Item: Sendable {
            public let entry: SourceEntry
            /// `downloaded`, `queued`, `failed`, `skipped` or `listed` (not downloaded yet).
            public let state: String
            public let trackId: Int64?
        }
        public let items: [Item]
        public let next: PageCursor?
    }

    public func entries(of sourceId: Int64, skippedOnly: Bool, after cursor: PageCursor?, limit: Int) throws -> EntryPage {
        _ = try snapshot(sourceId)
        let query = Self.entriesQuery(of: sourceId, skippedOnly: skippedOnly, after: cursor, limit: limit)
        return try database.read { db in
            let rows = try Row.fetchAll(db, sql: query.sql, arguments: query.arguments)
            let items = try rows.prefix(limit).map { row -> EntryPage.Item in
                let entry = try SourceEntry(row: row)
                let job: String? = row["job_status"]
                let trackId: Int64? = row["track_id"]
                let deleted = (row["track_deleted"] as Double?) != nil
                let state: String
                if entry.skipReason != nil { state = "skipped" }
                else if trackId != nil && !deleted { state = "downloaded" }
                else if let job, JobStatus(rawValue: job).map(JobStatus.active.contains) == true { state = "queued" }
                else if let job, JobStatus(rawValue: job).map(JobStatus.needsAttention.contains) == true { state = "failed" }
                else { state = "listed" }
                return EntryPage.Item(entry: entry, state: state, trackId: deleted ? nil : trackId)
            }
            var next: PageCursor?
            if rows.count > limit, let last = items.last, let id = last.entry.id {
                next = skippedOnly
                    ? PageCursor(key: .number(last.entry.lastSeenAt.timeIntervalSince1970), id: id)
                    : PageCursor(key: .number(Double(last.entry.position ?? 1_000_000_000_000)), id: id)
            }
            return EntryPage(items: items, next: next)
        }
    }

    /// The query of one page of entries: the listing walks `source_entries_listing` (source,
    /// position with unplaced entries last, id), the skips `source_entries_skipped`; each
    /// entry's last download is a seek in `jobs_video`.
    static func entriesQuery(of sourceId: Int64, skippedOnly: Bool, after cursor: PageCursor?, limit: Int) -> ListQuery {
        var conditions = ["e.source_id = ?"]
        var arguments: StatementArguments = [sourceId]
        // Skips newest first; the whole listing in the source's order.
        let order = skippedOnly ? "e.last_seen_at DESC, e.id DESC" : "coalesce(e.position, 1e12), e.id"
        if skippedOnly { conditions.append("e.skip_reason IS NOT NULL") }
        if let cursor, case .number(let key)? = cursor.key {
            conditions.append(skippedOnly
                ? "e.last_seen_at <= ? AND (e.last_seen_at < ? OR e.id < ?)"
                : "coalesce(e.position, 1e12) >= ? AND (coalesce(e.position, 1e12) > ? OR e.id > ?)")
            arguments += [key, key, cursor.id]
        }
        return ListQuery("""
            SELECT e.*, tracks.id AS track_id, tracks.deleted_at AS track_deleted,
              (SELECT status FROM jobs WHERE jobs.video_id = e.video_id AND jobs.kind = '\(JobKind.download.rawValue)'
               ORDER BY jobs.id DESC LIMIT 1) AS job_status
            FROM source_entries e LEFT JOIN tracks ON tracks.video_id = e.video_id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(order)
            LIMIT ?
            """, arguments + [limit + 1])
    }

    // MARK: - Adding, previewing

    /// What a quick listing says about a URL before it is added.
    public struct Preview: Sendable {
        public let url: String
        public let kind: SourceKind
        public let title: String?
        /// The entries the listing reported in all, when it said (feeds do; YouTube tabs do not).
        public let entryCount: Int?
        public let firstEntries: [ListingEntry]
        /// The source already added with this URL.
        public let existingId: Int64?
    }

    /// Lists the first few entries of `text` (at most `previewTimeLimit`), so the user sees
    /// what they add before saving. Says honestly when the URL cannot be listed.
    public func preview(url text: String, limit: Int = 5) throws -> Preview {
        let url = try Self.validated(text)
        let existing = try database.read { try Self.existing(url, $0)?.id }
        var reader = ListingReader()
        var entries: [ListingEntry] = []
        var count: Int?
        var sawPlaylist = false
        let cancellation = ProcessCancellation()
        let run: YtDlpRunner.Run
        do {
            run = try previewRunner.run(
                YtDlpArguments.listing(url, options: previewOptions(), runtime: previewRunner.installation.runtime, limit: limit),
                cancellation: cancellation, timeLimit: .seconds(60)) { line in
                if line.contains("\"playlist_id\"") || line.contains("\"playlist_index\"") { sawPlaylist = true }
                if let entry = reader.read(line), entries.count < limit {
                    entries.append(entry)
                    if let total = Self.playlistCount(in: line) { count = total }
                }
            }
        } catch {
            throw DomainError.unavailable("yt-dlp could not be started to list the URL; set YTDLP_PATH.")
        }
        guard run.succeeded || !entries.isEmpty else {
            let failure = ErrorExplanation.failure(run.failure, doing: "Listing the URL", runtimeMissing: previewRunner.installation.runtime == nil, logTail: nil)
            throw DomainError.invalid(field: "url", "\(failure.message) (\(failure.detail ?? ""))")
        }
        guard let first = entries.first else {
            throw DomainError.invalid(field: "url", "yt-dlp listed nothing at this URL.")
        }
        let kind = Self.kind(of: url, listedAsPlaylist: sawPlaylist)
        return Preview(url: url, kind: kind, title: kind == .video ? first.title : (first.channel ?? first.sourceTitle),
                       entryCount: kind == .video ? 1 : count, firstEntries: entries, existingId: existing)
    }

    /// A source is there already under another spelling of its URL (`SourceURL.key`): the
    /// answer names it instead of adding a second source that would download the same videos.
    public struct AlreadyAdded: Error, Sendable, Equatable {
        public let existingId: Int64
        public let existingURL: String
    }

    /// The source `url` names, if it is there: the same text, or the same key.
    static func existing(_ url: String, _ db: Database) throws -> (id: Int64, url: String)? {
        let key = SourceURL.key(of: url)
        return try Row.fetchOne(db, sql: "SELECT id, url FROM sources WHERE url = ? OR url_key = ? ORDER BY url = ? DESC LIMIT 1",
                                arguments: [url, key, url]).map { ($0["id"], $0["url"]) }
    }

    /// Adds a source by URL and queues its first sync. The same URL again is no error: the
    /// existing source comes back with `created == false` (a double click, a second tab).
    /// Another spelling of a source that is there (`…/@x/videos` for `…/@x`) throws
    /// `AlreadyAdded` naming it.
    public func add(url text: String, options: AddOptions = AddOptions()) throws -> (snapshot: SourceSnapshot, created: Bool) {
        let url = try Self.validated(text)
        let filters = try options.filters?.validate()
        let rules = try options.retention?.validate()
        let now = Date()
        let (id, created) = try database.write { db -> (Int64, Bool) in
            if let existing = try Self.existing(url, db) {
                guard existing.url == url else { throw AlreadyAdded(existingId: existing.id, existingURL: existing.url) }
                return (existing.id, false)
            }
            let profileId = try options.profileId ?? profiles.defaultProfileId(db)
            guard try Profile.exists(db, key: profileId) else {
                throw DomainError.invalid(field: "profile_id", "no profile with id \(profileId).")
            }
            var source = Source(url: url, kind: Self.kind(of: url, listedAsPlaylist: nil), profileId: profileId,
                                addedAt: now, syncIntervalSeconds: max(1, Int(settings.syncInterval)))
            source.filters = filters?.json
            source.retention = rules?.json
            source.baselinePending = options.onlyNew
            source.paused = options.paused
            source.title = options.title.flatMap { $0.isEmpty ? nil : String($0.prefix(500)) }
            // Due at once: if the sync below cannot be queued, the scheduler queues it.
            source.nextSyncAt = now
            source.urlKey = SourceURL.key(of: url)
            try source.insert(db)
            return (source.id!, true)
        }
        if created {
            logger.info("Source added", metadata: [
                "source": "\(id)", "url": "\(url)", "only_new": "\(options.onlyNew)", "paused": "\(options.paused)",
            ])
            // A paused source syncs once it is resumed (its next sync is due already).
            if !options.paused { try requestSync(of: id, full: true) }
        }
        return (try publishSnapshot(of: id), created)
    }

    /// Changes a source's profile, filters, retention, schedule or pause.
    public func update(_ id: Int64, _ changes: Changes) throws -> SourceSnapshot {
        let filters = try changes.filters?.validate()
        let rules = try changes.retention?.validate()
        if let hours = changes.syncIntervalHours, !(hours >= 0.01 && hours <= 8760) {
            throw DomainError.invalid(field: "sync_interval_hours", "must be from 0.01 to 8760.")
        }
        let now = Date().timeIntervalSince1970
        try database.write { db in
            guard var source = try Source.fetchOne(db, key: id) else { throw DomainError.notFound("No source with id \(id).") }
            if let profileId = changes.profileId {
                guard try Profile.exists(db, key: profileId) else {
                    throw DomainError.invalid(field: "profile_id", "no profile with id \(profileId).")
                }
                source.profileId = profileId
            }
            if changes.clearFilters { source.filters = nil } else if let filters { source.filters = filters.json }
            if changes.clearRetention { source.retention = nil } else if let rules { source.retention = rules.json }
            if let hours = changes.syncIntervalHours { source.syncIntervalSeconds = max(1, Int(hours * 3600)) }
            if let paused = changes.paused, paused != source.paused {
                source.paused = paused
                // Hold or release its waiting downloads in the same commit.
                try db.execute(sql: """
                    UPDATE jobs SET run_after = ?, updated_at = ?
                    WHERE source_id = ? AND kind = '\(JobKind.download.rawValue)' AND status IN \(JobStatus.waiting.sql)
                    """, arguments: [paused ? Self.heldUntil : now, now, id])
            }
            try source.update(db)
        }
        if changes.paused == false { queue.jobsBecameDue() }
        if let paused = changes.paused {
            logger.info(paused ? "Source paused" : "Source resumed", metadata: ["source": "\(id)"])
        }
        return try publishSnapshot(of: id)
    }

    /// Gives every source written before migration v12 its URL key (at start-up; a no-op once
    /// done). When two old sources share a key, the older keeps it and the other stays without
    /// one (it is still listed and synced; only "already added" cannot point at it).
    func fillURLKeys() throws {
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, url FROM sources WHERE url_key IS NULL ORDER BY id")
        }
        guard !rows.isEmpty else { return }
        let clashes = try database.write { db -> [Int64] in
            var clashes: [Int64] = []
            for row in rows {
                guard let key = SourceURL.key(of: row["url"]) else { continue }
                if try Int64.fetchOne(db, sql: "SELECT id FROM sources WHERE url_key = ?", arguments: [key]) != nil {
                    clashes.append(row["id"])
                } else {
                    try db.execute(sql: "UPDATE sources SET url_key = ? WHERE id = ?", arguments: [key, row["id"] as Int64])
                }
            }
            return clashes
        }
        if !clashes.isEmpty {
            logger.warning("Sources whose URL names a source added before them keep no URL key",
                           metadata: ["sources": "\(clashes)"])
        }
    }

    static func validated(_ text: String) throws -> String {
        switch SourceURL.validate(text) {
        case .success(let valid): return valid
        case .failure(let error): throw DomainError.invalid(field: "url", error.description)
        }
    }

    /// A source's kind from its URL (YouTube's shapes) and, when known, from whether yt-dlp
    /// listed it as a playlist.
    static func kind(of url: String, listedAsPlaylist: Bool?) -> SourceKind {
        let lower = url.lowercased()
        if lower.contains("list=") && !lower.contains("watch?") || lower.contains("/playlist") { return .playlist }
        if lower.contains("/watch?") || lower.contains("youtu.be/") || lower.contains("/shorts/") || lower.contains("/live/") {
            return .video
        }
        if let listedAsPlaylist { return listedAsPlaylist ? .channel : .video }
        return .channel
    }

    private static func playlistCount(in line: String) -> Int? {
        guard let range = line.range(of: "\"playlist_count\": ") ?? line.range(of: "\"playlist_count\":") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    // MARK: - Syncing, removing

    /// Queues a sync unless one is queued or running already (then returns that one).
    /// - Parameter full: list everything instead of stopping at the first known entries.
    @discardableResult
    public func requestSync(of id: Int64, full: Bool = false, priority: Int = 10) throws -> Job {
        let job = try NewJob(
            kind: JobKind.sourceSync.rawValue, payload: SourceSyncPayload(sourceId: id, full: full ? true : nil),
            priority: priority, sourceId: id, title: full ? "Full sync of a source" : "Sync source",
            maxAttempts: settings.maxAttempts)
        let result = try queue.enqueue([job])
        if let queued = result.inserted.first { return queued }
        guard let active = try database.read({ db in
            try Job.fetchOne(db, sql: """
                SELECT \(Job.columnList) FROM jobs WHERE kind = ? AND source_id = ? AND status IN \(JobStatus.active.sql)
                """, arguments: [JobKind.sourceSync.rawValue, id])
        }) else {
            // Not queued and nothing active: the source is gone (its jobs lose the reference).
            throw DomainError.notFound("No source with id \(id).")
        }
        return active
    }

    /// Queues a sync of every source whose time has come (not paused; a single video is
    /// never re-synced); a full re-list when the last one is older than `fullSyncInterval`.
    /// Runs on the scheduler.
    public func syncDueSources(now: Date = Date()) {
        do {
            let due = try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, last_full_sync_at FROM sources
                    WHERE next_sync_at IS NOT NULL AND next_sync_at <= ? AND paused = 0
                    """, arguments: [now.timeIntervalSince1970])
            }
            for row in due {
                let lastFull: Double? = row["last_full_sync_at"]
                let full = lastFull.map { now.timeIntervalSince1970 - $0 >= settings.fullSyncInterval } ?? true
                // Above downloads (0), below a click (10): a due sync takes the next free worker
                // instead of waiting behind another source's backlog of thousands.
                try requestSync(of: row["id"], full: full, priority: 5)
            }
        } catch {
            logger.error("Scheduling source syncs failed", metadata: ["error": "\(StoreErrorDescription.plain(error))"])
        }
    }

    /// Queues the download of every track of a source again with its current profile (after
    /// a profile change): a track's row keeps its likes and history; its files are replaced.
    public func redownload(_ id: Int64) throws -> Int {
        _ = try snapshot(id)
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT tracks.video_id, tracks.title, tracks.duration, tracks.uploader, tracks.uploaded_at,
                       e.url, e.position, sources.title AS source_title
                FROM tracks JOIN sources ON sources.id = tracks.source_id
                LEFT JOIN source_entries e ON e.source_id = tracks.source_id AND e.video_id = tracks.video_id
                WHERE tracks.source_id = ? AND tracks.deleted_at IS NULL AND e.url IS NOT NULL
                """, arguments: [id])
        }
        let jobs = try rows.map { row in
            try NewJob(
                kind: JobKind.download.rawValue,
                payload: DownloadPayload(
                    url: row["url"], videoId: row["video_id"], title: row["title"], duration: row["duration"],
                    uploader: row["uploader"], sourceTitle: row["source_title"], extractor: nil,
                    position: row["position"], uploadedAt: row["uploaded_at"]),
                sourceId: id, videoId: row["video_id"], title: row["title"], maxAttempts: settings.maxAttempts)
        }
        return try queue.enqueue(jobs).insertedIds.count
    }

    /// What removing a source did.
    public struct Removal: Sendable, Equatable {
        public var filesDeleted: Int
        public var jobsCancelled: Int
    }

    /// Removes a source: cancels its queued and running jobs, then deletes its row (its
    /// entries with it) and, when asked, its tracks with every file they have (rows first: a
    /// crash in between leaves files without rows, never rows pointing at missing files).
    /// Tracks that stay keep playing; they lose the source reference.
    public func remove(_ id: Int64, deleteFiles: Bool) throws -> Removal {
        _ = try snapshot(id)
        let active = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM jobs WHERE source_id = ? AND status IN \(JobStatus.active.sql)", arguments: [id])
        }
        var cancelled = 0
        for job in active where (try? queue.cancel(job)) != nil { cancelled += 1 }
        let files = try database.write { db -> [String] in
            let files = deleteFiles ? try TrackStore.deleteTracks(ofSource: id, db) : []
            try Source.deleteOne(db, key: id)
            return files
        }
        let removed = library.deleteFiles(files)
        hub.publish(.sourceDeleted(sourceId: id))
        logger.info("Source removed", metadata: ["source": "\(id)", "files_deleted": "\(removed)", "jobs_cancelled": "\(cancelled)"])
        return Removal(filesDeleted: removed, jobsCancelled: cancelled)
    }

    // MARK: - The sync's side

    /// What a finished listing tells about the source, written in the transaction that
    /// completes the sync job.
    struct SyncResult: Sendable {
        var title: String?
        var remoteId: String?
        var entriesListed: Int?
        var summary: SyncSummary
        /// yt-dlp listed it as a playlist (false: one video).
        var listedAsPlaylist: Bool
    }

    /// Records a successful sync (inside the completing transaction). A single video is never
    /// synced again; "only new from now on" has its baseline.
    static func recordSync(_ db: Database, sourceId: Int64, result: SyncResult, now: Date) throws {
        guard var row = try Source.fetchOne(db, key: sourceId) else { return }
        row.title = row.title ?? result.title
        row.remoteId = row.remoteId ?? result.remoteId
        if let listed = result.entriesListed { row.videoCount = listed }
        row.lastSyncSummary = result.summary.json
        row.lastSyncedAt = now
        row.baselinePending = false
        // A URL that listed as one video (no playlist around it) is a single video: it is
        // downloaded once and never re-synced.
        if row.kind == .channel, !result.listedAsPlaylist, result.summary.read == 1 { row.kind = .video }
        if result.summary.full { row.lastFullSyncAt = now }
        row.nextSyncAt = row.kind == .video ? nil : now.addingTimeInterval(Double(row.syncIntervalSeconds))
        try row.update(db)
    }

    /// Records that a video is in the library for a source (a library import adopted its file),
    /// inside the caller's transaction: the source's syncs then count it as known and never
    /// queue its download. An entry the source listed before keeps what it has.
    static func recordKnownEntry(
        _ db: Database, sourceId: Int64, videoId: String, url: String?, title: String, duration: Double?,
        uploadedAt: Date?, now: Date
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO source_entries (source_id, video_id, url, title, duration, uploaded_at, first_seen_at, last_seen_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
            ON CONFLICT (source_id, video_id) DO NOTHING
            """).execute(arguments: [sourceId, videoId, url, title, duration, uploadedAt?.timeIntervalSince1970, now.timeIntervalSince1970])
    }

    /// The state machine (see the type's documentation), run by the queue inside the
    /// transaction that changed the sync job.
    static func syncJobChanged(_ db: Database, _ job: Job) throws {
        guard let sourceId = job.sourceId else { return }
        let now = Date().timeIntervalSince1970
        let reason = job.lastError ?? "The sync failed."
        let (state, lastError, nextSync): (SourceState, String?, Double?) = switch job.status {
        case .pending, .running: (.syncing, nil, nil)
        case .completed: (.idle, nil, nil)
        case .retrying: (.error, "\(reason) It will be tried again.", nil)
        case .zombie: (.error, "The sync was interrupted (Spool stopped while it ran); it will be tried again.", nil)
        case .failed, .timeout, .dead_letter: (.error, reason, now)
        case .cancelled: (.idle, "The last sync was cancelled.", now)
        }
        // Pending and running keep the last error until the sync succeeds; an ended sync
        // schedules the next one an interval later (the scheduler, not a retry storm).
        let (errorClass, detail): (JobErrorClass?, String?) = switch job.status {
        case .pending, .running, .completed: (nil, nil)
        case .zombie: (.crashed, nil)
        default: (job.errorClass, job.errorDetail)
        }
        try db.cachedStatement(sql: """
            UPDATE sources SET state = ?1,
                last_error = CASE WHEN ?1 = 'syncing' THEN last_error ELSE ?2 END,
                last_error_class = CASE WHEN ?1 = 'syncing' THEN last_error_class ELSE ?5 END,
                last_error_detail = CASE WHEN ?1 = 'syncing' THEN last_error_detail ELSE ?6 END,
                next_sync_at = CASE WHEN ?3 IS NULL OR kind = 'video' THEN next_sync_at ELSE ?3 + sync_interval_seconds END
            WHERE id = ?4
            """).execute(arguments: [state, lastError, nextSync, sourceId, errorClass, detail])
    }

    /// Reads and publishes a source's snapshot (after a commit that changed it).
    @discardableResult
    func publishSnapshot(of id: Int64) throws -> SourceSnapshot {
        let snapshot = try self.snapshot(id)
        hub.publish(.sourceUpdated(snapshot))
        return snapshot
    }
}
