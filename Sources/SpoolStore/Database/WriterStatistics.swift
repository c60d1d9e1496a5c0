import Foundation
import Synchronization

/// Housekeeping whose writes are measured: the longest time each held the writer is in
/// `/api/health` (`housekeeping.longest_writer_hold_ms`) and `/metrics`. Each works in small
/// batches, so a click waits behind at most one of them.
public enum HousekeepingWork: String, CaseIterable, Sendable, Codable, CodingKeyRepresentable {
    /// Completed jobs past `JOB_RETENTION_DAYS`, `JobQueue.deleteBatchSize` (25) per transaction.
    case pruneJobs = "prune_jobs"
    /// "Clear finished" on the jobs page, 25 per transaction.
    case clearJobs = "clear_jobs"
    /// The trash emptied or swept past `TRASH_RETENTION_DAYS`, 5 tracks per transaction.
    case purgeTrash = "purge_trash"
    /// A source's retention rules moving a track to the trash (one track per write).
    case retention
    /// `PRAGMA optimize`, and apart from it `wal_checkpoint(TRUNCATE)`, outside a transaction.
    case maintenance
    /// The search index's segments merged into one (`SearchIndex.mergeStep`), a few pages per
    /// transaction.
    case mergeSearchIndex = "merge_search_index"
    /// WAL frames the writer copies into the database itself, between two transactions or
    /// when the background checkpointer falls far behind (`WALCheckpointer`); measured apart
    /// from the transactions around it, so each kind above shows its own batches.
    case checkpoint
}

/// Counts what the writer queue does, for `/api/health` and `/metrics`: how many write
/// transactions ran, how long callers waited for the writer, and every lock wait caused by
/// another process.
public final class WriterStatistics: Sendable {
    /// A point-in-time copy of the counters.
    public struct Snapshot: Sendable, Codable, Equatable {
        public var transactions: Int
        public var failedTransactions: Int
        /// Commits of the writer queue; fewer than `transactions` when group commit joined
        /// concurrent writes into one.
        public var commits: Int
        public var queueDepth: Int
        public var busyWaits: Int
        public var busyTimeouts: Int
        public var waitP50Milliseconds: Double
        public var waitP99Milliseconds: Double
        public var waitMaxMilliseconds: Double
        /// The longest time each kind of housekeeping (`SpoolDatabase.write(work:)`) held the
        /// writer, from `BEGIN` to the end of `COMMIT`, in ms; absent until it ran.
        public var longestHoldMilliseconds: [HousekeepingWork: Double]
    }

    private struct State {
        var transactions = 0
        var failedTransactions = 0
        var commits = 0
        var queueDepth = 0
        var busyWaits = 0
        var busyTimeouts = 0
        /// The most recent queue waits, in a ring, for percentiles.
        var recentWaits = [Double](repeating: 0, count: 1024)
        var recentWaitCount = 0
        var longestHolds: [HousekeepingWork: Double] = [:]
        /// Bumped by every change of any counter.
        var version = 0
    }

    private let state = Mutex(State())

    public init() {}

    func writeDidEnqueue() {
        state.withLock {
            $0.queueDepth += 1
            $0.version += 1
        }
    }

    func writeDidStart(waitedSeconds: Double) {
        state.withLock {
            $0.queueDepth -= 1
            $0.version += 1
            $0.recentWaits[$0.recentWaitCount % $0.recentWaits.count] = waitedSeconds * 1000
            $0.recentWaitCount += 1
        }
    }

    func writeDidFinish(succeeded: Bool) {
        state.withLock {
            $0.transactions += 1
            $0.version += 1
            if !succeeded { $0.failedTransactions += 1 }
        }
    }

    func groupDidCommit() {
        state.withLock {
            $0.commits += 1
            $0.version += 1
        }
    }

    /// A transaction carrying `work` held the writer for `seconds`.
    func writerWasHeld(by work: HousekeepingWork, seconds: Double) {
        state.withLock {
            let milliseconds = seconds * 1000
            if milliseconds > $0.longestHolds[work] ?? -1 {
                $0.longestHolds[work] = milliseconds
                $0.version += 1
            }
        }
    }

    func busyWaitDidHappen() {
        state.withLock {
            $0.busyWaits += 1
            $0.version += 1
        }
    }

    func busyTimeoutDidHappen() {
        state.withLock {
            $0.busyTimeouts += 1
            $0.version += 1
        }
    }

    /// A number that changes whenever any counter does: cheaper than `snapshot` for telling
    /// whether a report built from the counters is still current.
    public var version: Int { state.withLock { $0.version } }

    /// The counters now, with wait percentiles over the last 1,024 write transactions.
    public var snapshot: Snapshot {
        state.withLock { state in
            let count = min(state.recentWaitCount, state.recentWaits.count)
            let waits = state.recentWaits.prefix(count).sorted()
            func percentile(_ p: Double) -> Double {
                guard !waits.isEmpty else { return 0 }
                return waits[min(waits.count - 1, Int(Double(waits.count - 1) * p))]
            }
            return Snapshot(
                transactions: state.transactions,
                failedTransactions: state.failedTransactions,
                commits: state.commits,
                queueDepth: state.queueDepth,
                busyWaits: state.busyWaits,
                busyTimeouts: state.busyTimeouts,
                waitP50Milliseconds: percentile(0.5),
                waitP99Milliseconds: percentile(0.99),
                waitMaxMilliseconds: waits.last ?? 0,
                longestHoldMilliseconds: state.longestHolds)
        }
    }
}
