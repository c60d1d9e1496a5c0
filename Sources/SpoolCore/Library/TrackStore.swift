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
            existing.artist = track.artist ?? existing.artist
            existing.album = track.album ?? existing.album
            existing.trackNumber = track.trackNumber ?? existing.trackNumber
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

    /// Inserts a track adopted from a file that was already on disk (a library import), unless
    /// Spool knows the video: a row (in the trash too) or a tombstone (the user deleted it).
    /// Returns nil then, and changes nothing: an import never revives or overwrites a track.
    static func insertAdopted(_ track: Track, _ db: Database) throws -> Track? {
        guard try Track.filter(Column("video_id") == track.videoId).fetchCount(db) == 0,
              try !Tombstone.exists(db, key: track.videoId) else { return nil }
        var row = track
        try row.insert(db)
        return row
    }

    /// Marks a track as deleted (its files are moved by the caller, after the commit) and
    /// tombstones its video so re-syncs skip it. Nil when it is missing or already trashed.
    ///
    /// The trash writes (this, `unmarkTrashed`, `deleteTrashed`) are cached statements that
    /// name only the columns they change: preparing a write of `deleted_at` compiles the
    /// counters' triggers into it (v11: the library's and every user's), and writing every
    /// column (a record's `update`) also fired the search index's `UPDATE OF title, uploader`
    /// trigger, which re-indexed the title on each trash and restore: 1,139 against 737 µs per
    /// write, commit included, and 1,610 prepared anew (100,000 tracks, Python's sqlite3;
    /// docs/benchmarks.md, "Search and trash writes").
    static func markTrashed(_ id: Int64, trashPath: String, _ db: Database, now: Date = Date()) throws -> Track? {
        try db.cachedStatement(sql: "UPDATE tracks SET deleted_at = ?, trash_path = ? WHERE id = ? AND deleted_at IS NULL")
            .execute(arguments: [now.timeIntervalSince1970, trashPath, id])
        guard db.changesCount > 0, let track = try fetch(id, db) else { return nil }
        try Tombstone(videoId: track.videoId, sourceId: track.sourceId, title: track.title, deletedAt: now).save(db)
        return track
    }

    /// Undoes `markTrashed` (a failed file move, or the user's restore: then `keep` marks the
    /// track as one the user wants, which retention rules leave alone).
    static func unmarkTrashed(_ id: Int64, keep: Bool = false, _ db: Database) throws -> Track? {
        try db.cachedStatement(sql: """
            UPDATE tracks SET deleted_at = NULL, trash_path = NULL, kept = CASE WHEN ? THEN 1 ELSE kept END
            WHERE id = ? AND deleted_at IS NOT NULL
            """).execute(arguments: [keep, id])
        guard db.changesCount > 0, let track = try fetch(id, db) else { return nil }
        try db.cachedStatement(sql: "DELETE FROM tombstones WHERE video_id = ?").execute(arguments: [track.videoId])
        return track
    }

    /// Deletes the rows of trashed tracks among `ids` (a restore may have won a race) and
    /// returns them. Tombstones stay, so re-syncs still skip the videos. One cached `DELETE`
    /// per track: a `DELETE … WHERE id IN (…)` of the batch was prepared anew for every batch,
    /// compiled with every delete trigger and foreign key action of `tracks` (its search entry,
    /// counters, play events, user rows, playlist entries).
    static func deleteTrashed(_ ids: [Int64], _ db: Database) throws -> [Track] {
        let still = try Track.fetchAll(db, keys: ids).filter { $0.deletedAt != nil }
        let delete = try db.cachedStatement(sql: "DELETE FROM tracks WHERE id = ?")
        for track in still { try delete.execute(arguments: [track.id]) }
        return still
    }

    /// One track's row, by a cached statement.
    private static func fetch(_ id: Int64, _ db: Database) throws -> Track? {
        try Track.fetchOne(db.cachedStatement(sql: "SELECT * FROM tracks WHERE id = ?"), arguments: [id])
    }

    /// Deletes every track of a channel; returns every file they had (library-relative).
    static func deleteTracks(ofSource sourceId: Int64, _ db: Database) throws -> [String] {
        let tracks = try Track.filter(Column("source_id") == sourceId).fetchAll(db)
        try Track.filter(Column("source_id") == sourceId).deleteAll(db)
        return tracks.flatMap(Library.files(of:))
    }

    /// The first step of a rename (`LibraryRenames`): the row takes its new paths (`renamed`)
    /// and the journal records the moves the files still need, in one transaction.
    static func beginMove(_ id: Int64, files renamed: Track, journal: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE tracks SET file_path = ?, thumbnail_path = ?, info_path = ? WHERE id = ?",
                       arguments: [renamed.filePath, renamed.thumbnailPath, renamed.infoPath, id])
        try db.execute(sql: "INSERT OR REPLACE INTO file_moves (track_id, moves, created_at) VALUES (?, ?, ?)",
                       arguments: [id, journal, Date().timeIntervalSince1970])
    }

    /// A rename whose files could not move: the row gets its old paths back.
    static func undoMove(_ id: Int64, files original: Track, _ db: Database) throws {
        try db.execute(sql: "UPDATE tracks SET file_path = ?, thumbnail_path = ?, info_path = ? WHERE id = ?",
                       arguments: [original.filePath, original.thumbnailPath, original.infoPath, id])
        try endMove(id, db)
    }

    /// The files are where the row says: the journal entry goes.
    static func endMove(_ id: Int64, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM file_moves WHERE track_id = ?", arguments: [id])
    }
}
