import Foundation
import GRDB
import SpoolStore

/// The only code that writes `tracks` rows. Each function runs inside a write transaction its
/// caller opened (a download's completion, a trash operation, a telemetry batch), so the row
/// changes with whatever else that transaction commits.
///
/// ```swift
/// try database.write { db in try TrackStore.setRating(1, of: id, db) }
/// ```
enum TrackStore {
    /// Inserts a downloaded track, or refreshes the row of a video downloaded before (a
    /// re-download keeps its likes, counts and history, and leaves the trash).
    static func insertOrRefresh(_ track: Track, _ db: Database) throws -> Track {
        if var existing = try Track.filter(Column("video_id") == track.videoId).fetchOne(db) {
            existing.filePath = track.filePath
            existing.size = track.size
            existing.mimeType = track.mimeType
            existing.duration = track.duration ?? existing.duration
            existing.thumbnailPath = track.thumbnailPath ?? existing.thumbnailPath
            existing.infoPath = track.infoPath ?? existing.infoPath
            existing.sourceId = track.sourceId ?? existing.sourceId
            existing.uploadedAt = track.uploadedAt ?? existing.uploadedAt
            existing.deletedAt = nil
            existing.trashPath = nil
            try existing.update(db)
            try Tombstone.deleteOne(db, key: existing.videoId)
            return existing
        }
        var row = track
        try row.insert(db)
        return row
    }

    /// Marks a track as deleted (its files are moved by the caller, after the commit) and
    /// tombstones its video so re-syncs skip it. Nil when it is missing or already trashed.
    static func markTrashed(_ id: Int64, trashPath: String, _ db: Database, now: Date = Date()) throws -> Track? {
        guard var track = try Track.fetchOne(db, key: id), track.deletedAt == nil else { return nil }
        track.deletedAt = now
        track.trashPath = trashPath
        try track.update(db)
        try Tombstone(videoId: track.videoId, sourceId: track.sourceId, title: track.title, deletedAt: now).save(db)
        return track
    }

    /// Undoes `markTrashed` (a failed file move, or the user's restore: then `keep` marks the
    /// track as one the user wants, which retention rules leave alone).
    static func unmarkTrashed(_ id: Int64, keep: Bool = false, _ db: Database) throws -> Track? {
        guard var track = try Track.fetchOne(db, key: id), track.deletedAt != nil else { return nil }
        track.deletedAt = nil
        track.trashPath = nil
        if keep { track.kept = true }
        try track.update(db)
        try Tombstone.deleteOne(db, key: track.videoId)
        return track
    }

    /// Deletes the rows of trashed tracks among `ids` (a restore may have won a race) and
    /// returns them. Tombstones stay, so re-syncs still skip the videos.
    static func deleteTrashed(_ ids: [Int64], _ db: Database) throws -> [Track] {
        let still = try Track.fetchAll(db, keys: ids).filter { $0.deletedAt != nil }
        try Track.deleteAll(db, keys: still.compactMap(\.id))
        return still
    }

    /// Deletes every track of a channel; returns every file they had (library-relative).
    static func deleteTracks(ofSource sourceId: Int64, _ db: Database) throws -> [String] {
        let tracks = try Track.filter(Column("source_id") == sourceId).fetchAll(db)
        try Track.filter(Column("source_id") == sourceId).deleteAll(db)
        return tracks.flatMap(Library.files(of:))
    }

    /// Like (+1), clear (0), dislike (−1). A like records when, which orders the likes
    /// playlist; re-liking keeps the original time so the order is stable. False when the
    /// track does not exist.
    static func setRating(_ value: Int, of id: Int64, _ db: Database) throws -> Bool {
        guard var track = try Track.fetchOne(db, key: id) else { return false }
        guard track.rating != value else { return true }
        track.rating = value
        track.likedAt = value == 1 ? (track.likedAt ?? Date()) : nil
        try track.update(db)
        return true
    }

    /// Play count, skip count, last position and last played time follow from telemetry.
    static func applyPlayback(_ type: PlayEventType, position: Double?, to id: Int64, _ db: Database, now: Double) throws {
        switch type {
        case .play:
            try db.cachedStatement(sql: "UPDATE tracks SET play_count = play_count + 1, last_played_at = ? WHERE id = ?")
                .execute(arguments: [now, id])
        case .skip:
            try db.cachedStatement(sql: "UPDATE tracks SET skip_count = skip_count + 1 WHERE id = ?")
                .execute(arguments: [id])
        case .pause, .seek:
            if let position {
                try db.cachedStatement(sql: "UPDATE tracks SET last_position = ? WHERE id = ?")
                    .execute(arguments: [position, id])
            }
        case .ended:
            try db.cachedStatement(sql: "UPDATE tracks SET last_position = 0 WHERE id = ?")
                .execute(arguments: [id])
        default:
            break
        }
    }
}
