import GRDB

/// Each user's per-source sums (migration v13), in the `counts` table beside the row counts of
/// `UserCount`: for every user and source (`noSource` for tracks without one), over the tracks
/// that user may see (not in the trash, not hidden by them), the total of their plays, how many
/// of them they played, the total of their 1–5 stars and how many they starred. They are what
/// `getAlbumList2` orders albums by (`frequent`, `recent`'s stopping point, `highest`):
/// reading them is one range of the primary key per user (a few rows per source), where the
/// sums themselves were a grouped pass over every track (~140–170 ms at 100,000 tracks,
/// docs/benchmarks.md).
///
/// A row of `user_tracks` adds its values to its source's four sums while its track is
/// visible to its user. Every trigger computes the difference a change makes (the old row's
/// contribution subtracted, the new one's added, grouped by counter) and writes only the
/// counters it changes. A play or a rating of a row that stays visible has its own trigger
/// (`changeSums`): it adds 1 to `plays` (and, the first time, to `played_songs`), one counter
/// row write. A hide, a trash, a restore or a track moved to source 0 (its source
/// removed) moves the row's whole contribution. A purged track's rows are subtracted
/// `BEFORE DELETE`, for the reason `UserCounts` gives. A row of a user being removed is not
/// subtracted (its user row is gone; `user_counts_user_delete` removes the user's counters),
/// which also keeps the upsert below from writing a negative counter for them.
///
/// The last play itself is not summed (a maximum cannot be taken back when its track is hidden
/// or trashed); `recent` walks the user's plays newest first instead (`user_tracks_last_played`)
/// and stops once it has seen as many albums as `played_songs` says there are.
extension StoredCounts {
    /// A per-source sum over a user's visible rows.
    public enum UserSum: String, CaseIterable, Sendable {
        /// The total of `play_count`.
        case plays
        /// Rows with a last play.
        case playedSongs = "played_songs"
        /// The total of `stars`.
        case ratingSum = "rating_sum"
        /// Rows with stars.
        case ratedSongs = "rated_songs"

        /// Its value for one user row `ut`.
        var value: String {
            switch self {
            case .plays: "ut.play_count"
            case .playedSongs: "(ut.last_played_at IS NOT NULL)"
            case .ratingSum: "coalesce(ut.stars, 0)"
            case .ratedSongs: "(ut.stars IS NOT NULL)"
            }
        }
    }

    /// What the user rows of `rows` (SQL naming a user row `ut` and its track `t`) add to their
    /// sums, times `sign`: one line per row and sum while the row is visible. The one statement
    /// of the rule: the triggers and the recount use it. The casts give each column the affinity
    /// of its `counts` column (see `userContributions`).
    private static func sumContributions(_ rows: String, sign: Int) -> String {
        let keys = UserSum.allCases.map { "SELECT '\($0.rawValue)' AS key" }.joined(separator: " UNION ALL ")
        let value = "CASE k.key " + UserSum.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.value)" }.joined(separator: " ") + " END"
        return """
            SELECT ut.user_id AS uid, CAST('user:' || ut.user_id AS TEXT) AS scope, CAST(coalesce(t.source_id, 0) AS INTEGER) AS owner,
                   CAST(k.key AS TEXT) AS key, \(sign) * \(value) AS n
            FROM \(rows) CROSS JOIN (\(keys)) k
            WHERE t.deleted_at IS NULL AND ut.hidden_at IS NULL
            """
    }

    /// Adds what `added` contributes and takes away what `removed` did (either may be nil), as
    /// one upsert of the counters that change. Only rows of users that still exist count.
    private static func applySums(adding added: String?, removing removed: String?) -> String {
        let parts = [added.map { sumContributions($0, sign: 1) }, removed.map { sumContributions($0, sign: -1) }].compactMap { $0 }
        // One side alone names each counter once (one row, or one row per user): no grouping.
        // An insert then pays +43 µs for the sums instead of +80 (208 / 245 against 166 µs
        // without them, Python's sqlite3, one transaction per insert, load 6).
        let lines = parts.count == 1 ? parts[0]
            : "SELECT uid, scope, owner, key, sum(n) AS n FROM (\(parts.joined(separator: "\nUNION ALL\n"))) GROUP BY scope, owner, key"
        return """
            INSERT INTO counts (scope, owner, key, n)
            SELECT scope, owner, key, n FROM (\(lines)) WHERE n <> 0 AND EXISTS (SELECT 1 FROM users WHERE users.id = uid)
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + excluded.n;
            """
    }

    /// A trigger's `old` or `new` user row with its track.
    private static func summedRow(_ row: String) -> String {
        """
        (SELECT \(row).user_id AS user_id, \(row).play_count AS play_count, \(row).last_played_at AS last_played_at,
                \(row).stars AS stars, \(row).hidden_at AS hidden_at) ut JOIN tracks t ON t.id = \(row).track_id
        """
    }

    /// Every user row of a trigger's `old` or `new` track.
    private static func summedRowsOfTrack(_ row: String) -> String {
        "(SELECT \(row).source_id AS source_id, \(row).deleted_at AS deleted_at) t JOIN user_tracks ut ON ut.track_id = \(row).id"
    }

    /// A play or a rating of a row that stays where it is (same user, same track, not hidden):
    /// the difference of each sum, without grouping the old and the new row's contributions.
    /// A play pays about 40 µs for it where the general form cost 200 µs (Python's `sqlite3`
    /// with SQLite 3.40.1, one transaction per play, on a loaded machine: 162 against 118 µs
    /// without the sums' triggers).
    private static var changeSums: String {
        let differences = UserSum.allCases.map { sum in
            "SELECT '\(sum.rawValue)' AS key, \(sum.value.replacingOccurrences(of: "ut.", with: "new.")) - \(sum.value.replacingOccurrences(of: "ut.", with: "old.")) AS n"
        }.joined(separator: " UNION ALL ")
        return """
            INSERT INTO counts (scope, owner, key, n)
            SELECT CAST('user:' || new.user_id AS TEXT), CAST(coalesce(t.source_id, 0) AS INTEGER), k.key, k.n
            FROM tracks t CROSS JOIN (\(differences)) k
            WHERE t.id = new.track_id AND t.deleted_at IS NULL AND k.n <> 0
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + excluded.n;
            """
    }

    static var userSumTriggers: String {
        """
        CREATE TRIGGER user_sums_insert AFTER INSERT ON user_tracks BEGIN
            \(applySums(adding: summedRow("new"), removing: nil))
        END;
        CREATE TRIGGER user_sums_delete AFTER DELETE ON user_tracks BEGIN
            \(applySums(adding: nil, removing: summedRow("old")))
        END;
        CREATE TRIGGER user_sums_update AFTER UPDATE OF user_id, track_id, hidden_at ON user_tracks
        WHEN old.user_id <> new.user_id OR old.track_id <> new.track_id OR (old.hidden_at IS NULL) <> (new.hidden_at IS NULL) BEGIN
            \(applySums(adding: summedRow("new"), removing: summedRow("old")))
        END;
        CREATE TRIGGER user_sums_change AFTER UPDATE OF play_count, last_played_at, stars ON user_tracks
        WHEN old.user_id = new.user_id AND old.track_id = new.track_id AND old.hidden_at IS NULL AND new.hidden_at IS NULL
          AND (old.play_count <> new.play_count OR (old.last_played_at IS NULL) <> (new.last_played_at IS NULL)
               OR old.stars IS NOT new.stars) BEGIN
            \(changeSums)
        END;
        CREATE TRIGGER user_sums_track_update AFTER UPDATE OF source_id, deleted_at ON tracks
        WHEN old.source_id IS NOT new.source_id OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
            \(applySums(adding: summedRowsOfTrack("new"), removing: summedRowsOfTrack("old")))
        END;
        CREATE TRIGGER user_sums_track_delete BEFORE DELETE ON tracks BEGIN
            \(applySums(adding: nil, removing: summedRowsOfTrack("old")))
        END;
        """
    }

    /// The names of `userSumTriggers`, for the benchmark that measures the triggers' cost.
    public static let userSumTriggerNames = [
        "user_sums_insert", "user_sums_delete", "user_sums_update", "user_sums_change", "user_sums_track_update", "user_sums_track_delete",
    ]

    static var userSumRecountQuery: String {
        """
        SELECT scope, owner, key, sum(n) FROM (\(sumContributions("user_tracks ut JOIN tracks t ON t.id = ut.track_id", sign: 1)))
        GROUP BY scope, owner, key HAVING sum(n) <> 0
        """
    }

    /// `userId`'s sums, per source (`noSource` included), only those above zero.
    public static func userSums(_ db: Database, _ userId: Int64, _ sums: [UserSum]) throws -> [Int64: [UserSum: Int]] {
        guard !sums.isEmpty else { return [:] }
        var result: [Int64: [UserSum: Int]] = [:]
        let rows = try Row.fetchAll(db, sql: """
            SELECT owner, key, n FROM counts WHERE scope = ? AND key IN (\(sums.map { _ in "?" }.joined(separator: ","))) AND n > 0
            """, arguments: StatementArguments([userScope(userId)] + sums.map(\.rawValue)))
        for row in rows {
            if let sum = UserSum(rawValue: row[1]) { result[row[0], default: [:]][sum] = row[2] }
        }
        return result
    }
}
