import Foundation
import GRDB

// The sources list reads every source of a page (up to 500) on each call. GRDB's Codable path
// converted each column name from snake_case for every column of every row: 50 % of the list's
// CPU at 500 sources (28 % the name conversion alone; perf, docs/benchmarks.md). These
// hand-written mappings read the same columns, by position, with the same REAL-seconds dates.

extension Source: PositionalRecord {
    /// Every column of `sources`, in the table's own order (`RecordMappingTests` holds the two
    /// together), so `SELECT *`, `columnList` and GRDB's requests all give rows that
    /// `init(row:)` reads by position.
    public static let columnNames = [
        "id", "url", "title", "remote_id", "state", "sync_interval_seconds", "video_count", "added_at",
        "last_synced_at", "next_sync_at", "last_error", "last_sync_summary", "last_full_sync_at", "kind",
        "profile_id", "paused", "filters", "retention", "baseline_pending", "last_error_class",
        "last_error_detail", "url_key",
    ]

    /// `columnNames` for SQL: `SELECT \(Source.columnList) FROM sources`.
    public static let columnList = columnNames.joined(separator: ", ")

    /// Reads a row of `columnNames`, by position.
    public init(row: Row) throws {
        id = row[0]
        url = row[1]
        title = row[2]
        remoteId = row[3]
        state = row[4]
        syncIntervalSeconds = row[5]
        videoCount = row[6]
        addedAt = Date(unixSeconds: row[7])
        lastSyncedAt = Date(unixSeconds: row[8] as Double?)
        nextSyncAt = Date(unixSeconds: row[9] as Double?)
        lastError = row[10]
        lastSyncSummary = row[11]
        lastFullSyncAt = Date(unixSeconds: row[12] as Double?)
        kind = row[13]
        profileId = row[14]
        paused = row[15]
        filters = row[16]
        retention = row[17]
        baselinePending = row[18]
        lastErrorClass = row[19]
        lastErrorDetail = row[20]
        urlKey = row[21]
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["url"] = url
        container["title"] = title
        container["remote_id"] = remoteId
        container["state"] = state
        container["sync_interval_seconds"] = syncIntervalSeconds
        container["video_count"] = videoCount
        container["added_at"] = addedAt.timeIntervalSince1970
        container["last_synced_at"] = lastSyncedAt?.timeIntervalSince1970
        container["next_sync_at"] = nextSyncAt?.timeIntervalSince1970
        container["last_error"] = lastError
        container["last_sync_summary"] = lastSyncSummary
        container["last_full_sync_at"] = lastFullSyncAt?.timeIntervalSince1970
        container["kind"] = kind
        container["profile_id"] = profileId
        container["paused"] = paused
        container["filters"] = filters
        container["retention"] = retention
        container["baseline_pending"] = baselinePending
        container["last_error_class"] = lastErrorClass
        container["last_error_detail"] = lastErrorDetail
        container["url_key"] = urlKey
    }
}
