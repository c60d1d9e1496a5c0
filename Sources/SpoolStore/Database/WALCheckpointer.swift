import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Copies the WAL back into the database file on its own thread and connection, so the
/// writer never pays for it.
///
/// SQLite's auto-checkpoint runs inside the `COMMIT` that crosses the threshold: that write,
/// and every write queued behind it, waits for the copy and its fsyncs. Under telemetry load
/// that happened every second or two and put 250–350 ms spikes into a rating change or a
/// delete (the p99 of `scripts/bench/telemetry.py`). Here the writer's WAL hook (which
/// replaces auto-checkpoint) only wakes this thread; the thread runs a PASSIVE checkpoint,
/// which never takes the write lock, so writers carry on while it copies.
///
/// A checkpoint that runs beside writers never quite catches up, and SQLite restarts the WAL
/// from its beginning only once every frame was copied: alone, this would let the WAL grow
/// without bound under steady writes. So after each background copy the writer finishes the
/// job between two transactions (`finishOnWriter`): it copies only the few frames committed
/// meanwhile, the next transaction restarts the WAL, and `journal_size_limit` truncates it.
///
/// What the writer copies itself holds every write behind it, so it is measured apart from the
/// transactions around it (`HousekeepingWork.checkpoint` in `/api/health`): housekeeping that
/// deletes thousands of rows in a row once showed holds of 100–370 ms that were this copy, not
/// its own batches (3–7 ms each). Such bulk writes wait for the background copy instead
/// (`waitWhileCopying`), so the writer's share stays a few frames.
final class WALCheckpointer: @unchecked Sendable {
    private let path: String
    private let thresholdPages: Int
    private let statistics: WriterStatistics
    /// WAL size, in thresholds, beyond which the writer checkpoints itself (32 MB by default).
    static let writerTakeoverFactor = 8
    /// Passes of one background copy at most, each copying what the one before missed.
    static let passes = 4
    private let logger: Logger
    private let wake = DispatchSemaphore(value: 0)
    /// Where the current cycle is; each step is taken by one thread only.
    private let phase = Atomic<Int>(Phase.idle)
    private let isStopping = Atomic<Bool>(false)

    private enum Phase {
        /// The WAL is below the threshold, or was just restarted.
        static let idle = 0
        /// The thread is copying the WAL into the database.
        static let copying = 1
        /// Copied; the writer copies the rest between two transactions.
        static let finishing = 2
    }
    private let stopped = DispatchSemaphore(value: 0)
    private let completed = Atomic<Int>(0)
    /// Signalled, with `phase` changed under it, when a background copy ends.
    private let copyEnded = NSCondition()
    /// Nanoseconds the writer spent copying frames itself, in all (only the writer adds).
    private let writerCopyNanoseconds = Atomic<UInt64>(0)
    /// The WAL's frames when the last background copy took them all (-1: it did not).
    private let framesCopied = Atomic<Int>(-1)
    /// The WAL's frames after the last commit (the WAL hook's count).
    private let framesCommitted = Atomic<Int>(0)
    private var thread: Thread?

    init(path: String, thresholdPages: Int, statistics: WriterStatistics, logger: Logger) {
        self.path = path
        self.thresholdPages = max(1, thresholdPages)
        self.statistics = statistics
        self.logger = logger
    }

    /// Checkpoints run so far (for tests and diagnostics).
    var completedCheckpoints: Int { completed.load(ordering: .relaxed) }

    /// The writer's own copying so far, in nanoseconds: a transaction's hold less what this
    /// grew by during it is the transaction's own.
    var writerCopyTime: UInt64 { writerCopyNanoseconds.load(ordering: .relaxed) }

    /// Waits, at most `timeout` seconds, while the background thread copies the WAL; returns
    /// at once when it does not. Bulk writes call it between batches (`SpoolDatabase.write(work:)`):
    /// a delete of thousands of rows otherwise outruns the copy, and the writer ends up
    /// copying what the copy missed (or all of it, past `writerTakeoverFactor`).
    func waitWhileCopying(timeout: Double) {
        guard phase.load(ordering: .acquiring) == Phase.copying else { return }
        let deadline = Date(timeIntervalSinceNow: timeout)
        copyEnded.lock()
        while phase.load(ordering: .acquiring) == Phase.copying, copyEnded.wait(until: deadline) {}
        copyEnded.unlock()
    }

    /// Has the background thread copy the WAL now (when it is not already), and waits for it,
    /// at most `timeout` seconds. True when that copy took every frame: the next write then
    /// restarts the WAL, and `journal_size_limit` cuts the file.
    func copyInBackground(timeout: Double) -> Bool {
        guard thread != nil, !isStopping.load(ordering: .relaxed) else { return false }
        if phase.compareExchange(expected: Phase.idle, desired: Phase.copying, ordering: .acquiringAndReleasing).exchanged {
            wake.signal()
        }
        waitWhileCopying(timeout: timeout)
        return phase.load(ordering: .acquiring) != Phase.copying && framesCopied.load(ordering: .acquiring) >= 0
    }

    /// Leaves the whole WAL to the writer's next `finishOnWriter`, as if a background copy had
    /// just ended and missed every frame (tests: a writer copy of a known size).
    func leaveNextCopyToWriter() {
        framesCopied.store(-1, ordering: .releasing)
        phase.store(Phase.finishing, ordering: .releasing)
    }

    /// Runs `copy` on the writer, counting its time as the writer's copying.
    private func timedOnWriter(_ writer: OpaquePointer?, why: String) -> Int32 {
        let began = DispatchTime.now().uptimeNanoseconds
        var walPages: Int32 = 0
        var copiedPages: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, &walPages, &copiedPages)
        let spent = DispatchTime.now().uptimeNanoseconds - began
        writerCopyNanoseconds.add(spent, ordering: .relaxed)
        statistics.writerWasHeld(by: .checkpoint, seconds: Double(spent) / 1e9)
        if spent > 50_000_000 {
            logger.info("The writer copied WAL frames itself", metadata: [
                "why": "\(why)", "ms": "\(spent / 1_000_000)", "wal_pages": "\(walPages)", "copied": "\(copiedPages)",
                "copied_by_thread": "\(framesCopied.load(ordering: .relaxed))"])
        }
        return result
    }

    /// Installs the WAL hook on the writer connection and starts the thread.
    func start(writer db: Database) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        // Replaces SQLite's auto-checkpoint, which is itself a WAL hook.
        sqlite3_wal_hook(db.sqliteConnection, { context, writer, _, pages in
            Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue().walDidGrow(to: Int(pages), writer: writer)
            return SQLITE_OK
        }, context)
        let thread = Thread { [self] in run() }
        thread.name = "spool.store.checkpointer"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread; the caller checkpoints the rest on the writer before closing.
    func stop() {
        guard thread != nil, !isStopping.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
        stopped.wait()
    }

    /// Called on the writer between two transactions: after a background copy, copies the
    /// frames committed since (a few), so the next transaction can restart the WAL.
    func finishOnWriter(_ db: Database) {
        guard phase.load(ordering: .acquiring) == Phase.finishing else { return }
        // Nothing committed since the background copy took every frame: the next transaction
        // restarts the WAL by itself.
        if framesCopied.load(ordering: .acquiring) == framesCommitted.load(ordering: .acquiring) {
            phase.store(Phase.idle, ordering: .releasing)
            return
        }
        if timedOnWriter(db.sqliteConnection, why: "finishing a background copy") == SQLITE_OK {
            phase.store(Phase.idle, ordering: .releasing)
        }
    }

    /// Called by SQLite on the writer after each commit (the write lock already released):
    /// wakes the thread, and returns at once unless the WAL has grown far past the threshold.
    private func walDidGrow(to pages: Int, writer: OpaquePointer?) {
        framesCommitted.store(pages, ordering: .releasing)
        guard pages >= thresholdPages else { return }
        if phase.compareExchange(expected: Phase.idle, desired: Phase.copying, ordering: .acquiringAndReleasing).exchanged {
            wake.signal()
        } else if pages >= thresholdPages * Self.writerTakeoverFactor {
            // The thread is far behind (starved of CPU, a slow disk): copy here, as SQLite's
            // own auto-checkpoint would, rather than let the WAL grow without bound. PASSIVE
            // returns at once if the thread is copying right now.
            _ = timedOnWriter(writer, why: "the background copy is far behind")
        }
    }

    private func run() {
        defer {
            // Nobody waits for a copy that will never run (a copy asked for as the thread stopped).
            copyEnded.lock()
            phase.store(Phase.idle, ordering: .releasing)
            copyEnded.broadcast()
            copyEnded.unlock()
            stopped.signal()
        }
        var connection: OpaquePointer?
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let connection else {
            logger.error("The checkpointer could not open the database; the WAL will only shrink when idle", metadata: ["path": "\(path)"])
            sqlite3_close(connection)
            return
        }
        defer { sqlite3_close(connection) }
        // A new connection knows the file is in WAL mode only once it has read from it; until
        // then a checkpoint reports "not in WAL mode" and copies nothing.
        sqlite3_exec(connection, "SELECT count(*) FROM sqlite_master", nil, nil, nil)
        while true {
            wake.wait()
            if isStopping.load(ordering: .relaxed) { return }
            var walPages: Int32 = 0
            var copiedPages: Int32 = 0
            let started = DispatchTime.now().uptimeNanoseconds
            var result = SQLITE_OK
            // A pass copies what was committed before it began; the next few copy what came
            // meanwhile (fewer each time). Once every frame is copied the next write restarts
            // the WAL by itself, and the writer copies nothing: its copy costs a sync of the
            // database file, 100–500 ms on a busy disk, with every write waiting behind it.
            for _ in 0..<Self.passes {
                result = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &walPages, &copiedPages)
                if result != SQLITE_OK || copiedPages >= walPages { break }
            }
            let complete = result == SQLITE_OK && copiedPages >= walPages
            // The writer finishes the job between two transactions: frames committed after the
            // last pass keep the WAL from restarting. It copies nothing when none were.
            copyEnded.lock()
            framesCopied.store(complete ? Int(walPages) : -1, ordering: .releasing)
            phase.store(Phase.finishing, ordering: .releasing)
            copyEnded.broadcast()
            copyEnded.unlock()
            if result == SQLITE_OK {
                completed.add(1, ordering: .relaxed)
                logger.debug("Checkpointed", metadata: [
                    "wal_pages": "\(walPages)", "copied": "\(copiedPages)",
                    "ms": "\(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)"])
            } else if result != SQLITE_BUSY {
                logger.warning("Checkpoint failed", metadata: ["error": "\(String(cString: sqlite3_errmsg(connection)))"])
            }
        }
    }
}
