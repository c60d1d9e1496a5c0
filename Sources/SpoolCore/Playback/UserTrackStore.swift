import Foundation
import GRDB
import SpoolStore

/// The only code that writes `user_tracks` rows: each user's rating, counts, resume position
/// and own deletions of the shared tracks. Like `TrackStore`, each function runs inside a write
/// transaction its caller opened.
///
/// ```swift
/// try database.write { db in try UserTrackStore.setRating(1, of: trackId, for: userId, db) }
/// ```
enum UserTrackStore {
    /// Creates the user's row of a track if it has none (rating 0, no plays).
    private static func ensureRow(_ trackId: Int64, _ userId: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO user_tracks (user_id, track_id) VALUES (?, ?)")
            .execute(arguments: [userId, trackId])
    }

    /// Like (+1), clear (0), dislike (−1). A like records when, which orders the user's likes
    /// playlist; liking again keeps the first time, so the order is stable. False when the
    /// track does not exist.
    static func setRating(_ value: Int, of trackId: Int64, for userId: Int64, _ db: Database, now: Date = Date()) throws -> Bool {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tracks WHERE id = ?", arguments: [trackId]) == true else { return false }
        try ensureRow(trackId, userId, db)
        // Cached: preparing an UPDATE of `rating` or `hidden_at` compiles the counters' triggers
        // into it (`StoredCounts.userTriggers`), most of such a write's cost when done anew each time.
        try db.cachedStatement(sql: """
            UPDATE user_tracks SET rating = ?1,
                liked_at = CASE WHEN ?1 = 1 THEN coalesce(liked_at, ?2) ELSE NULL END
            WHERE user_id = ?3 AND track_id = ?4
            """).execute(arguments: [value, now.timeIntervalSince1970, userId, trackId])
        return true
    }

    /// A 1–5 star rating (Subsonic's `setRating`), or nil to clear it. Independent of the
    /// like/dislike `rating`. False when the track does not exist.
    static func setStars(_ stars: Int?, of trackId: Int64, for userId: Int64, _ db: Database) throws -> Bool {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tracks WHERE id = ?", arguments: [trackId]) == true else { return false }
        try ensureRow(trackId, userId, db)
        try db.execute(sql: "UPDATE user_tracks SET stars = ? WHERE user_id = ? AND track_id = ?", arguments: [stars, userId, trackId])
        return true
    }

    /// Sets the resume position (a Subsonic bookmark), or clears it with nil. False when the
    /// track does not exist.
    static func setPosition(_ seconds: Double?, of trackId: Int64, for userId: Int64, _ db: Database, now: Date = Date()) throws -> Bool {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tracks WHERE id = ?", arguments: [trackId]) == true else { return false }
        try ensureRow(trackId, userId, db)
        try db.execute(sql: "UPDATE user_tracks SET last_position = ?, position_at = ? WHERE user_id = ? AND track_id = ?",
                       arguments: [seconds, seconds == nil ? nil : now.timeIntervalSince1970, userId, trackId])
        return true
    }

    /// Hides a track from one user's lists (a listener's delete), or shows it again.
    static func setHidden(_ hidden: Bool, _ trackId: Int64, for userId: Int64, _ db: Database, now: Date = Date()) throws -> Bool {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tracks WHERE id = ?", arguments: [trackId]) == true else { return false }
        try ensureRow(trackId, userId, db)
        try db.cachedStatement(sql: "UPDATE user_tracks SET hidden_at = ? WHERE user_id = ? AND track_id = ?")
            .execute(arguments: [hidden ? now.timeIntervalSince1970 : nil, userId, trackId])   // cached: see setRating
        return true
    }

    /// Play count, skip count, last position and last play follow from one user's telemetry.
    static func applyPlayback(_ type: PlayEventType, position: Double?, to trackId: Int64, for userId: Int64, _ db: Database, now: Double) throws {
        let sql: String
        var arguments: StatementArguments
        switch type {
        case .play:
            sql = "UPDATE user_tracks SET play_count = play_count + 1, last_played_at = ? WHERE user_id = ? AND track_id = ?"
            arguments = [now]
        case .skip:
            sql = "UPDATE user_tracks SET skip_count = skip_count + 1 WHERE user_id = ? AND track_id = ?"
            arguments = []
        case .pause, .seek:
            guard let position else { return }
            sql = "UPDATE user_tracks SET last_position = ?, position_at = ? WHERE user_id = ? AND track_id = ?"
            arguments = [position, now]
        case .ended:
            sql = "UPDATE user_tracks SET last_position = 0, position_at = ? WHERE user_id = ? AND track_id = ?"
            arguments = [now]
        default:
            return
        }
        try ensureRow(trackId, userId, db)
        arguments += [userId, trackId]
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
