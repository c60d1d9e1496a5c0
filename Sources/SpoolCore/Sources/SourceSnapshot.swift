import Foundation
import GRDB
import SpoolJobs
import SpoolStore

/// How many of a source's videos are where. `SourceCounts.read` is the one query that
/// counts them.
public struct SourceCounts: Sendable, Equatable, Codable {
    /// Entries the last sync listed, or the tracks, whichever is larger.
    public var videos: Int
    public var downloaded: Int
    /// Downloads queued or running.
    public var queued: Int
    /// Downloads that ended badly and wait for the user.
    public var failed: Int
    /// Entries not downloaded on purpose (a filter, "only new from now on").
    public var skipped: Int

    public init(videos: Int, downloaded: Int, queued: Int, failed: Int, skipped: Int) {
        self.videos = videos
        self.downloaded = downloaded
        self.queued = queued
        self.failed = failed
        self.skipped = skipped
    }

    /// The counts of one source, from the counters the triggers keep (`StoredCounts`): a
    /// few primary-key rows instead of counting its jobs, tracks and entries (the sources list
    /// did that for every source on every call: 75 ms, 879 ms p99, at 500 sources and 300,000
    /// jobs).
    static func read(_ db: Database, sourceId: Int64, videoCount: Int) throws -> SourceCounts {
        SourceCounts(counters: try StoredCounts.owners(db, [sourceId])[sourceId] ?? [:], videoCount: videoCount)
    }

    /// The counts from a source's counter rows (`scope/key` → n, see `StoredCounts`).
    init(counters: [String: Int], videoCount: Int) {
        func jobs(_ statuses: Set<JobStatus>) -> Int {
            statuses.reduce(0) { $0 + (counters["jobs/\(JobKind.download.rawValue):\($1.rawValue)"] ?? 0) }
        }
        let downloaded = counters["tracks/live"] ?? 0
        self.init(videos: max(videoCount, downloaded), downloaded: downloaded, queued: jobs(JobStatus.active),
                  failed: jobs(JobStatus.needsAttention), skipped: counters["skipped/"] ?? 0)
    }
}

/// A source with its counts and rules, as a moment in time: what the API lists and what the
/// live feed sends, so no reader needs the database again.
public struct SourceSnapshot: Sendable, Equatable {
    public var source: Source
    public var counts: SourceCounts
    /// The last sync's summary, decoded.
    public var lastSync: SyncSummary?
    public var filters: SourceFilters?
    public var retention: RetentionRules?

    init(source: Source, counts: SourceCounts) {
        self.source = source
        self.counts = counts
        self.lastSync = source.lastSyncSummary.flatMap(SyncSummary.init(json:))
        self.filters = SourceFilters.decode(source.filters)
        self.retention = RetentionRules.decode(source.retention)
    }

    static func read(_ db: Database, id: Int64) throws -> SourceSnapshot? {
        guard let source = try Source.fetchOne(db, key: id) else { return nil }
        return SourceSnapshot(source: source, counts: try SourceCounts.read(db, sourceId: id, videoCount: source.videoCount))
    }

    /// One page of sources, newest first, with their counts (one read of the counters for the
    /// whole page).
    static func page(_ db: Database, after cursor: PageCursor?, limit: Int) throws -> ListPage<SourceSnapshot> {
        let query = pageQuery(after: cursor, limit: limit)
        let sources = try Source.fetchAll(db, sql: query.sql, arguments: query.arguments)
        let counters = try StoredCounts.owners(db, sources.compactMap(\.id))
        let snapshots = sources.map { source in
            SourceSnapshot(source: source, counts: SourceCounts(counters: counters[source.id ?? 0] ?? [:], videoCount: source.videoCount))
        }
        // Sources are few (hundreds): counting them is cheap, unlike tracks or jobs.
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM sources") ?? 0
        return ListPage(snapshots, limit: limit, total: total) { PageCursor(id: $0.source.id ?? 0) }
    }

    static func pageQuery(after cursor: PageCursor?, limit: Int) -> ListQuery {
        ListQuery("SELECT \(Source.columnList) FROM sources \(cursor == nil ? "" : "WHERE id < ?") ORDER BY id DESC LIMIT ?",
                  (cursor.map { [$0.id] } ?? []) + [limit + 1])
    }
}

/// What one sync did: shown per source, logged, and kept as `sources.last_sync_summary`.
public struct SyncSummary: Sendable, Equatable, Codable {
    /// Entries read from the listing.
    public var read: Int
    /// Entries queued for download.
    public var new: Int
    /// Entries Spool already had (downloaded, queued, deleted by the user, or failed before).
    public var known: Int
    /// New entries not downloaded on purpose (filters, "only new from now on"); by reason.
    public var skipped: [String: Int]?
    /// Lines of the listing that could not be read (logged and skipped).
    public var unreadable: Int
    /// True for a full re-list; false when the re-sync stopped at the first run of known entries.
    public var full: Bool
    /// The listing was stopped after `stopAfterKnown` known entries in a row.
    public var stoppedEarly: Bool
    public var seconds: Double

    public init(read: Int, new: Int, known: Int, skipped: [String: Int]? = nil, unreadable: Int, full: Bool, stoppedEarly: Bool, seconds: Double) {
        self.read = read
        self.new = new
        self.known = known
        self.skipped = skipped
        self.unreadable = unreadable
        self.full = full
        self.stoppedEarly = stoppedEarly
        self.seconds = seconds
    }

    init?(json: String) {
        guard let value = try? JSONDecoder().decode(SyncSummary.self, from: Data(json.utf8)) else { return nil }
        self = value
    }

    var json: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
