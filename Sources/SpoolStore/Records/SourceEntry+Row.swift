import Foundation
import GRDB

// A source's entries page reads 100 entries a call, and a sync writes thousands of them: GRDB's
// Codable path converts each column name from snake_case for every column of every row (as it
// did for sources and tracks, Source+Row.swift). This mapping reads the same columns by position,
// with the same REAL-seconds dates.

extension SourceEntry: PositionalRecord {
    /// Every column of `source_entries`, in the table's own order (`RecordMappingTests` holds the
    /// two together), so `SELECT *`, `SELECT e.*, …` and GRDB's requests give rows that
    /// `init(row:)` reads by position.
    public static let columnNames = [
        "id", "source_id", "video_id", "url", "position", "title", "duration", "uploaded_at",
        "first_seen_at", "last_seen_at", "skip_reason",
    ]

    /// Reads a row that starts with `columnNames`, by position (what follows is the caller's).
    public init(row: Row) throws {
        id = row[0]
        sourceId = row[1]
        videoId = row[2]
        url = row[3]
        position = row[4]
        title = row[5]
        duration = row[6]
        uploadedAt = Date(unixSeconds: row[7] as Double?)
        firstSeenAt = Date(unixSeconds: row[8])
        lastSeenAt = Date(unixSeconds: row[9])
        skipReason = row[10]
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["source_id"] = sourceId
        container["video_id"] = videoId
        container["url"] = url
        container["position"] = position
        container["title"] = title
        container["duration"] = duration
        container["uploaded_at"] = uploadedAt?.timeIntervalSince1970
        container["first_seen_at"] = firstSeenAt.timeIntervalSince1970
        container["last_seen_at"] = lastSeenAt.timeIntervalSince1970
        container["skip_reason"] = skipReason
    }
}
