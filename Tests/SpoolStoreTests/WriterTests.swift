import Foundation
import GRDB
import XCTest
@testable import SpoolStore

final class WriterTests: XCTestCase {
    /// Another process (the sqlite3 shell, a backup tool) holding the write lock briefly is
    /// waited for, and the wait is counted.
    func testWriterWaitsForAnExternalLockAndCountsTheWait() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tracks.db")
        let database = try SpoolDatabase(options: DatabaseOptions(path: path, busyTimeout: 5))
        try database.migrate()

        let external = try DatabaseQueue(path: path)
        let locked = expectation(description: "external lock taken")
        let release = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? external.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.fulfill()
                release.wait()
                try db.execute(sql: "COMMIT")
            }
        }
        wait(for: [locked], timeout: 5)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { release.signal() }

        try database.write { db in
            var channel = Source(url: "https://example.test/a")
            try channel.insert(db)
        }
        let statistics = database.writerStatistics.snapshot
        XCTAssertGreaterThan(statistics.busyWaits, 0)
        XCTAssertEqual(statistics.busyTimeouts, 0)
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 1)
    }

    func testWriterGivesUpAfterItsTimeoutAndCountsIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tracks.db")
        let database = try SpoolDatabase(options: DatabaseOptions(path: path, busyTimeout: 0.2))
        try database.migrate()

        let external = try DatabaseQueue(path: path)
        let locked = expectation(description: "external lock taken")
        let release = DispatchSemaphore(value: 0)
        let done = expectation(description: "external lock released")
        Thread.detachNewThread {
            try? external.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.fulfill()
                release.wait()
                try db.execute(sql: "COMMIT")
            }
            done.fulfill()
        }
        wait(for: [locked], timeout: 5)
        XCTAssertThrowsError(try database.write { db in
            var channel = Source(url: "https://example.test/b")
            try channel.insert(db)
        }) { error in
            XCTAssertEqual((error as? DatabaseError)?.resultCode, .SQLITE_BUSY)
        }
        release.signal()
        wait(for: [done], timeout: 5)
        XCTAssertEqual(database.writerStatistics.snapshot.busyTimeouts, 1)
        XCTAssertEqual(database.writerStatistics.snapshot.failedTransactions, 1)
    }

    /// Many threads writing at once queue on the one writer: no error, every row lands.
    func testConcurrentWritersAllSucceed() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            for index in 0..<100 {
                do {
                    try database.write { db in
                        var channel = Source(url: "https://example.test/\(worker)/\(index)")
                        try channel.insert(db)
                    }
                    _ = try database.read { try Source.fetchCount($0) }
                } catch {
                    errors.append(error)
                }
            }
        }
        XCTAssertEqual(errors.count, 0)
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 1600)
        XCTAssertEqual(database.writerStatistics.snapshot.transactions, 1600, "every write went through the one writer queue")
        XCTAssertEqual(database.writerStatistics.snapshot.queueDepth, 0)
    }

    func testBackupIsAConsistentCopyAndNeverOverwrites() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        // `populate` writes v1's schema (channels), which v5 renamed: rows first, then the rest.
        try SchemaMigrations.migrator.migrate(database.pool, upTo: "v1_initial")
        try database.write { db in try MigrationTests.populate(db) }
        try database.migrate()

        let target = directory.file("backups/copy.db")
        try database.backup(to: target)
        XCTAssertEqual(try MigrationTests.rowCounts(path: target)["tracks"], 50)
        XCTAssertThrowsError(try database.backup(to: target))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target + ".partial"))
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func append(_ error: Error) { lock.withLock { errors.append(error) } }
    var count: Int { lock.withLock { errors.count } }
}
