import Foundation
import GRDB
import SpoolJobs
import SpoolStore
import XCTest

/// Every transition of the state machine, each by its real cause.
final class TransitionTests: XCTestCase {
    func testSuccessCompletesAndCommitsTheEffectWithIt() throws {
        let h = try QueueHarness()
        h.pool.register("k", handler: ClosureHandler { _ in
            JobCompletion(message: "done") { db in
                try db.execute(sql: "INSERT INTO tombstones (video_id, deleted_at) VALUES ('effect', 0)")
            }
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        let job = try h.waitFor(id, .completed)
        XCTAssertEqual(job.attempts, 1)
        XCTAssertNotNil(job.finishedAt)
        XCTAssertEqual(try h.path(of: id), ["->pending", "pending>running", "running>completed"])
        XCTAssertEqual(try h.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM tombstones") }, 1)
    }

    func testPermanentErrorFails() throws {
        let h = try QueueHarness()
        h.pool.register("k", handler: ClosureHandler { _ in throw JobFailure(.permanent, "Video unavailable", exitCode: 1) })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        let job = try h.waitFor(id, .failed)
        XCTAssertEqual(job.errorClass, .permanent)
        XCTAssertEqual(job.lastError, "Video unavailable")
        XCTAssertEqual(try h.queue.timeline(of: id).last?.exitCode, 1)
    }

    func testTransientErrorsRetryWithGrowingBackoffThenDeadLetter() throws {
        let h = try QueueHarness(retry: RetryPolicy(baseSeconds: 0.1, capSeconds: 10, jitter: 0))
        let runs = Counter()
        h.pool.register("k", handler: ClosureHandler { _ in
            _ = runs.increment()
            throw JobFailure(.transient, "HTTP Error 503")
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k", maxAttempts: 3)]).inserted[0].id!
        let job = try h.waitFor(id, .dead_letter)
        XCTAssertEqual(runs.count, 3)
        XCTAssertEqual(job.attempts, 3)
        let timeline = try h.queue.timeline(of: id)
        XCTAssertEqual(timeline.map(\.toStatus), [.pending, .running, .retrying, .running, .retrying, .running, .dead_letter])
        // The second wait is twice the first (0.1 s, then 0.2 s).
        let starts = timeline.filter { $0.toStatus == .running }.map { $0.at.timeIntervalSince1970 }
        let failures = timeline.filter { $0.toStatus == .retrying }.map { $0.at.timeIntervalSince1970 }
        XCTAssertGreaterThanOrEqual(starts[1] - failures[0], 0.09)
        XCTAssertGreaterThanOrEqual(starts[2] - failures[1], 0.19)
    }

    func testTransientErrorRecoversOnALaterAttempt() throws {
        let h = try QueueHarness()
        let runs = Counter()
        h.pool.register("k", handler: ClosureHandler { _ in
            if runs.increment() < 3 { throw JobFailure(.rate_limited, "HTTP Error 429") }
            return .done
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        XCTAssertEqual(try h.waitFor(id, .completed).attempts, 3)
    }

    func testTimeLimitAndStallEndInTimeout() throws {
        let h = try QueueHarness()
        let hang: @Sendable (JobContext) throws -> JobCompletion = { context in
            while !context.isCancelled { Thread.sleep(forTimeInterval: 0.01); context.touch() }
            throw JobFailure(.cancelled, "stopped")
        }
        let silent: @Sendable (JobContext) throws -> JobCompletion = { context in
            while !context.isCancelled { Thread.sleep(forTimeInterval: 0.01) }
            throw JobFailure(.cancelled, "stopped")
        }
        h.pool.register("hang", limits: JobLimits(timeLimit: 0.3), handler: ClosureHandler(body: hang))
        h.pool.register("silent", limits: JobLimits(timeLimit: 30, stallTimeout: 0.3), handler: ClosureHandler(body: silent))
        try h.pool.start()
        let ids = try h.queue.enqueue([NewJob(kind: "hang"), NewJob(kind: "silent")]).inserted.map { $0.id! }
        let hung = try h.waitFor(ids[0], .timeout)
        let stalled = try h.waitFor(ids[1], .timeout)
        // The row says why, like every other end (it used to leave error_class empty).
        XCTAssertEqual(hung.errorClass, .timeout)
        XCTAssertEqual(hung.lastError, "Stopped at its time limit")
        XCTAssertEqual(try h.queue.timeline(of: ids[0]).last?.errorClass, .timeout)
        XCTAssertEqual(try h.queue.timeline(of: ids[1]).last?.message, "Stopped: no progress for too long")
        XCTAssertEqual(stalled.status, .timeout)
    }

    func testCancelPendingAndRunningJobs() throws {
        let h = try QueueHarness(workers: 1)
        h.pool.register("k", handler: ClosureHandler { context in
            while !context.isCancelled { Thread.sleep(forTimeInterval: 0.01) }
            throw JobFailure(.cancelled, "stopped")
        })
        try h.pool.start()
        let ids = try h.queue.enqueue([NewJob(kind: "k"), NewJob(kind: "k")]).inserted.map { $0.id! }
        try h.waitFor(ids[0], .running)
        // The second waits for the only worker: cancelled at once.
        XCTAssertEqual(try h.queue.cancel(ids[1]).status, .cancelled)
        XCTAssertEqual(try h.queue.cancel(ids[1]).status, .cancelled, "a second click is no error")
        // The running one is told to stop and ends cancelled within seconds.
        let started = Date()
        _ = try h.queue.cancel(ids[0])
        try h.waitFor(ids[0], .cancelled, timeout: 3)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertThrowsError(try h.queue.cancel(999)) { XCTAssertEqual($0 as? JobQueueError, .notFound(999)) }
    }

    func testManualRetryResetsAttemptsAndIsIdempotent() throws {
        let h = try QueueHarness()
        let runs = Counter()
        h.pool.register("k", handler: ClosureHandler { _ in
            if runs.increment() == 1 { throw JobFailure(.permanent, "gone") }
            Thread.sleep(forTimeInterval: 0.3)
            return .done
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        try h.waitFor(id, .failed)
        let retried = try h.queue.retry(id)
        XCTAssertTrue([.pending, .running, .completed].contains(retried.status))
        XCTAssertEqual(retried.attempts, 0)
        _ = try h.queue.retry(id)  // double click: no error
        let done = try h.waitFor(id, .completed)
        XCTAssertEqual(done.attempts, 1)
        XCTAssertThrowsError(try h.queue.retry(id)) { error in
            guard case .conflict = error as? JobQueueError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(runs.count, 2)
    }

    func testBulkRetryByStatusAndRetryConflictForADuplicateDownload() throws {
        let h = try QueueHarness()
        let ids = try h.queue.enqueue([NewJob(kind: "download", videoId: "a"), NewJob(kind: "download", videoId: "b")]).inserted.map { $0.id! }
        for id in ids { _ = try h.queue.cancel(id) }
        // A new download of video "a" is queued meanwhile: retrying the old one would duplicate it.
        let newer = try h.queue.enqueue([NewJob(kind: "download", videoId: "a")])
        XCTAssertEqual(newer.inserted.count, 1)
        XCTAssertThrowsError(try h.queue.retry(ids[0]))
        let retried = try h.queue.retry(status: .cancelled)
        XCTAssertEqual(retried.map(\.id), [ids[1]])
        XCTAssertThrowsError(try h.queue.retry(status: .completed))
    }

    func testBatchEnqueueSkipsActiveDuplicates() throws {
        let h = try QueueHarness()
        let first = try h.queue.enqueue((0..<100).map { NewJob(kind: "download", videoId: "v\($0)") })
        XCTAssertEqual(first.insertedIds.count, 100)
        XCTAssertEqual(first.inserted.count, 0, "a big batch is not read back")
        let again = try h.queue.enqueue((50..<150).map { NewJob(kind: "download", videoId: "v\($0)") })
        XCTAssertEqual(again.insertedIds.count, 50)
        XCTAssertEqual(again.inserted.map(\.id), again.insertedIds.map(Optional.some), "a small batch is, in order")
        XCTAssertEqual(again.inserted.map(\.videoId), (100..<150).map { "v\($0)" })
        XCTAssertEqual(again.skippedDuplicates, 50)
        XCTAssertEqual(try h.queue.counts()[.pending], 150)
    }

    func testExpiredLeaseBecomesZombieThenRetrying() throws {
        let h = try QueueHarness()
        // A job left running by a dead process (another run id, lease long gone).
        let id = try h.queue.enqueue([NewJob(kind: "k", maxAttempts: 2)]).inserted[0].id!
        try h.database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'running', attempts = 1, worker = 'dead/1', lease_until = 0 WHERE id = ?", arguments: [id])
        }
        h.pool.register("k", handler: ClosureHandler { _ in .done })
        try h.pool.start()
        try h.waitFor(id, .completed)
        let statuses = try h.queue.timeline(of: id).map(\.toStatus)
        XCTAssertEqual(statuses.suffix(4), [.zombie, .retrying, .running, .completed])
        XCTAssertEqual(h.pool.status.zombiesRecovered, 1)
    }

    func testZombieWithoutAttemptsLeftIsDeadLettered() throws {
        let h = try QueueHarness()
        let id = try h.queue.enqueue([NewJob(kind: "k", maxAttempts: 1)]).inserted[0].id!
        try h.database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'running', attempts = 1, worker = 'dead/1', lease_until = 0 WHERE id = ?", arguments: [id])
        }
        XCTAssertEqual(try h.queue.recoverZombies(), 1)
        XCTAssertEqual(try h.queue.job(id)?.status, .dead_letter)
        // A zombie may also be retried by hand.
        XCTAssertEqual(try h.queue.retry(id).status, .pending)
    }
}
