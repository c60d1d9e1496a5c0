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
        for table in ["channels", "tracks", "jobs", "job_events", "play_events", "tombstones", "tracks_search"] {
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

    // MARK: - Helpers

    static func populate(_ db: Database) throws {
        var channel = Channel(url: "https://example.test/@artist")
        channel.title = "Artist"
        try channel.insert(db)
        for index in 1...50 {
            var track = Track(
                videoId: "v\(index)", channelId: channel.id, title: "Song \(index)", uploader: "Artist",
                duration: 200, filePath: "Artist/Song \(index) [v\(index)].m4a", size: 1000, mimeType: "audio/mp4")
            try track.insert(db)
            var job = Job(kind: "download", channelId: channel.id, videoId: "v\(index)")
            job.status = .completed
            try job.insert(db)
            var event = JobEvent(jobId: job.id!, fromStatus: .running, toStatus: .completed, attempt: 1)
            try event.insert(db)
            var play = PlayEvent(trackId: track.id!, session: "s", type: .play, position: 0)
            try play.insert(db)
        }
        try Tombstone(videoId: "gone", channelId: channel.id, title: "Gone").insert(db)
    }

    static func rowCounts(path: String) throws -> [String: Int] {
        try DatabaseQueue(path: path).read { db in
            var counts: [String: Int] = [:]
            for table in ["channels", "tracks", "jobs", "job_events", "play_events", "tombstones"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")
            }
            return counts
        }
    }

    /// The quoted values of `column IN ('a', 'b')` in a CREATE TABLE statement.
    static func checkedValues(of column: String, in sql: String) -> Set<String>? {
        guard let start = sql.range(of: "CHECK (\(column) IN (") else { return nil }
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
