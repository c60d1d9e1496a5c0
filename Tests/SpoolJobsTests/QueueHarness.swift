import Foundation
import SpoolJobs
import SpoolStore
import XCTest

/// A real queue on a real SQLite file in a temporary folder, with fast timings.
final class QueueHarness {
    let directory: String
    let database: SpoolDatabase
    let events = EventTap()
    let queue: JobQueue
    let pool: WorkerPool

    init(workers: Int = 2, retry: RetryPolicy = RetryPolicy(baseSeconds: 0.05, capSeconds: 0.2, jitter: 0), lease: Double = 1) throws {
        directory = NSTemporaryDirectory() + "spool-jobs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        database = try SpoolDatabase(options: DatabaseOptions(path: directory + "/tracks.db"))
        try database.migrate()
        queue = JobQueue(database: database, events: { [events] event in events.send(event) }, retryPolicy: retry)
        pool = WorkerPool(queue: queue, options: WorkerPoolOptions(
            workers: workers, leaseSeconds: lease, heartbeatSeconds: lease / 4, supervisionSeconds: 0.05,
            progressIntervalSeconds: 0.25, shutdownGraceSeconds: 2))
    }

    deinit {
        pool.stop()
        try? database.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits until `id` reaches `status`.
    @discardableResult
    func waitFor(_ id: Int64, _ status: JobStatus, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) throws -> Job {
        let deadline = Date().addingTimeInterval(timeout)
        var job = try queue.job(id)
        while Date() < deadline {
            job = try queue.job(id)
            if job?.status == status { return job! }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTFail("job \(id) is \(job?.status.rawValue ?? "missing"), expected \(status.rawValue)", file: file, line: line)
        return try XCTUnwrap(job)
    }

    func path(of id: Int64) throws -> [String] {
        try queue.timeline(of: id).map { "\($0.fromStatus?.rawValue ?? "-")>\($0.toStatus.rawValue)" }
    }
}

/// A handler whose behaviour each test sets.
struct ClosureHandler: JobHandler {
    let body: @Sendable (JobContext) throws -> JobCompletion
    func run(_ context: JobContext) throws -> JobCompletion { try body(context) }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
    var count: Int { lock.withLock { value } }
}

/// Hands the queue's events to whatever a test subscribes, on the committing thread.
final class EventTap: @unchecked Sendable {
    private let lock = NSLock()
    private var handlers: [Int: @Sendable (JobQueueEvent) -> Void] = [:]
    private var next = 0

    func send(_ event: JobQueueEvent) {
        let current = lock.withLock { Array(handlers.values) }
        for handler in current { handler(event) }
    }

    /// Returns the function that ends the subscription.
    func subscribe(_ handler: @escaping @Sendable (JobQueueEvent) -> Void) -> () -> Void {
        let id = lock.withLock { () -> Int in
            next += 1
            handlers[next] = handler
            return next
        }
        return { [weak self] in self?.lock.withLock { _ = self?.handlers.removeValue(forKey: id) } }
    }
}
