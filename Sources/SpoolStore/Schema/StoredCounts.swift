import Foundation
import GRDB

/// The counts Spool shows everywhere — jobs per status (`/api/health`, `/metrics`, the jobs
/// page), a source's downloaded / queued / failed / skipped, the library's totals — kept in the
/// `counts` table by triggers on `jobs`, `tracks` and `source_entries`, so they change in the
/// same transaction as the rows they count and reading one is a primary-key seek.
///
/// Counting instead was the cost that grew with the data: at 300,000 jobs the health report's
/// `GROUP BY status` took 52 ms (134 under load) each time it was rebuilt, and the sources
/// list aggregated every job and track of each source on every call (75 ms, 879 ms p99, for
/// 500 sources). A trigger costs a counter row update per changed row (measured with
/// `spool-bench triggers`, docs/benchmarks.md).
///
/// One row per (scope, owner, key):
///
/// | scope | owner | key | counts |
/// |---|---|---|---|
/// | `jobs` | a source id, `0` (no source), `-1` (all) | `<kind>:<status>` | jobs |
/// | `tracks` | a source id, `0` (no source), `-1` (all) | `live` or `trashed` | tracks |
/// | `skipped` | a source id | empty | entries with a `skip_reason` |
/// | `user:<user id>` | a source id, `0`, `-1` | a `UserCount` | that user's rows of `user_tracks` (v11) |
/// | `user:<user id>` | a source id, `0` | a `UserSum` | plays and stars of that user's visible rows (v13) |
///
/// `recount` computes the same rows from scratch; a test compares the two after a random
/// workload, and `rebuild` replaces the stored rows with it (the migration that introduced them).
public enum StoredCounts {
    /// The owner of the whole-library and all-jobs rows.
    public static let everyOwner: Int64 = -1
    /// The owner of rows without a source (a track imported alone, a rename job).
    public static let noSource: Int64 = 0

    /// A counter's address.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        public var scope: String
        public var owner: Int64
        public var key: String

        public var description: String { "\(scope)/\(owner)/\(key)" }
    }

    static let table = """
        CREATE TABLE counts (
            scope TEXT NOT NULL,
            owner INTEGER NOT NULL,
            key TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (scope, owner, key)
        ) WITHOUT ROWID
        """

    /// The triggers. A decrement is a plain UPDATE (the row exists since its increment); an
    /// increment is an upsert. A source's rows go with the source (its jobs and tracks lose the
    /// reference first, through their own update triggers, so the rows are at zero by then).
    static let triggers = """
        CREATE TRIGGER counts_job_insert AFTER INSERT ON jobs BEGIN
            INSERT INTO counts (scope, owner, key, n) VALUES
                ('jobs', -1, new.kind || ':' || new.status, 1),
                ('jobs', coalesce(new.source_id, 0), new.kind || ':' || new.status, 1)
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER counts_job_delete AFTER DELETE ON jobs BEGIN
            UPDATE counts SET n = n - 1
            WHERE scope = 'jobs' AND owner IN (-1, coalesce(old.source_id, 0)) AND key = old.kind || ':' || old.status;
        END;
        CREATE TRIGGER counts_job_update AFTER UPDATE OF kind, status, source_id ON jobs
        WHEN old.kind IS NOT new.kind OR old.status IS NOT new.status OR old.source_id IS NOT new.source_id BEGIN
            UPDATE counts SET n = n - 1
            WHERE scope = 'jobs' AND owner IN (-1, coalesce(old.source_id, 0)) AND key = old.kind || ':' || old.status;
            INSERT INTO counts (scope, owner, key, n) VALUES
                ('jobs', -1, new.kind || ':' || new.status, 1),
                ('jobs', coalesce(new.source_id, 0), new.kind || ':' || new.status, 1)
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER counts_track_insert AFTER INSERT ON tracks BEGIN
            INSERT INTO counts (scope, owner, key, n) VALUES
                ('tracks', -1, CASE WHEN new.deleted_at IS NULL THEN 'live' ELSE 'trashed' END, 1),
                ('tracks', coalesce(new.source_id, 0), CASE WHEN new.deleted_at IS NULL THEN 'live' ELSE 'trashed' END, 1)
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER counts_track_delete AFTER DELETE ON tracks BEGIN
            UPDATE counts SET n = n - 1
            WHERE scope = 'tracks' AND owner IN (-1, coalesce(old.source_id, 0))
              AND key = CASE WHEN old.deleted_at IS NULL THEN 'live' ELSE 'trashed' END;
        END;
        CREATE TRIGGER counts_track_update AFTER UPDATE OF source_id, deleted_at ON tracks
        WHEN old.source_id IS NOT new.source_id OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
            UPDATE counts SET n = n - 1
            WHERE scope = 'tracks' AND owner IN (-1, coalesce(old.source_id, 0))
              AND key = CASE WHEN old.deleted_at IS NULL THEN 'live' ELSE 'trashed' END;
            INSERT INTO counts (scope, owner, key, n) VALUES
                ('tracks', -1, CASE WHEN new.deleted_at IS NULL THEN 'live' ELSE 'trashed' END, 1),
                ('tracks', coalesce(new.source_id, 0), CASE WHEN new.deleted_at IS NULL THEN 'live' ELSE 'trashed' END, 1)
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER counts_entry_insert AFTER INSERT ON source_entries WHEN new.skip_reason IS NOT NULL BEGIN
            INSERT INTO counts (scope, owner, key, n) VALUES ('skipped', new.source_id, '', 1)
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER counts_entry_delete AFTER DELETE ON source_entries WHEN old.skip_reason IS NOT NULL BEGIN
            UPDATE counts SET n = n - 1 WHERE scope = 'skipped' AND owner = old.source_id AND key = '';
        END;
        CREATE TRIGGER counts_entry_update AFTER UPDATE OF skip_reason, source_id ON source_entries
        WHEN (old.skip_reason IS NULL) <> (new.skip_reason IS NULL) OR old.source_id IS NOT new.source_id BEGIN
            UPDATE counts SET n = n - 1 WHERE old.skip_reason IS NOT NULL AND scope = 'skipped' AND owner = old.source_id AND key = '';
            INSERT INTO counts (scope, owner, key, n) SELECT 'skipped', new.source_id, '', 1 WHERE new.skip_reason IS NOT NULL
            ON CONFLICT (scope, owner, key) DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER counts_source_delete AFTER DELETE ON sources BEGIN
            DELETE FROM counts WHERE scope IN ('jobs', 'tracks', 'skipped') AND owner = old.id;
        END;
        """

    /// The names of the triggers above, for the benchmark that measures their cost.
    public static let triggerNames = [
        "counts_job_insert", "counts_job_delete", "counts_job_update",
        "counts_track_insert", "counts_track_delete", "counts_track_update",
        "counts_entry_insert", "counts_entry_delete", "counts_entry_update", "counts_source_delete",
    ]

    /// Every counter computed from the rows themselves (full scans: for tests, repairs and
    /// the migrations, never for a request).
    static var recountQuery: String { recountQuery(userSums: true) }

    /// `userSums`: with each user's sums (v13), which the migrations before it cannot count
    /// (`user_tracks.stars` arrived in v10, after v9's rebuild).
    static func recountQuery(userSums: Bool) -> String {
        [libraryRecountQuery, userRecountQuery, userSums ? userSumRecountQuery : nil].compactMap { $0 }.joined(separator: "\nUNION ALL\n")
    }

    static let libraryRecountQuery = """
        SELECT 'jobs' AS scope, -1 AS owner, kind || ':' || status AS key, count(*) AS n FROM jobs GROUP BY kind, status
        UNION ALL
        SELECT 'jobs', coalesce(source_id, 0), kind || ':' || status, count(*) FROM jobs GROUP BY coalesce(source_id, 0), kind, status
        UNION ALL
        SELECT 'tracks', -1, CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'trashed' END, count(*) FROM tracks
            GROUP BY deleted_at IS NULL
        UNION ALL
        SELECT 'tracks', coalesce(source_id, 0), CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'trashed' END, count(*) FROM tracks
            GROUP BY coalesce(source_id, 0), deleted_at IS NULL
        UNION ALL
        SELECT 'skipped', source_id, '', count(*) FROM source_entries WHERE skip_reason IS NOT NULL GROUP BY source_id
        """

    /// The stored counters that are not zero.
    public static func stored(_ db: Database) throws -> [Key: Int] {
        try collect(db, sql: "SELECT scope, owner, key, n FROM counts WHERE n <> 0")
    }

    /// The counters as the rows say now (see `recountQuery`).
    public static func recounted(_ db: Database) throws -> [Key: Int] {
        try collect(db, sql: "SELECT scope, owner, key, n FROM (\(recountQuery)) WHERE n <> 0")
    }

    /// Replaces every stored counter with a recount (`userSums`: see `recountQuery(userSums:)`).
    public static func rebuild(_ db: Database, userSums: Bool = true) throws {
        try db.execute(sql: "DELETE FROM counts")
        try db.execute(sql: "INSERT INTO counts (scope, owner, key, n) \(recountQuery(userSums: userSums))")
    }

    private static func collect(_ db: Database, sql: String) throws -> [Key: Int] {
        var counts: [Key: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql) {
            counts[Key(scope: row[0], owner: row[1], key: row[2])] = row[3]
        }
        return counts
    }

    // MARK: - Reading

    /// Jobs per status, of one source or (`everyOwner`) of all; every status is present.
    public static func jobsByStatus(_ db: Database, owner: Int64 = everyOwner, kind: String? = nil) throws -> [JobStatus: Int] {
        var counts = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0, 0) })
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT key, n FROM counts WHERE scope = 'jobs' AND owner = ?"), arguments: [owner])
        for row in rows {
            let key: String = row[0]
            guard let colon = key.lastIndex(of: ":"), let status = JobStatus(rawValue: String(key[key.index(after: colon)...])) else { continue }
            if let kind, key[..<colon] != kind { continue }
            counts[status, default: 0] += row[1]
        }
        return counts
    }

    /// A sum of counter rows: those of `scope` whose key is one of `keys`.
    public struct Sum: Sendable, Hashable {
        public var scope: String
        public var keys: [String]

        public init(scope: String, keys: [String]) {
            self.scope = scope
            self.keys = keys
        }

        /// Jobs of `kind` in any of `statuses`.
        public static func jobs(_ kind: String, _ statuses: Set<JobStatus>) -> Sum {
            Sum(scope: "jobs", keys: statuses.map { "\(kind):\($0.rawValue)" }.sorted())
        }
    }

    /// For each of `owners` (a page of sources), the value of each of `sums`, in their order;
    /// an owner without rows gets zeros.
    ///
    /// One statement, prepared once per connection, with one primary-key seek per owner and
    /// sum (the owners go in as one JSON array). Reading every row of the page's owners into
    /// dictionaries of `scope/key` strings instead was 44 % of the sources list at 500 sources
    /// (6,000 rows; perf, docs/benchmarks.md).
    ///
    /// ```swift
    /// let totals = try StoredCounts.sums(db, owners: [3, 7], [Sum(scope: "tracks", keys: ["live"])])
    /// totals[3]   // [42]: source 3's live tracks
    /// ```
    public static func sums(_ db: Database, owners: [Int64], _ sums: [Sum]) throws -> [Int64: [Int]] {
        guard !owners.isEmpty else { return [:] }
        let query = sumsQuery(owners: owners, sums)
        var result: [Int64: [Int]] = [:]
        result.reserveCapacity(owners.count)
        let rows = try Row.fetchCursor(db.cachedStatement(sql: query.sql), arguments: query.arguments)
        while let row = try rows.next() {
            result[row[0]] = (1...sums.count).map { row[$0] }
        }
        return result
    }

    /// `sums`' statement: the same text for the same `sums`, whatever the owners.
    public static func sumsQuery(owners: [Int64], _ sums: [Sum]) -> ListQuery {
        // Keys are the schema's own names (kinds, statuses), never user input.
        let columns = sums.map { sum in
            "(SELECT coalesce(sum(n), 0) FROM counts WHERE scope = '\(sum.scope)' AND owner = o.value AND key IN (\(sum.keys.map { "'\($0)'" }.joined(separator: ", "))))"
        }
        return ListQuery("SELECT o.value, \(columns.joined(separator: ", ")) FROM json_each(?) o",
                         ["[" + owners.map(String.init).joined(separator: ",") + "]"])
    }

    /// Tracks in or out of the trash, of one source (`noSource`, `everyOwner`). Ratings and
    /// hides are each user's own (`user_tracks`, v7), so they are not counted here: a user's
    /// total is this minus the tracks they hid (`TrackLibrary`).
    public static func tracks(_ db: Database, owner: Int64 = everyOwner, trashed: Bool) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT n FROM counts WHERE scope = 'tracks' AND owner = ? AND key = ?"),
            arguments: [owner, trashed ? "trashed" : "live"]) ?? 0
    }
}
