import Foundation
import GRDB
import Logging
import SpoolStore
import Synchronization

/// Maintenance that must never compete with downloads, so it runs only when the queue is
/// idle: prunes old completed jobs in small batches, merges the search index's segments into
/// one (`SearchIndex`) a few pages at a time, `PRAGMA optimize`, and a checkpoint of the
/// whole WAL off the writer, so the next write restarts it and `journal_size_limit` cuts the
/// file (unless another program owns checkpoints, `DatabaseOptions.checkpoints`).
public final class Housekeeper: Sendable {
    /// One run, for `/api/health`.
    public struct Run: Sendable, Codable {
        public let at: Date
        public let prunedJobs: Int
        /// Transactions that merged the search index (0: it had fewer than
        /// `SearchIndex.mergeFrom` segments, or the queue was busy).
        public let searchIndexMergeSteps: Int
        public let checkpointed: Bool
        public let seconds: Double
    }

    public let database: SpoolDatabase
    /// Completed jobs older than this are deleted (with their timelines).
    public let retentionSeconds: Double
    /// How often the scheduler runs it (while idle).
    public let intervalSeconds: Double
    public let batchSize: Int
    private let logger: Logger
    private let last = Mutex<Run?>(nil)

    public init(database: SpoolDatabase, retentionSeconds: Double = 30 * 86_400, intervalSeconds: Double = 600,
                batchSize: Int = JobQueue.deleteBatchSize, logger: Logger = Logger(label: "spool.jobs.housekeeping")) {
        self.database = database
        self.retentionSeconds = retentionSeconds
        self.intervalSeconds = intervalSeconds
        self.batchSize = batchSize
        self.logger = logger
    }

    public var lastRun: Run? { last.withLock { $0 } }

    /// The next batch of completed jobs to prune: a range of `jobs_finished` (status,
    /// finished_at). Without it, the last batch of each run read every completed job that was
    /// still young enough to keep, inside the write transaction.
    public static func pruneQuery(finishedBefore cutoff: Double, limit: Int) -> ListQuery {
        ListQuery("SELECT id FROM jobs WHERE status = 'completed' AND finished_at < ? LIMIT ?", [cutoff, limit])
    }

    /// One pass (the scheduler runs it every `intervalSeconds` while the queue is idle);
    /// `isIdle` is asked again before every batch, so a job enqueued meanwhile stops the
    /// pruning at once.
    @discardableResult
    public func runNow(isIdle: () -> Bool = { true }) throws -> Run {
        let started = Date()
        let cutoff = started.timeIntervalSince1970 - retentionSeconds
        var pruned = 0
        while isIdle() {
            let batch = Self.pruneQuery(finishedBefore: cutoff, limit: batchSize)
            let deleted = try database.write(priority: .background, work: .pruneJobs) { db -> Int in
                try db.execute(sql: "DELETE FROM jobs WHERE id IN (\(batch.sql))", arguments: batch.arguments)
                return db.changesCount
            }
            pruned += deleted
            if deleted < batchSize { break }
        }
        var mergeSteps = 0
        if isIdle(), try database.read(SearchIndex.segments) >= SearchIndex.mergeFrom {
            while isIdle(), try database.write(priority: .background, work: .mergeSearchIndex, SearchIndex.mergeStep) {
                mergeSteps += 1
            }
        }
        var checkpointed = false
        if isIdle() {
            try database.maintain { db in
                // `optimize` may run ANALYZE over a whole index; the limit makes it sample about
                // 400 rows per index (SQLite's own advice for `optimize`), so it costs what a
                // small library does. Whole, it held the writer up to 380 ms at 100,000 tracks
                // and 300,000 jobs (docs/benchmarks.md); the plans need the shape of the data,
                // which the sample gives.
                try db.execute(sql: "PRAGMA analysis_limit = 400")
                try db.execute(sql: "PRAGMA optimize")
            }
            // Off the writer, on the checkpointer's connection. Not when another program owns
            // checkpoints (Litestream: `checkpointInBackground` does nothing then).
            checkpointed = database.checkpointInBackground()
        }
        let run = Run(at: started, prunedJobs: pruned, searchIndexMergeSteps: mergeSteps, checkpointed: checkpointed, seconds: Date().timeIntervalSince(started))
        last.withLock { $0 = run }
        logger.info("Housekeeping done", metadata: ["pruned_jobs": "\(run.prunedJobs)", "search_index_merge_steps": "\(run.searchIndexMergeSteps)", "seconds": "\(run.seconds)"])
        return run
    }
}
