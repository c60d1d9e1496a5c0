import GRDB

/// Each user's counters (migration v11), in the `counts` table beside the library's: for every
/// user, source (`noSource`, `everyOwner`) and `UserCount`, how many of that user's
/// `user_tracks` rows are in it. A user's library totals are then the library's counter less or
/// plus a few of these: two primary-key seeks whatever the user hid or liked.
///
/// Before them, a total read the user's own rows (a `user_tracks` join per call): the owner of
/// the benchmark's library (5,000 likes, 1,000 dislikes, 500 hidden of 100,000 tracks) paid a
/// few milliseconds per page, and a user who liked half a big library would have paid a walk of
/// 50,000 rows on every page of the likes.
///
/// The row of a user's counter is `scope = 'user:<id>'`, so a user's counters are one range of
/// the primary key (removed with the user), and `owner` and `key` mean what they mean for the
/// library's rows. Each `user_tracks` row is in at most one counter per owner (`UserCount`), so
/// every trigger moves a row from one counter to another: a rating or hide changes the row's
/// key; a track trashed, restored or moved to another source (its source removed) moves every
/// user's row of it; a track purged takes them away (`BEFORE DELETE`: SQLite deletes the
/// `user_tracks` rows of a deleted track by `ON DELETE CASCADE` after the track row is gone, so
/// their own trigger no longer finds the track and counts nothing). Play counts, positions and
/// stars change none of these counters; plays and stars are summed per source since v13
/// (`UserSums.swift`: a play writes one counter row there).
extension StoredCounts {
    /// What a user's row counts as.
    public enum UserCount: String, CaseIterable, Sendable {
        /// A live track the user hid (whatever its rating).
        case hidden
        /// A live track the user did not hide, liked or disliked.
        case liked, disliked
        /// A track in the trash the user liked or disliked (the trash shows hidden tracks too).
        case trashedLiked = "trashed_liked"
        case trashedDisliked = "trashed_disliked"
    }

    /// The scope of `userId`'s counters.
    static func userScope(_ userId: Int64) -> String { "user:\(userId)" }

    /// The `UserCount` of a user row `ut` of a track `t` (NULL: none).
    private static let userKey = """
        CASE WHEN t.deleted_at IS NULL THEN
            CASE WHEN ut.hidden_at IS NOT NULL THEN 'hidden' WHEN ut.rating = 1 THEN 'liked' WHEN ut.rating = -1 THEN 'disliked' END
        WHEN ut.rating = 1 THEN 'trashed_liked' WHEN ut.rating = -1 THEN 'trashed_disliked' END
        """

    /// The counters the user rows of `rows` (SQL naming a user row `ut` and its track `t`) are
    /// counted in: two per row, the track's source and every source, with a NULL key when the
    /// row counts in none. The one statement of the rule: the triggers and the recount use it.
    /// The casts give each column the affinity of its `counts` column, without which SQLite
    /// seeks a decrement's `IN` list by `scope` alone and walks every counter of the user
    /// (a like, trash or restore then took 3.7 times as long as without the triggers,
    /// `spool-bench triggers`).
    private static func userContributions(_ rows: String) -> String {
        """
        SELECT CAST('user:' || ut.user_id AS TEXT) AS scope,
               CAST(CASE side.every WHEN 1 THEN -1 ELSE coalesce(t.source_id, 0) END AS INTEGER) AS owner,
               CAST(\(userKey) AS TEXT) AS key
        FROM \(rows) CROSS JOIN (SELECT 1 AS every UNION ALL SELECT 0) side
        """
    }

    private static func incrementUsers(_ rows: String) -> String {
        """
        INSERT INTO counts (scope, owner, key, n) SELECT scope, owner, key, 1 FROM (\(userContributions(rows))) WHERE key IS NOT NULL
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + 1;
        """
    }

    /// A row is in at most one counter per owner and the rows of one statement belong to
    /// different users or owners, so no counter appears twice in the `IN` list.
    private static func decrementUsers(_ rows: String) -> String {
        "UPDATE counts SET n = n - 1 WHERE (scope, owner, key) IN (\(userContributions(rows)));"
    }

    /// A trigger's `old` or `new` user row with its track.
    private static func userRow(_ row: String) -> String {
        "(SELECT \(row).user_id AS user_id, \(row).rating AS rating, \(row).hidden_at AS hidden_at) ut JOIN tracks t ON t.id = \(row).track_id"
    }

    /// Every user row of a trigger's `old` or `new` track.
    private static func rowsOfTrack(_ row: String) -> String {
        "(SELECT \(row).source_id AS source_id, \(row).deleted_at AS deleted_at) t JOIN user_tracks ut ON ut.track_id = \(row).id"
    }

    static var userTriggers: String {
        """
        CREATE TRIGGER user_counts_insert AFTER INSERT ON user_tracks BEGIN
            \(incrementUsers(userRow("new")))
        END;
        CREATE TRIGGER user_counts_delete AFTER DELETE ON user_tracks BEGIN
            \(decrementUsers(userRow("old")))
        END;
        CREATE TRIGGER user_counts_update AFTER UPDATE OF user_id, track_id, rating, hidden_at ON user_tracks
        WHEN old.user_id <> new.user_id OR old.track_id <> new.track_id OR old.rating <> new.rating
          OR (old.hidden_at IS NULL) <> (new.hidden_at IS NULL) BEGIN
            \(decrementUsers(userRow("old")))
            \(incrementUsers(userRow("new")))
        END;
        CREATE TRIGGER user_counts_track_update AFTER UPDATE OF source_id, deleted_at ON tracks
        WHEN old.source_id IS NOT new.source_id OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
            \(decrementUsers(rowsOfTrack("old")))
            \(incrementUsers(rowsOfTrack("new")))
        END;
        CREATE TRIGGER user_counts_track_delete BEFORE DELETE ON tracks BEGIN
            \(decrementUsers(rowsOfTrack("old")))
        END;
        CREATE TRIGGER user_counts_user_delete AFTER DELETE ON users BEGIN
            DELETE FROM counts WHERE scope = 'user:' || old.id;
        END;
        CREATE TRIGGER user_counts_source_delete AFTER DELETE ON sources BEGIN
            DELETE FROM counts WHERE scope >= 'user:' AND scope < 'user;' AND owner = old.id;
        END;
        """
    }

    /// The names of `userTriggers`, for the benchmark that measures the triggers' cost.
    public static let userTriggerNames = [
        "user_counts_insert", "user_counts_delete", "user_counts_update", "user_counts_track_update",
        "user_counts_track_delete", "user_counts_user_delete", "user_counts_source_delete",
    ]

    static var userRecountQuery: String {
        """
        SELECT scope, owner, key, count(*) FROM (\(userContributions("user_tracks ut JOIN tracks t ON t.id = ut.track_id")))
        WHERE key IS NOT NULL GROUP BY scope, owner, key
        """
    }

    /// `userId`'s counters of one source (`noSource`, `everyOwner`).
    public static func user(_ db: Database, _ userId: Int64, owner: Int64 = everyOwner) throws -> [UserCount: Int] {
        var counts: [UserCount: Int] = [:]
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT key, n FROM counts WHERE scope = ? AND owner = ?"), arguments: [userScope(userId), owner])
        for row in rows {
            if let key = UserCount(rawValue: row[0]) { counts[key] = row[1] }
        }
        return counts
    }
}
