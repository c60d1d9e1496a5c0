import Foundation
import GRDB
import Logging
import SpoolStore
import Synchronization

/// Maintenance that must never compete with downloads, so it runs only when the queue is
/// idle: prunes old completed jobs in small batches, `PRAGMA optimize`, and
/// `wal_checkpoint(TRUNCATE)` so the WAL file shrinks back.
public final class Housekeeper: Sendable {
    /// One run, for `/api/health`.
    public struct Run: Sendable, Codable {
        public let at: Date
        public let prunedJobs: Int
        public let checkpointed: Bool
        public let seconds: Double
    }

    public let database: SpoolDatabase
    /// Completed jobs older than this are deleted (with their timelines).
    public let retentionSeconds: Double
    /// Minimum time between runs.
    public let intervalSeconds: Double
    public let batchSize: Int
    private let logger: Logger
    private let state = Mutex<(lastAttempt: Double, lastRun: Run?)>((0, nil))

    public init(database: SpoolDatabase, retentionSeconds: Double = 30 * 86_400, intervalSeconds: Double = 600,
                batchSize: Int = 500, logger: Logger = Logger(label: "spool.jobs.housekeeping")) {
        self.database = database
        self.retentionSeconds = retentionSeconds
        self.intervalSeconds = intervalSeconds
        self.batchSize = batchSize
        self.logger = logger
        // The first run waits one interval: start-up is busy enough.
        state.withLock { $0.lastAttempt = Date().timeIntervalSince1970 }
    }

    public var lastRun: Run? { state.withLock { $0.lastRun } }

    /// Runs when the interval has passed and `isIdle` says nothing runs or is due; every batch
    /// asks again, so a job enqueued meanwhile stops the pruning at once.
    func runIfDue(isIdle: () -> Bool) {
        let now = Date().timeIntervalSince1970
        guard now - state.withLock({ $0.lastAttempt }) >= intervalSeconds, isIdle() else { return }
        state.withLock { $0.lastAttempt = now }
        do {
            let run = try runNow(isIdle: isIdle)
            state.withLock { $0.lastRun = run }
            logger.info("Housekeeping done", metadata: ["pruned_jobs": "\(run.prunedJobs)", "seconds": "\(run.seconds)"])
        } catch {
            logger.error("Housekeeping failed", metadata: ["error": "\(error)"])
        }
    }

    /// One pass; public for `spool` maintenance and tests.
    public func runNow(isIdle: () -> Bool = { true }) throws -> Run {
        let started = Date()
        let cutoff = started.timeIntervalSince1970 - retentionSeconds
        var pruned = 0
        while isIdle() {
            let deleted = try database.write { db -> Int in
                try db.execute(sql: """
                    DELETE FROM jobs WHERE id IN (
                        SELECT id FROM jobs WHERE status = 'completed' AND finished_at < ? LIMIT ?)
                    """, arguments: [cutoff, batchSize])
                return db.changesCount
            }
            pruned += deleted
            if deleted < batchSize { break }
        }
        var checkpointed = false
        if isIdle() {
            try database.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA optimize")
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            checkpointed = true
        }
        return Run(at: started, prunedJobs: pruned, checkpointed: checkpointed, seconds: Date().timeIntervalSince(started))
    }
}
