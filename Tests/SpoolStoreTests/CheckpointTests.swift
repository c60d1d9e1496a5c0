import Foundation
import GRDB
import XCTest
@testable import SpoolStore

final class CheckpointTests: XCTestCase {
    /// The same 3,000 commits with nothing checkpointing: the size the WAL reaches, measured in
    /// the same run (82 MB here, where the checkpointed WAL stays at 0.5 MB).
    private func walWithoutCheckpoints(in directory: TemporaryDirectory) throws -> Int64 {
        let path = directory.file("reference.db")
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try SchemaMigrations.migrator.migrate(queue)
        for index in 0..<3000 {
            try queue.write { db in var source = Self.source(index); try source.insert(db) }
        }
        let size = SpoolDatabase.fileSize(atPath: path + "-wal")
        try queue.close()
        return size
    }

    private static func source(_ index: Int) -> Source {
        var channel = Source(url: "https://example.test/\(index)")
        channel.title = String(repeating: "x", count: 200)
        return channel
    }

    /// The WAL is copied back by the background checkpointer (not inside a writer's commit)
    /// and stays short under a long run of commits.
    func testBackgroundCheckpointsKeepTheWALShort() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tracks.db")
        let database = try SpoolDatabase(options: DatabaseOptions(path: path, journalSizeLimit: 512 * 1024, checkpointPages: 50))
        try database.migrate()
        var largestWAL: Int64 = 0
        for index in 0..<3000 {
            try database.write { db in var source = Self.source(index); try source.insert(db) }
            if index % 100 == 0 {
                largestWAL = max(largestWAL, SpoolDatabase.fileSize(atPath: path + "-wal"))
                usleep(2000)  // give the checkpointer a moment, as real traffic would
            }
        }
        XCTAssertGreaterThan(database.completedCheckpoints, 0)
        // Usually a few MB. A checkpointer starved of CPU mid-copy (another test process on
        // both cores) lets it grow until the copy ends: 24.7 MB once in CI, against 16 MB
        // asserted then. Compared with the WAL of the same commits with nothing checkpointing.
        let unchecked = try walWithoutCheckpoints(in: directory)
        XCTAssertGreaterThan(unchecked, 12 * 1024 * 1024, "the reference wrote too little to tell")
        XCTAssertLessThan(largestWAL, unchecked / 2, "the WAL grew as if nothing checkpointed it (\(largestWAL) bytes, \(unchecked) unchecked)")
        // Once the writes pause, the next writes restart the WAL and cut it to journal_size_limit.
        for index in 0..<3 {
            usleep(300_000)
            try database.write { db in
                var channel = Source(url: "https://example.test/after-\(index)")
                try channel.insert(db)
            }
        }
        XCTAssertLessThanOrEqual(SpoolDatabase.fileSize(atPath: path + "-wal"), 1024 * 1024)
        // The data is all there, in a consistent file.
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 3003)
        try database.close()
        let reopened = try DatabaseQueue(path: path)
        XCTAssertEqual(try reopened.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }, ["ok"])
        XCTAssertEqual(try reopened.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sources") }, 3003)
    }

    /// What the writer copies of the WAL itself is the checkpoint's hold, not that of the
    /// housekeeping batch it happened before: a batch of one small delete showed hundreds of
    /// milliseconds in `/api/health` when the copy of a large WAL was counted as its own.
    func testTheWritersOwnCopyIsCountedApartFromTheBatchAroundIt() throws {
        let (_, database) = try databaseWithAFullWAL()
        database.walCheckpointer.leaveNextCopyToWriter()
        try database.write(work: .pruneJobs) { db in
            try db.execute(sql: "DELETE FROM sources WHERE id = 1")
        }
        let holds = database.writerStatistics.snapshot.longestHoldMilliseconds
        let copy = try XCTUnwrap(holds[.checkpoint], "the writer's copy of the WAL was not measured")
        let batch = try XCTUnwrap(holds[.pruneJobs])
        XCTAssertLessThan(batch, copy, "the batch's hold included the writer's copy of the WAL (\(batch) ms, copy \(copy) ms)")
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 19_999)
        try database.close()
    }

    /// Housekeeping's idle checkpoint copies the whole WAL on the checkpointer's connection:
    /// the writer is not held for it (it ran `wal_checkpoint(TRUNCATE)` on the writer, 400–900
    /// ms at 100,000 tracks under load), and the next write restarts the WAL, which
    /// `journal_size_limit` cuts.
    func testTheIdleCheckpointCopiesEverythingOffTheWriter() throws {
        let (path, database) = try databaseWithAFullWAL(journalSizeLimit: 1024 * 1024)
        let transactions = database.writerStatistics.snapshot.transactions
        XCTAssertTrue(database.checkpointInBackground(), "the background copy did not take every frame")
        XCTAssertEqual(database.writerStatistics.snapshot.transactions, transactions, "the checkpoint went through the writer")
        XCTAssertNil(database.writerStatistics.snapshot.longestHoldMilliseconds[.checkpoint], "the writer copied frames itself")
        // The copy is in the database file: the next write starts the WAL over and cuts it.
        try database.write { db in try db.execute(sql: "UPDATE sources SET title = 'y' WHERE id = 1") }
        XCTAssertLessThanOrEqual(SpoolDatabase.fileSize(atPath: path + "-wal"), 1024 * 1024)
        XCTAssertNil(database.writerStatistics.snapshot.longestHoldMilliseconds[.checkpoint], "the writer copied frames itself")
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 20_000)
        try database.close()
    }

    /// Once the checkpointer has stopped (a shutdown), neither a copy asked for nor a housekeeping
    /// write waits for a copy that will never run; the stop's own checkpoint still empties the WAL.
    func testAfterTheCheckpointerStopsNothingWaitsForItsCopy() throws {
        let (path, database) = try databaseWithAFullWAL()
        database.walCheckpointer.stop()
        let began = Date()
        XCTAssertFalse(database.checkpointInBackground(timeout: 10), "no thread copies any more")
        try database.write(work: .clearJobs) { db in try db.execute(sql: "UPDATE sources SET title = 'y' WHERE id = 1") }
        // Either wait would take its whole timeout (10 s, 1 s) if it waited for the stopped thread.
        XCTAssertLessThan(Date().timeIntervalSince(began), 0.9)
        try database.close()
        XCTAssertEqual(SpoolDatabase.fileSize(atPath: path + "-wal"), 0, "the stop truncates the WAL")
    }

    /// A migrated database whose WAL holds more than 10 MB that nothing copies: its checkpoint
    /// threshold is never reached, so the WAL is copied only when the test says so. Returns the
    /// database file's path and the database; the folder lives until the test's teardown.
    private func databaseWithAFullWAL(
        journalSizeLimit: Int? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (path: String, database: SpoolDatabase) {
        let directory = try TemporaryDirectory()
        addTeardownBlock { withExtendedLifetime(directory) {} }
        let path = directory.file("tracks.db")
        var options = DatabaseOptions(path: path, checkpointPages: 1_000_000)
        if let journalSizeLimit { options.journalSizeLimit = journalSizeLimit }
        let database = try SpoolDatabase(options: options)
        try database.migrate()
        try fillTheWAL(database, path: path, file: file, line: line)
        return (path, database)
    }

    /// 20,000 sources of 500 bytes in one transaction: a WAL of more than 10 MB, which nothing
    /// copies while the threshold is out of reach.
    private func fillTheWAL(_ database: SpoolDatabase, path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try database.write { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO sources (url, title, added_at) SELECT 'https://example.test/' || i, printf('%.500c', 'x'), 0 FROM n
                """)
        }
        XCTAssertGreaterThan(SpoolDatabase.fileSize(atPath: path + "-wal"), 10_000_000, file: file, line: line)
    }
}
