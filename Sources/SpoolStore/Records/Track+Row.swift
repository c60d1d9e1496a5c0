import Foundation
import GRDB

// Every library list, Subsonic reply and podcast feed reads tracks a page at a time (100 to
// 500 rows). Read through Codable, a page of 100 spent 24 % of the server's CPU decoding the
// rows, 14 % converting column names from snake_case (perf, docs/benchmarks.md).

extension Track: PositionalRecord {
    /// Every column of `tracks`, in the table's own order.
    public static let columnNames = [
        "id", "video_id", "source_id", "title", "uploader", "duration", "file_path", "size", "mime_type",
        "thumbnail_path", "info_path", "deleted_at", "trash_path", "created_at", "uploaded_at", "kept",
        "artist", "album", "track_number",
    ]

    /// Reads a row of `columnNames`, by position (further columns of a join are left alone).
    public init(row: Row) throws {
        id = row[0]
        videoId = row[1]
        sourceId = row[2]
        title = row[3]
        uploader = row[4]
        duration = row[5]
        filePath = row[6]
        size = row[7]
        mimeType = row[8]
        thumbnailPath = row[9]
        infoPath = row[10]
        deletedAt = Date(unixSeconds: row[11] as Double?)
        trashPath = row[12]
        createdAt = Date(unixSeconds: row[13])
        uploadedAt = Date(unixSeconds: row[14] as Double?)
        kept = row[15]
        artist = row[16]
        album = row[17]
        trackNumber = row[18]
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["video_id"] = videoId
        container["source_id"] = sourceId
        container["title"] = title
        container["uploader"] = uploader
        container["duration"] = duration
        container["file_path"] = filePath
        container["size"] = size
        container["mime_type"] = mimeType
        container["thumbnail_path"] = thumbnailPath
        container["info_path"] = infoPath
        container["deleted_at"] = deletedAt?.timeIntervalSince1970
        container["trash_path"] = trashPath
        container["created_at"] = createdAt.timeIntervalSince1970
        container["uploaded_at"] = uploadedAt?.timeIntervalSince1970
        container["kept"] = kept
        container["artist"] = artist
        container["album"] = album
        container["track_number"] = trackNumber
    }
}
