import Foundation
import GRDB
import XCTest
@testable import SpoolStore

final class MigrationTests: XCTestCase {
    func testFreshDatabaseHasTheWholeSchemaInWALWithForeignKeys() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        XCTAssertNil(try database.migrate(), "a fresh database needs no backup")

        let status = try database.status()
        XCTAssertEqual(status.journalMode, "wal")
        XCTAssertEqual(status.synchronous, "normal")
        XCTAssertTrue(status.foreignKeys)
        XCTAssertEqual(status.schemaVersion, SchemaMigrations.latestVersion)
        XCTAssertEqual(status.pendingMigrations, [])
        XCTAssertEqual(Set(status.jobCounts.keys), Set(JobStatus.allCases.map(\.rawValue)))

        let tables = try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for table in ["sources", "profiles", "source_entries", "tracks", "jobs", "job_events", "play_events", "tombstones", "tracks_search"] {
            XCTAssertTrue(tables.contains(table), "missing table \(table)")
        }
        try assertIntegrity(database)
    }

    func testMigratingAPopulatedDatabaseBacksItUpAndKeepsEveryRow() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tracks.db")
        // A database as an older Spool left it: only the first migration applied, with data.
        do {
            let old = try SpoolDatabase(options: DatabaseOptions(path: path))
            try SchemaMigrations.migrator.migrate(old.pool, upTo: "v1_initial")
            try old.write { db in try Self.populate(db) }
            try old.close()
        }
        let before = try Self.rowCounts(path: path)
        XCTAssertEqual(before["tracks"], 50)

        let database = try SpoolDatabase(options: DatabaseOptions(path: path))
        let backup = try XCTUnwrap(try database.migrate(), "a populated database must be backed up first")
        XCTAssertTrue(FileManager.default.fileExists(atPath: backup))
        XCTAssertEqual(try Self.rowCounts(path: path), before)
        try assertIntegrity(database)

        // The backup is the old database, whole, and still opens.
        XCTAssertEqual(try Self.rowCounts(path: backup), before)
        let backupMigrations = try DatabaseQueue(path: backup).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        XCTAssertEqual(backupMigrations, ["v1_initial"])

        // Migrations that run over existing rows did their work (search indexes old tracks).
        let hits = try database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks_search WHERE tracks_search MATCH 'Song'")
        }
        XCTAssertEqual(hits, 50)

        // The event logs were rebuilt without AUTOINCREMENT, keeping their checks and indexes,
        // and new rows continue after the old ones.
        try database.read { db in
            for (table, index) in [("job_events", "job_events_job"), ("play_events", "play_events_track")] {
                let sql = try XCTUnwrap(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table]))
                XCTAssertFalse(sql.contains("AUTOINCREMENT"), sql)
                XCTAssertTrue(sql.contains("CHECK ("), sql)
                XCTAssertTrue(try db.indexes(on: table).contains { $0.name == index }, "\(index) was lost")
            }
        }
        let maximum = try database.read { try Int64.fetchOne($0, sql: "SELECT max(id) FROM job_events") ?? 0 }
        let next = try database.write { db -> Int64 in
            var event = JobEvent(jobId: 1, fromStatus: .completed, toStatus: .pending, attempt: 0)
            try event.insert(db)
            return event.id!
        }
        XCTAssertGreaterThan(next, maximum)
        XCTAssertNil(try database.migrate(), "nothing pending: no second backup")
    }

    func testJobStatusCheckConstraintMatchesTheSwiftEnum() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        let sql = try database.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'jobs'")
        }
        let statuses = try XCTUnwrap(Self.checkedValues(of: "status", in: try XCTUnwrap(sql)))
        XCTAssertEqual(statuses, Set(JobStatus.allCases.map(\.rawValue)),
                       "the jobs.status CHECK and JobStatus disagree: add a migration that rebuilds the table")

        // And the database really accepts every status and rejects anything else.
        try database.write { db in
            for status in JobStatus.allCases {
                var job = Job(kind: "download", videoId: "video-\(status.rawValue)")
                job.status = status
                try job.insert(db)
            }
        }
        XCTAssertThrowsError(try database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'exploded' WHERE id = 1")
        })
        for table in ["job_events"] {
            let eventSQL = try database.read { db in try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table]) }
            XCTAssertEqual(Self.checkedValues(of: "to_status", in: eventSQL ?? ""), Set(JobStatus.allCases.map(\.rawValue)))
        }
        // The error classes too, in both tables.
        for table in ["jobs", "job_events"] {
            let tableSQL = try database.read { db in try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table]) }
            XCTAssertEqual(Self.checkedValues(of: "error_class", in: tableSQL ?? "", prefix: "OR "), Set(JobErrorClass.allCases.map(\.rawValue)), table)
        }
    }

    func testOnlyOneActiveDownloadPerVideo() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        try database.write { db in
            var first = Job(kind: "download", videoId: "abc")
            try first.insert(db)
        }
        XCTAssertThrowsError(try database.write { db in
            var second = Job(kind: "download", videoId: "abc")
            try second.insert(db)
        })
        // Once the first is finished, a new download of the same video may be queued.
        try database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'completed' WHERE video_id = 'abc'")
            var again = Job(kind: "download", videoId: "abc")
            try again.insert(db)
        }
    }

    /// v4 on a database an older Spool wrote: the error-class CHECKs follow the enum (a job may
    /// now fail with `bot_check`), duplicated active syncs of one channel are cancelled but
    /// the oldest, and a second active sync can never be inserted again.
    func testV4RegeneratesTheErrorClassCheckAndGuardsSyncs() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tracks.db")
        do {
            let old = try SpoolDatabase(options: DatabaseOptions(path: path))
            try SchemaMigrations.migrator.migrate(old.pool, upTo: "v3_event_log_rowids")
            try old.pool.write { db in
                // The CHECKs as v1 wrote them before wave 2's error classes existed.
                let v1Classes = "error_class IN ('permanent', 'transient', 'rate_limited', 'timeout', 'cancelled', 'crashed')"
                for table in ["jobs", "job_events"] {
                    try TableRebuild.rebuild(table, in: db) {
                        $0.replacingOccurrences(of: #"error_class IN \([^)]*\)"#, with: v1Classes, options: .regularExpression)
                    }
                }
                try Self.populate(db)
                for id in 100...102 {
                    try db.execute(sql: """
                        INSERT INTO jobs (id, kind, status, channel_id, run_after, created_at, updated_at)
                        VALUES (?, 'channel_sync', ?, 1, 0, 0, 0)
                        """, arguments: [id, id == 101 ? "running" : "pending"])
                }
            }
            XCTAssertThrowsError(try old.pool.write { db in
                try db.execute(sql: "UPDATE jobs SET error_class = 'bot_check' WHERE id = 1")
            }, "the old CHECK refuses the new class")
            try old.close()
        }
        let database = try SpoolDatabase(options: DatabaseOptions(path: path))
        try SchemaMigrations.migrator.migrate(database.pool, upTo: "v4_sync_guard_and_error_causes")
        try assertIntegrity(database)
        XCTAssertEqual(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM job_events") }, 50, "the timeline survived the rebuild of its parent")
        try database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'failed', error_class = 'bot_check', error_detail = 'ERROR: x' WHERE id = 1")
            try db.execute(sql: "INSERT INTO job_events (job_id, to_status, error_class, at) VALUES (1, 'failed', 'extractor_outdated', 0)")
        }
        let statuses = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, status FROM jobs WHERE kind = 'channel_sync' ORDER BY id").map { row -> String in
                "\(row["id"] as Int64)=\(row["status"] as String)"
            }
        }
        XCTAssertEqual(statuses, ["100=pending", "101=cancelled", "102=cancelled"])
        XCTAssertThrowsError(try database.write { db in
            try db.execute(sql: "INSERT INTO jobs (kind, status, channel_id, run_after, created_at, updated_at) VALUES ('channel_sync', 'pending', 1, 0, 0, 0)")
        }, "a second active sync of one channel")
    }

    /// v5 on a populated v4 database: every channel becomes a source with the default
    /// profile; its tracks, jobs and tombstones keep pointing at it; its entries are known, so
    /// its next re-sync downloads nothing twice.
    func testV5TurnsEveryChannelIntoASourceWithoutLoss() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tracks.db")
        do {
            let old = try SpoolDatabase(options: DatabaseOptions(path: path))
            try SchemaMigrations.migrator.migrate(old.pool, upTo: "v4_sync_guard_and_error_causes")
            try old.pool.write { db in
                try Self.populate(db)
                try db.execute(sql: """
                    INSERT INTO jobs (kind, status, channel_id, video_id, payload, run_after, created_at, updated_at)
                    VALUES ('download', 'pending', 1, 'v51', '{"url": "https://example.test/v51"}', 0, 0, 0);
                    INSERT INTO jobs (kind, status, channel_id, run_after, created_at, updated_at) VALUES ('channel_sync', 'running', 1, 0, 0, 0);
                    """)
            }
            try old.close()
        }
        let before = try Self.rowCounts(path: path)
        let database = try SpoolDatabase(options: DatabaseOptions(path: path))
        try database.migrate()
        try assertIntegrity(database)
        XCTAssertEqual(try Self.rowCounts(path: path), before)
        try database.read { db in
            let source = try XCTUnwrap(try Source.fetchOne(db, key: 1))
            XCTAssertEqual(source.title, "Artist")
            XCTAssertEqual(source.kind, .channel)
            XCTAssertEqual(source.profileId, 1)
            XCTAssertFalse(source.paused)
            let profile = try XCTUnwrap(try Profile.fetchOne(db, key: 1))
            XCTAssertTrue(profile.isDefault)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks WHERE source_id = 1"), 50)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM tombstones WHERE source_id = 1"), 1)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE kind = 'source_sync' AND source_id = 1"), 1)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE kind = 'channel_sync'"), 0)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM source_entries WHERE source_id = 1"), 51)
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT url FROM source_entries WHERE video_id = 'v51'"), "https://example.test/v51")
        }
        XCTAssertThrowsError(try database.write { db in
            try db.execute(sql: "INSERT INTO jobs (kind, status, source_id, run_after, created_at, updated_at) VALUES ('source_sync', 'pending', 1, 0, 0, 0)")
        }, "one active sync per source, under its new name")
    }

    /// Issue 17: the single-user state of a populated v3 database (likes, dislikes, counts,
    /// positions, play events) becomes the owner's (user 1), every row of it, and the shared
    /// tracks lose those columns.
    func testTheListeningStateOfASingleUserDatabaseBecomesTheOwners() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tracks.db")
        do {
            let old = try SpoolDatabase(options: DatabaseOptions(path: path))
            try SchemaMigrations.migrator.migrate(old.pool, upTo: "v3_event_log_rowids")
            try old.write { db in
                try Self.populate(db)
                try db.execute(sql: """
                    UPDATE tracks SET rating = 1, liked_at = id * 10 WHERE id <= 10;
                    UPDATE tracks SET rating = -1 WHERE id BETWEEN 11 AND 13;
                    UPDATE tracks SET play_count = id, skip_count = id % 3, last_played_at = 500 WHERE id <= 40;
                    UPDATE tracks SET last_position = id * 1.5 WHERE id BETWEEN 20 AND 30;
                    """)
            }
            try old.close()
        }
        let database = try SpoolDatabase(options: DatabaseOptions(path: path))
        try database.migrate()
        try database.read { db in
            let owner = try Row.fetchOne(db, sql: "SELECT name, role, password_hash FROM users WHERE id = 1")
            XCTAssertEqual(owner?["name"], "admin")
            XCTAssertEqual(owner?["role"], "admin")
            XCTAssertNil(owner?["password_hash"] as String?, "the owner sets a password at first start")
            let state = try Row.fetchOne(db, sql: """
                SELECT count(*) FILTER (WHERE rating = 1) AS likes, count(*) FILTER (WHERE rating = -1) AS dislikes,
                       sum(play_count) AS plays, sum(skip_count) AS skips, count(last_position) AS positions,
                       sum(liked_at) AS liked_times
                FROM user_tracks WHERE user_id = 1
                """)!
            XCTAssertEqual(state["likes"], 10)
            XCTAssertEqual(state["dislikes"], 3)
            XCTAssertEqual(state["plays"], (1...40).reduce(0, +))
            XCTAssertEqual(state["skips"], (1...40).map { $0 % 3 }.reduce(0, +))
            XCTAssertEqual(state["positions"], 11)
            XCTAssertEqual(state["liked_times"], (1...10).map { $0 * 10 }.reduce(0, +))
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM user_tracks"), 40)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM play_events WHERE user_id = 1"), 50)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM play_events"), 50)
            let columns = try db.columns(in: "tracks").map(\.name)
            XCTAssertFalse(columns.contains("rating") || columns.contains("play_count"), "\(columns)")
        }
        try assertIntegrity(database)
    }

    /// v9 on a populated v8 database (rows written by v1's schema, then every migration over
    /// them, the accounts' too): the counters start equal to a count of the rows, and the
    /// triggers keep them so from the first write on — also through a table rebuild, which
    /// used to drop a table's triggers with it (the search index's would have gone too).
    func testV9CountsWhatIsThereAndKeepsCountingThroughARebuild() throws {
        let directory = try TemporaryDirectory()
        let database = try migratedFrom("v8_library_imports", in: directory, changes: """
            UPDATE tracks SET deleted_at = 1 WHERE id <= 3;
            INSERT INTO user_tracks (user_id, track_id, rating, liked_at, hidden_at) VALUES (1, 4, 1, 5, 2), (1, 5, 0, NULL, 2), (1, 6, 0, NULL, 2);
            UPDATE jobs SET status = 'failed' WHERE id <= 5;
            UPDATE source_entries SET skip_reason = 'Filtered' WHERE video_id IN ('v1', 'v2');
            """)
        func assertCounted(_ moment: String) throws { try assertCountersMatchARecount(database, moment) }
        try assertCounted("after the migration")
        try database.read { db in
            XCTAssertEqual(try StoredCounts.tracks(db, trashed: false), 47)
            XCTAssertEqual(try StoredCounts.tracks(db, owner: 1, trashed: true), 3)
            // The counters are the household's; a user's hidden tracks are their own rows, read
            // through the index v9 adds for them.
            // (INDEXED BY fails the statement if the index cannot serve the query.)
            XCTAssertEqual(try Int.fetchOne(db, sql: """
                SELECT count(*) FROM user_tracks INDEXED BY user_tracks_hidden WHERE user_id = 1 AND hidden_at IS NOT NULL
                """), 3)
            XCTAssertEqual(try StoredCounts.jobsByStatus(db, owner: 1)[.failed], 5)
            XCTAssertEqual(try StoredCounts.sums(db, owners: [1, 2], [StoredCounts.Sum(scope: "skipped", keys: [""])]), [1: [2], 2: [0]])
        }
        try database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'pending' WHERE id = 10")
            // A later migration that rebuilds `jobs` (a new status, say) keeps its triggers.
            try TableRebuild.rebuild("jobs", in: db) { $0 }
            try db.execute(sql: "UPDATE jobs SET status = 'cancelled' WHERE id = 11; DELETE FROM jobs WHERE id = 12")
        }
        try assertCounted("after writes around a rebuild of jobs")
        XCTAssertEqual(try database.read { try StoredCounts.jobsByStatus($0)[.cancelled] }, 1)
    }

    /// v13 on a populated v12 database: each user's sums per source start equal to a recount
    /// (plays and stars of what each user may see: not what they hid, nothing in the trash),
    /// the triggers keep them so from the next play on, and the two indexes serve their reads.
    func testV13SumsPlaysAndStarsOfWhatEachUserSees() throws {
        let directory = try TemporaryDirectory()
        let database = try migratedFrom("v12_source_url_keys", in: directory, changes: """
            INSERT INTO users (id, name, role, created_at, updated_at) VALUES (2, 'ann', 'listener', 0, 0);
            UPDATE tracks SET deleted_at = 1 WHERE id <= 3;
            UPDATE tracks SET source_id = NULL WHERE id BETWEEN 40 AND 44;
            INSERT INTO user_tracks (user_id, track_id, play_count, last_played_at, stars, hidden_at) VALUES
                (1, 1, 7, 100, 5, NULL), (1, 4, 2, 200, 4, NULL), (1, 5, 3, 300, NULL, 9), (1, 6, 1, 400, 2, NULL),
                (1, 41, 6, 500, 3, NULL), (2, 4, 10, 600, 1, NULL), (2, 7, 0, NULL, 5, NULL);
            """)
        func assertCounted(_ moment: String) throws { try assertCountersMatchARecount(database, moment) }
        try assertCounted("after the migration")
        try database.read { db in
            // User 1 sees tracks 4 and 6 of source 1 (1 is in the trash, 5 hidden) and 41 of source 0.
            XCTAssertEqual(try StoredCounts.userSums(db, 1, StoredCounts.UserSum.allCases),
                           [1: [.plays: 3, .playedSongs: 2, .ratingSum: 6, .ratedSongs: 2],
                            0: [.plays: 6, .playedSongs: 1, .ratingSum: 3, .ratedSongs: 1]])
            XCTAssertEqual(try StoredCounts.userSums(db, 2, [.plays, .ratedSongs]), [1: [.plays: 10, .ratedSongs: 2]])
            // (INDEXED BY fails the statement if the index cannot serve the query.)
            XCTAssertEqual(try Double.fetchOne(db, sql: """
                SELECT last_played_at FROM user_tracks INDEXED BY user_tracks_last_played
                WHERE user_id = 1 AND last_played_at IS NOT NULL ORDER BY last_played_at DESC LIMIT 1
                """), 500)
            XCTAssertEqual(try Int.fetchOne(db, sql: """
                SELECT count(*) FROM tracks INDEXED BY tracks_source_upload WHERE source_id = 1 AND deleted_at IS NULL
                AND coalesce(uploaded_at, created_at) >= 0
                """), 47 - 5)
        }
        try database.write { db in
            try db.execute(sql: """
                UPDATE user_tracks SET play_count = play_count + 1, last_played_at = 700 WHERE user_id = 1 AND track_id = 4;
                UPDATE user_tracks SET hidden_at = NULL WHERE user_id = 1 AND track_id = 5;
                UPDATE tracks SET deleted_at = NULL WHERE id = 1;
                DELETE FROM users WHERE id = 2;
                """)
        }
        try assertCounted("after a play, a show, a restore and a removed user")
        XCTAssertEqual(try database.read { try StoredCounts.userSums($0, 1, [.plays])[1] }, [.plays: 14])
    }

    /// v14 on a populated v13 database: every search finds what it found before (one- and
    /// two-letter prefixes, whole words, words of the uploader), the index holds the prefixes
    /// and agrees with the tracks (FTS5's integrity check), and v2's triggers keep it so.
    func testV14IndexesSearchPrefixesAndFindsWhatV13Found() throws {
        let directory = try TemporaryDirectory()
        let database = try migratedFrom("v13_album_play_totals", in: directory, changes: """
            UPDATE tracks SET title = 'Lofi beats ' || id, uploader = 'Ann' WHERE id % 3 = 0;
            UPDATE tracks SET title = 'Love song ' || id, uploader = NULL WHERE id % 3 = 1;
            """)
        let queries = [#""l"*"#, #""lo"*"#, #""lov"*"#, #""love"*"#, #""ann"*"#, #""a"*"#, #""song" "1"*"#, #""x"*"#]
        func found(_ db: Database) throws -> [[Int64]] {
            try queries.map { try Int64.fetchAll(db, sql: "SELECT rowid FROM tracks_search WHERE tracks_search MATCH ? ORDER BY rowid", arguments: [$0]) }
        }
        let before = try database.read(found)
        XCTAssertGreaterThan(before[0].count, 10, "the changes made matches")
        try database.migrate()
        try database.read { db in
            XCTAssertEqual(try found(db), before)
            let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'tracks_search'") ?? ""
            XCTAssertTrue(sql.contains("prefix='1 2'"), sql)
        }
        try database.write { db in
            try db.execute(sql: "INSERT INTO tracks_search(tracks_search) VALUES ('integrity-check')")
            try db.execute(sql: """
                UPDATE tracks SET title = 'Zebra crossing' WHERE id = 1;
                DELETE FROM tracks WHERE id = 3;
                INSERT INTO tracks (video_id, title, uploader, file_path, size, mime_type, created_at)
                    VALUES ('new', 'Zanzibar', 'Zoe', 'z.m4a', 1, 'audio/mp4', 0);
                """)
            try db.execute(sql: "INSERT INTO tracks_search(tracks_search) VALUES ('integrity-check')")
            let zebra = try Int64.fetchAll(db, sql: "SELECT rowid FROM tracks_search WHERE tracks_search MATCH '\"z\"*' ORDER BY rowid")
            let newId = try Int64.fetchOne(db, sql: "SELECT id FROM tracks WHERE video_id = 'new'")
            XCTAssertEqual(zebra, [1, newId].compactMap { $0 })
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks_search WHERE tracks_search MATCH '\"lo\"*' AND rowid = 3"), 0)
        }
    }

    // MARK: - Helpers

    /// A database as an older Spool left it: v1's rows (`populate`, written at v4), migrated up
    /// to `version`, then `changes`; then every later migration, checked for integrity.
    /// A database analyzed before an upgrade has statistics for every index of a non-empty table
    /// after it (an index without them among analyzed ones can win over the one that gives a
    /// list its order: v13's did, and a source's library page sorted every track of the source),
    /// also when an earlier build ran the migration and nothing is pending now; a database never
    /// analyzed stays so.
    func testAnUpgradeLeavesNoIndexWithoutStatisticsAmongAnalyzedOnes() throws {
        let cases = [
            ("v12_source_url_keys", "ANALYZE", true),
            ("v13_album_play_totals", "ANALYZE; DELETE FROM sqlite_stat1 WHERE idx = 'tracks_source_upload'", true),
            ("v12_source_url_keys", "SELECT 1", false),
        ]
        for (version, changes, analyzed) in cases {
            let directory = try TemporaryDirectory()
            let database = try migratedFrom(version, in: directory, changes: changes)
            try database.migrate()
            func analyzedIndexes() throws -> Set<String>? {
                try database.read { db in
                    guard try db.tableExists("sqlite_stat1") else { return nil }
                    return Set(try String.fetchAll(db, sql: "SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL"))
                }
            }
            let afterUpgrade = try analyzedIndexes()
            XCTAssertEqual(afterUpgrade != nil, analyzed, "from \(version)")
            if analyzed {
                XCTAssertTrue(afterUpgrade?.contains("tracks_source_upload") == true, "from \(version): v13's index is analyzed")
                // Every index a full ANALYZE gives statistics (a partial index over no row gets none).
                try database.maintain { db in try db.execute(sql: "ANALYZE") }
                XCTAssertEqual(try analyzedIndexes(), afterUpgrade, "from \(version): indexes without statistics among analyzed ones")
            }
            try database.close()
        }
    }

    func migratedFrom(_ version: String, in directory: TemporaryDirectory, changes: String) throws -> SpoolDatabase {
        let path = directory.file("tracks.db")
        do {
            let old = try SpoolDatabase(options: DatabaseOptions(path: path))
            try SchemaMigrations.migrator.migrate(old.pool, upTo: "v4_sync_guard_and_error_causes")
            try old.pool.write { db in try Self.populate(db) }
            try SchemaMigrations.migrator.migrate(old.pool, upTo: version)
            try old.pool.write { db in try db.execute(sql: changes) }
            try old.close()
        }
        let database = try SpoolDatabase(options: DatabaseOptions(path: path))
        try database.migrate()
        try assertIntegrity(database)
        return database
    }

    func assertCountersMatchARecount(_ database: SpoolDatabase, _ moment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (stored, recounted) = try database.read { db in (try StoredCounts.stored(db), try StoredCounts.recounted(db)) }
        XCTAssertEqual(stored, recounted, moment, file: file, line: line)
    }

    /// Rows as a v1 database holds them, written with SQL of that schema (today's records have
    /// columns v1 did not).
    static func populate(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO channels (id, url, title, state, sync_interval_seconds, video_count, added_at)
            VALUES (1, 'https://example.test/@artist', 'Artist', 'idle', 86400, 50, 0)
            """)
        for index in 1...50 {
            try db.execute(sql: """
                INSERT INTO tracks (id, video_id, channel_id, title, uploader, duration, file_path, size, mime_type, created_at)
                VALUES (?, ?, 1, ?, 'Artist', 200, ?, 1000, 'audio/mp4', 0)
                """, arguments: [index, "v\(index)", "Song \(index)", "Artist/Song \(index) [v\(index)].m4a"])
            try db.execute(sql: """
                INSERT INTO jobs (id, kind, status, channel_id, video_id, run_after, created_at, updated_at)
                VALUES (?, 'download', 'completed', 1, ?, 0, 0, 0)
                """, arguments: [index, "v\(index)"])
            try db.execute(sql: "INSERT INTO job_events (job_id, from_status, to_status, attempt, at) VALUES (?, 'running', 'completed', 1, 0)",
                           arguments: [index])
            try db.execute(sql: "INSERT INTO play_events (track_id, session, type, position, received_at) VALUES (?, 's', 'play', 0, 0)",
                           arguments: [index])
        }
        try db.execute(sql: "INSERT INTO tombstones (video_id, channel_id, title, deleted_at) VALUES ('gone', 1, 'Gone', 0)")
    }

    static func rowCounts(path: String) throws -> [String: Int] {
        try DatabaseQueue(path: path).read { db in
            var counts: [String: Int] = [:]
            // `channels` became `sources` in v5: counted under the old name either way.
            let channels = try db.tableExists("sources") ? "sources" : "channels"
            counts["channels"] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(channels)")
            for table in ["tracks", "jobs", "job_events", "play_events", "tombstones"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")
            }
            return counts
        }
    }

    /// The quoted values of `column IN ('a', 'b')` in a CREATE TABLE statement.
    static func checkedValues(of column: String, in sql: String, prefix: String = "CHECK (") -> Set<String>? {
        guard let start = sql.range(of: "\(prefix)\(column) IN (") else { return nil }
        let rest = sql[start.upperBound...]
        guard let end = rest.firstIndex(of: ")") else { return nil }
        return Set(rest[..<end].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        })
    }

    func assertIntegrity(_ database: SpoolDatabase, file: StaticString = #filePath, line: UInt = #line) throws {
        try database.read { db in
            XCTAssertEqual(try String.fetchAll(db, sql: "PRAGMA integrity_check"), ["ok"], file: file, line: line)
            XCTAssertEqual(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count, 0, file: file, line: line)
        }
    }
}
