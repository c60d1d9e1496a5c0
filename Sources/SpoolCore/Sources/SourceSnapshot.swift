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

    /// What each count sums of a source's counter rows (`StoredCounts`), in `init(sums:)`'s order.
    static let sums: [StoredCounts.Sum] = [
        StoredCounts.Sum(scope: "tracks", keys: ["live"]),
        .jobs(JobKind.download.rawValue, JobStatus.active),
        .jobs(JobKind.download.rawValue, JobStatus.needsAttention),
        StoredCounts.Sum(scope: "skipped", keys: [""]),
    ]

    /// The counts of sources, from the counters the triggers keep (`StoredCounts`): a few
    /// primary-key seeks per source instead of counting its jobs, tracks and entries (the
    /// sources list did that for every source on every call: 75 ms, 879 ms p99, at 500 sources
    /// and 300,000 jobs). `videoCounts` are the sources' `video_count`s.
    static func read(_ db: Database, videoCounts: [Int64: Int]) throws -> [Int64: SourceCounts] {
        let sums = try StoredCounts.sums(db, owners: Array(videoCounts.keys), Self.sums)
        return videoCounts.reduce(into: [:]) { counts, source in
            counts[source.key] = SourceCounts(sums: sums[source.key] ?? [0, 0, 0, 0], videoCount: source.value)
        }
    }

    private init(sums: [Int], videoCount: Int) {
        let downloaded = sums[0]
        self.init(videos: max(videoCount, downloaded), downloaded: downloaded, queued: sums[1], failed: sums[2], skipped: sums[3])
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
        self.lastSync = Self.decodedSummaries.value(of: source.lastSyncSummary)
        self.filters = Self.decodedFilters.value(of: source.filters)
        self.retention = Self.decodedRetention.value(of: source.retention)
    }

    // Twice the 500 sources of a large household: each source has at most one text of each.
    private static let decodedSummaries = DecodedJSONMemo(capacity: 1_024) { SyncSummary(json: $0) }
    private static let decodedFilters = DecodedJSONMemo(capacity: 1_024) { SourceFilters.decode($0) }
    private static let decodedRetention = DecodedJSONMemo(capacity: 1_024) { RetentionRules.decode($0) }

    static func read(_ db: Database, id: Int64) throws -> SourceSnapshot? {
        guard let source = try Source.fetchOne(db, key: id) else { return nil }
        return SourceSnapshot(source: source, counts: try SourceCounts.read(db, videoCounts: [id: source.videoCount])[id]!)
    }

    /// One page of sources, newest first, with their counts (one read of the counters for the
    /// whole page).
    static func page(_ db: Database, after cursor: PageCursor?, limit: Int) throws -> ListPage<SourceSnapshot> {
        let query = pageQuery(after: cursor, limit: limit)
        let sources = try Source.fetchAll(db, sql: query.sql, arguments: query.arguments)
        let counts = try SourceCounts.read(db, videoCounts: Dictionary(uniqueKeysWithValues: sources.map { ($0.id ?? 0, $0.videoCount) }))
        let snapshots = sources.map { source in SourceSnapshot(source: source, counts: counts[source.id ?? 0]!) }
        return ListPage(snapshots, limit: limit, total: try count(db)) { PageCursor(id: $0.source.id ?? 0) }
    }

    /// How many sources there are. Sources are few (hundreds): counting them is cheap, unlike
    /// tracks or jobs.
    static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM sources")) ?? 0
    }

    /// A page of sources' `columns`, newest first: the full list's and the names' (`SourceName`).
    static func pageQuery(columns: String = Source.columnList, after cursor: PageCursor?, limit: Int) -> ListQuery {
        ListQuery("SELECT \(columns) FROM sources \(cursor == nil ? "" : "WHERE id < ?") ORDER BY id DESC LIMIT ?",
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
