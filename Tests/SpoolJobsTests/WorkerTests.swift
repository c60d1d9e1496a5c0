import Foundation
import SpoolJobs
import SpoolStore
import XCTest

final class WorkerTests: XCTestCase {
    /// Sleeping workers start a job enqueued later at once: they wait on a condition, not a
    /// polling interval.
    func testWorkersWakeOnEnqueue() throws {
        let h = try QueueHarness()
        let started = Mutex_(Date?.none)
        h.pool.register("k", handler: ClosureHandler { _ in started.set(Date()); return .done })
        try h.pool.start()
        Thread.sleep(forTimeInterval: 0.3)  // let the workers go to sleep
        let enqueued = Date()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        try h.waitFor(id, .completed)
        XCTAssertLessThan(try XCTUnwrap(started.get()).timeIntervalSince(enqueued), 0.1)
    }

    /// A cancel that lands between a job's claim (committed together with the end of the
    /// worker's previous job) and the worker picking it up: the handler never starts and the
    /// job ends `cancelled`, not completed behind the user's back.
    func testCancelBetweenClaimAndStartKeepsTheHandlerFromRunning() throws {
        let h = try QueueHarness(workers: 1)
        let ran = Mutex_([Int64]())
        h.pool.register("k", handler: ClosureHandler { context in
            ran.update { $0.append(context.jobId) }
            return .done
        })
        let ids = try h.queue.enqueue([NewJob(kind: "k"), NewJob(kind: "k")]).insertedIds
        let second = ids[1]
        let cancelled = Mutex_(false)
        // The hub speaks on the worker's thread right after the commit that claimed the second
        // job, before the worker runs it: exactly the window.
        let queue = h.queue
        let unsubscribe = h.events.subscribe { event in
            guard case .status(let job) = event, job.id == second, job.status == .running, !cancelled.get() else { return }
            cancelled.set(true)
            _ = try? queue.cancel(second)
        }
        try h.pool.start()
        try h.waitFor(ids[0], .completed)
        try h.waitFor(second, .cancelled)
        unsubscribe()
        XCTAssertTrue(cancelled.get())
        XCTAssertEqual(ran.get(), [ids[0]], "the cancelled job's handler ran")
        XCTAssertEqual(try h.path(of: second), ["->pending", "pending>running", "running>cancelled"])
    }

    /// A job scheduled for later starts when it falls due, not before and not much after.
    func testWorkersWakeWhenAJobFallsDue() throws {
        let h = try QueueHarness()
        let started = Mutex_(Date?.none)
        h.pool.register("k", handler: ClosureHandler { _ in started.set(Date()); return .done })
        try h.pool.start()
        let due = Date().addingTimeInterval(0.5)
        let id = try h.queue.enqueue([NewJob(kind: "k", runAfter: due.timeIntervalSince1970)]).inserted[0].id!
        try h.waitFor(id, .completed)
        let at = try XCTUnwrap(started.get())
        XCTAssertGreaterThanOrEqual(at.timeIntervalSince(due), -0.01)
        XCTAssertLessThan(at.timeIntervalSince(due), 0.15)
    }

    /// Progress reported a thousand times a second is written a few times a second.
    func testProgressIsThrottled() throws {
        let h = try QueueHarness()
        let published = Counter()
        let unsubscribe = h.events.subscribe { event in if case .progress = event { _ = published.increment() } }
        h.pool.register("k", handler: ClosureHandler { context in
            let end = Date().addingTimeInterval(1)
            var step = 0.0
            while Date() < end {
                step += 1
                context.reportProgress(JobProgress(percent: min(100, step / 10)))
                Thread.sleep(forTimeInterval: 0.001)
            }
            return .done
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        try h.waitFor(id, .completed)
        // Each published progress event is one write; ~1,000 reports in 1 s at 0.25 s spacing.
        XCTAssertLessThanOrEqual(published.count, 6)
        XCTAssertGreaterThanOrEqual(published.count, 2)
        unsubscribe()
    }

    /// The last progress before a quiet spell is written, not dropped: a report held back by
    /// the write interval is flushed by the supervisor once the interval has passed.
    func testTheLastProgressBeforeAQuietSpellIsWritten() throws {
        let h = try QueueHarness(workers: 1)
        let release = Mutex_(false)
        h.pool.register("k", handler: ClosureHandler { context in
            context.reportProgress(JobProgress(percent: 10))
            context.reportProgress(JobProgress(percent: 42))  // held back: within 0.25 s of the first
            while !release.get() { Thread.sleep(forTimeInterval: 0.01) }
            return .done
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        let deadline = Date().addingTimeInterval(5)
        var percent: Double?
        while Date() < deadline {
            percent = try h.queue.job(id)?.progressPercent
            if percent == 42 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        release.set(true)
        XCTAssertEqual(percent, 42, "the held-back progress never reached the database")
        try h.waitFor(id, .completed)
    }

    /// A graceful shutdown puts a running job back in the queue with its attempt returned; it
    /// is no crash and waits for no backoff.
    func testAGracefulShutdownRequeuesRunningJobsWithoutSpendingAnAttempt() throws {
        let h = try QueueHarness(workers: 1)
        h.pool.register("k", handler: ClosureHandler { context in
            while !context.isCancelled { Thread.sleep(forTimeInterval: 0.01) }
            throw JobFailure(.cancelled, "Stopped")
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k", maxAttempts: 3)]).inserted[0].id!
        try h.waitFor(id, .running)
        h.pool.stop()
        let job = try XCTUnwrap(try h.queue.job(id))
        XCTAssertEqual(job.status, .pending)
        XCTAssertEqual(job.attempts, 0)
        XCTAssertNil(job.worker)
        XCTAssertLessThanOrEqual(job.runAfter.timeIntervalSinceNow, 0.5, "due at once after the restart")
        XCTAssertEqual(try h.path(of: id), ["->pending", "pending>running", "running>pending"])
        XCTAssertEqual(try h.queue.recoverZombies(), 0)
    }

    /// A kind's transition hook runs inside the transaction of every status change of its
    /// jobs (enqueue, claim, end), seeing the job as written.
    func testTransitionHooksRunInTheSameTransactionAsEachChange() throws {
        let h = try QueueHarness(workers: 1)
        let seen = Mutex_([String]())
        h.queue.setTransitionHook(for: "k") { db, job in
            // The job row already has the new status inside this transaction.
            let status = try String.fetchOne(db, sql: "SELECT status FROM jobs WHERE id = ?", arguments: [job.id])
            seen.update { $0.append("\(job.status.rawValue)=\(status ?? "?")") }
        }
        h.pool.register("k", handler: ClosureHandler { _ in throw JobFailure(.permanent, "no") })
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        try h.pool.start()
        try h.waitFor(id, .failed)
        XCTAssertEqual(seen.get(), ["pending=pending", "running=running", "failed=failed"])

        // A hook that throws rolls the change back with it.
        h.queue.setTransitionHook(for: "k") { _, job in
            if job.status == .pending { throw JobFailure(.permanent, "refused") }
        }
        XCTAssertThrowsError(try h.queue.retry(id))
        XCTAssertEqual(try h.queue.job(id)?.status, .failed)
    }

    /// Once a handler committed to finishing, a user's cancel no longer splits its outcome.
    func testACancelAfterCommitToFinishDoesNotStopTheRun() throws {
        let h = try QueueHarness(workers: 1)
        let committed = Mutex_(false)
        let release = Mutex_(false)
        h.pool.register("k", handler: ClosureHandler { context in
            guard context.commitToFinish() else { throw JobFailure(.cancelled, "Stopped") }
            committed.set(true)
            while !release.get() { Thread.sleep(forTimeInterval: 0.01) }
            return JobCompletion(message: "finished anyway")
        })
        try h.pool.start()
        let id = try h.queue.enqueue([NewJob(kind: "k")]).inserted[0].id!
        while !committed.get() { Thread.sleep(forTimeInterval: 0.01) }
        _ = try h.queue.cancel(id)
        release.set(true)
        try h.waitFor(id, .completed)
    }

    /// Many jobs, several workers: each job runs exactly once and never twice at the same time.
    func testEveryJobRunsOnceAcrossWorkers() throws {
        let h = try QueueHarness(workers: 4)
        let active = Mutex_(Set<Int64>())
        let overlaps = Counter()
        let runs = Mutex_([Int64: Int]())
        h.pool.register("k", handler: ClosureHandler { context in
            let id = context.jobId
            if !active.update({ $0.insert(id).inserted }) { _ = overlaps.increment() }
            runs.update { $0[id, default: 0] += 1 }
            Thread.sleep(forTimeInterval: 0.001)
            active.update { $0.remove(id) }
            return .done
        })
        try h.pool.start()
        let result = try h.queue.enqueue((0..<500).map { _ in NewJob(kind: "k") })
        let deadline = Date().addingTimeInterval(30)
        while try h.queue.counts()[.completed] ?? 0 < 500, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(try h.queue.counts()[.completed], 500)
        XCTAssertEqual(overlaps.count, 0)
        XCTAssertEqual(runs.get().count, result.insertedIds.count)
        XCTAssertTrue(runs.get().values.allSatisfy { $0 == 1 })
    }

    func testHousekeepingPrunesOldCompletedJobsOnly() throws {
        let h = try QueueHarness()
        let ids = try h.queue.enqueue((0..<30).map { _ in NewJob(kind: "k") }).inserted.map { $0.id! }
        try h.database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'completed', finished_at = 0 WHERE id <= ?", arguments: [ids[19]])
            try db.execute(sql: "UPDATE jobs SET status = 'failed', finished_at = 0 WHERE id > ?", arguments: [ids[24]])
        }
        let housekeeper = Housekeeper(database: h.database, retentionSeconds: 3600, batchSize: 7)
        let run = try housekeeper.runNow()
        XCTAssertEqual(run.prunedJobs, 20)
        XCTAssertTrue(run.checkpointed)
        XCTAssertEqual(try h.queue.counts().values.reduce(0, +), 10, "failed and pending jobs stay")
        XCTAssertEqual(try h.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM job_events WHERE job_id <= ?", arguments: [ids[19]]) }, 0)
    }

    func testRetryPolicyFormula() {
        let policy = RetryPolicy(baseSeconds: 30, capSeconds: 3600, jitter: 0.2)
        XCTAssertEqual(policy.delay(afterAttempt: 1, random: 0), 30)
        XCTAssertEqual(policy.delay(afterAttempt: 2, random: 0), 60)
        XCTAssertEqual(policy.delay(afterAttempt: 4, random: 0), 240)
        XCTAssertEqual(policy.delay(afterAttempt: 20, random: 0), 3600)
        XCTAssertEqual(policy.delay(afterAttempt: 1, random: 0.5), 33, accuracy: 0.001)
    }
}

/// A tiny lock-protected box for test bookkeeping.
final class Mutex_<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    @discardableResult
    func update<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}
