import Foundation
import GRDB
import XCTest
@testable import SpoolStore

final class GroupCommitTests: XCTestCase {
    /// Writers that arrive while a transaction runs share the next one: fewer commits than
    /// writes, and every write is durable when its call returns.
    func testConcurrentWritesShareCommitsAndEachIsCommittedOnReturn() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        let errors = ErrorBox()
        let missing = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for index in 0..<200 {
                let url = "https://example.test/\(worker)/\(index)"
                do {
                    try database.write { db in
                        var channel = Source(url: url)
                        try channel.insert(db)
                        usleep(100)  // hold the writer a moment, so the other threads queue up
                    }
                    // Committed: a reader (another connection) sees it at once.
                    let seen = try database.read { db in
                        try Source.filter(Column("url") == url).fetchCount(db)
                    }
                    if seen != 1 { missing.append(DatabaseError(message: "not visible: \(url)")) }
                } catch {
                    errors.append(error)
                }
            }
        }
        XCTAssertEqual(errors.count, 0)
        XCTAssertEqual(missing.count, 0, "a write returned before its commit")
        let statistics = database.writerStatistics.snapshot
        XCTAssertEqual(statistics.transactions, 1600)
        XCTAssertLessThan(statistics.commits, statistics.transactions, "concurrent writes never shared a commit")
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 1600)
    }

    /// In a shared batch a write that throws is rolled back alone; the others commit.
    func testAFailingWriteInABatchIsUndoneAloneAndReportsItsOwnError() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        struct Refused: Error {}
        let failures = ErrorBox()
        let otherErrors = ErrorBox()
        // Hold the writer so the next writes queue up and run as one batch.
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? database.write { _ in
                holding.signal()
                release.wait()
            }
        }
        holder.start()
        holding.wait()
        let group = DispatchGroup()
        for index in 0..<6 {
            onNewThread(group) {
                do {
                    try database.write { db in
                        var channel = Source(url: "https://example.test/\(index)")
                        try channel.insert(db)
                        if index % 2 == 1 { throw Refused() }
                    }
                } catch is Refused {
                    failures.append(Refused())
                } catch {
                    otherErrors.append(error)
                }
            }
        }
        // Let all six queue behind the holder, then let them run together.
        let deadline = Date().addingTimeInterval(5)
        while database.writerStatistics.snapshot.queueDepth < 6 && Date() < deadline { usleep(1000) }
        XCTAssertEqual(database.writerStatistics.snapshot.queueDepth, 6, "the writes did not queue up")
        usleep(50_000)  // counted as queued a moment before they join the pending list
        let commitsBefore = database.writerStatistics.snapshot.commits
        release.signal()
        group.wait()
        XCTAssertEqual(failures.count, 3)
        XCTAssertEqual(otherErrors.count, 0)
        let urls = try database.read { db in try String.fetchAll(db, sql: "SELECT url FROM sources ORDER BY url") }
        XCTAssertEqual(urls, ["https://example.test/0", "https://example.test/2", "https://example.test/4"])
        XCTAssertLessThanOrEqual(database.writerStatistics.snapshot.commits - commitsBefore, 2,
                                 "the six queued writes should share the next commit (plus the holder's)")
        XCTAssertEqual(database.writerStatistics.snapshot.failedTransactions, 3)
    }

    /// A lone write that throws leaves nothing behind (its whole transaction rolls back).
    func testALoneFailingWriteLeavesNothing() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        struct Refused: Error {}
        XCTAssertThrowsError(try database.write { db in
            var channel = Source(url: "https://example.test/half")
            try channel.insert(db)
            throw Refused()
        })
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 0)
        // The writer is usable afterwards.
        try database.write { db in
            var channel = Source(url: "https://example.test/whole")
            try channel.insert(db)
        }
        XCTAssertEqual(try database.read { try Source.fetchCount($0) }, 1)
    }
}

final class WritePriorityTests: XCTestCase {
    /// Interactive writes that queue behind background ones are committed first, in a batch
    /// of their own; background batches are capped.
    func testInteractiveWritesJumpQueuedBackgroundWrites() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread {
            try? database.write { _ in
                holding.signal()
                release.wait()
            }
        }.start()
        holding.wait()
        let group = DispatchGroup()
        func write(_ name: String, _ priority: WritePriority) {
            onNewThread(group) {
                try? database.write(priority: priority) { db in
                    var channel = Source(url: "https://example.test/\(name)")
                    try channel.insert(db)
                }
            }
        }
        for index in 0..<6 { write("background-\(index)", .background) }
        let deadline = Date().addingTimeInterval(5)
        while database.writerStatistics.snapshot.queueDepth < 6 && Date() < deadline { usleep(1000) }
        usleep(50_000)
        write("click", .interactive)
        while database.writerStatistics.snapshot.queueDepth < 7 && Date() < deadline { usleep(1000) }
        XCTAssertEqual(database.writerStatistics.snapshot.queueDepth, 7, "the writes did not queue up")
        usleep(50_000)  // counted as queued a moment before it joins the pending list
        let commitsBefore = database.writerStatistics.snapshot.commits
        release.signal()
        group.wait()
        let order = try database.read { db in try String.fetchAll(db, sql: "SELECT url FROM sources ORDER BY id") }
        XCTAssertEqual(order.first, "https://example.test/click", "the interactive write waited behind background ones: \(order)")
        XCTAssertEqual(order.count, 7)
        // The holder's commit, the click's, then six background writes two by two.
        XCTAssertEqual(database.writerStatistics.snapshot.commits - commitsBefore, 1 + 1 + 6 / GroupCommit.maximumBackgroundBatch)
    }

    /// A steady stream of interactive writes (a queue running flat out) does not starve a
    /// background write: it rides along after a few interactive batches.
    func testBackgroundWritesAreNotStarvedByAStreamOfInteractiveOnes() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        let streams = DispatchGroup()
        let running = ManagedAtomicFlag()
        for worker in 0..<8 {
            onNewThread(streams) {
                var index = 0
                while !running.isSet {
                    try? database.write { db in
                        var channel = Source(url: "https://example.test/\(worker)/\(index)")
                        try channel.insert(db)
                        usleep(200)  // keep the writer busy, so interactive writes always wait
                    }
                    index += 1
                }
            }
        }
        usleep(100_000)
        let started = Date()
        try database.write(priority: .background) { db in
            var channel = Source(url: "https://example.test/background")
            try channel.insert(db)
        }
        let waited = Date().timeIntervalSince(started)
        running.set()
        streams.wait()
        XCTAssertLessThan(waited, 0.5, "the background write waited \(waited) s behind interactive ones")
    }
}

/// Runs `body` on a thread of its own (the global Dispatch pool grows too slowly on Linux
/// for tests that need many writers blocked at once).
func onNewThread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
    group.enter()
    Thread {
        body()
        group.leave()
    }.start()
}

/// A flag set once, readable from any thread.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
