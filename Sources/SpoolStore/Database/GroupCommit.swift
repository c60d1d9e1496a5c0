import Foundation
import GRDB

/// How urgently a write should be committed.
public enum WritePriority: Sendable {
    /// Someone waits on it: a click, a job changing status.
    case interactive
    /// Bulk writes that may wait a few milliseconds for interactive ones (playback telemetry).
    case background
}

/// Group commit for the writer queue: writes that arrive while a transaction runs wait
/// together, and the first of them to get its turn runs them all in the next transaction, each
/// in its own savepoint. Every caller still returns only once its write is committed, and a
/// write that throws is rolled back alone; but a burst of small writes from many threads costs
/// a few commits instead of one each, and the writer changes hands once per batch instead of
/// once per write (on two cores, three job workers handing the writer to each other cost more
/// than their SQL).
///
/// Interactive writes (the default) are committed before waiting background ones, in their
/// own small batch; see `WritePriority`.
final class GroupCommit: @unchecked Sendable {
    /// One caller's write, waiting for its batch.
    private final class Entry {
        /// Runs the write (in a savepoint when the batch is shared); false when it threw.
        let run: (_ db: Database, _ isShared: Bool) -> Bool
        /// The housekeeping the write does, when its writer hold is measured (`WriterStatistics`).
        let label: HousekeepingWork?
        var isDone = false
        /// Set when the batch's transaction did not commit.
        var batchError: Error?

        init(label: HousekeepingWork?, run: @escaping (Database, Bool) -> Bool) {
            self.label = label
            self.run = run
        }
    }

    /// Background writes per transaction at most (telemetry: 2 requests of up to 500
    /// events); bounds how long an interactive write can wait for the batch before it.
    static let maximumBackgroundBatch = 2
    /// Interactive batches in a row after which waiting background writes ride along with the
    /// next one, so a steady stream of interactive writes (a queue running flat out) cannot
    /// starve telemetry.
    static let maximumBackgroundWait = 4
    /// Batches a maintenance operation waits at most for a moment with no transaction pending.
    static let maximumMaintenanceWait = 8

    private let pool: DatabasePool
    private let statistics: WriterStatistics
    private let checkpointer: WALCheckpointer
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pendingInteractive: [Entry] = []
    private var pendingBackground: [Entry] = []
    private var isFlushing = false
    /// Interactive batches committed while background writes waited.
    private var backgroundPassedOver = 0
    private var pendingMaintenance: [Entry] = []
    /// Batches committed while a maintenance operation waited.
    private var maintenancePassedOver = 0
    /// The thread running the current batch: a write from inside a write would wait for itself.
    private var flushingThread: pthread_t?

    /// Says why the database file may not be written (deleted or replaced), checked before
    /// every batch: one `stat`, about a microsecond.
    nonisolated(unsafe) var fileCheck: (@Sendable () -> String?)?

    init(pool: DatabasePool, statistics: WriterStatistics, checkpointer: WALCheckpointer) {
        self.pool = pool
        self.statistics = statistics
        self.checkpointer = checkpointer
    }

    /// Runs `updates` in the next group transaction and returns once that has committed.
    func write<T>(priority: WritePriority, label: HousekeepingWork?, _ updates: (Database) throws -> T) throws -> T {
        try submit(.grouped(priority), label: label, updates)
    }

    /// Runs `work` on the writer connection outside any transaction (`PRAGMA optimize`,
    /// `wal_checkpoint(TRUNCATE)`), alone, when no transaction is waiting, at most
    /// `maximumMaintenanceWait` batches later: housekeeping goes through the one writer, its
    /// order and its statistics like every other write, and never ahead of a click.
    func maintain<T>(label: HousekeepingWork?, _ work: (Database) throws -> T) throws -> T {
        try submit(.maintenance, label: label, work)
    }

    /// Where a submitted write waits.
    private enum Lane { case grouped(WritePriority), maintenance }

    private func submit<T>(_ lane: Lane, label: HousekeepingWork?, _ updates: (Database) throws -> T) throws -> T {
        let enqueuedAt = DispatchTime.now().uptimeNanoseconds
        statistics.writeDidEnqueue()
        var outcome: Result<T, Error>?
        return try withoutActuallyEscaping(updates) { updates in
            let entry = Entry(label: label) { [statistics] db, isShared in
                statistics.writeDidStart(
                    waitedSeconds: Double(DispatchTime.now().uptimeNanoseconds - enqueuedAt) / 1e9)
                let result = Result { try Self.run(updates, in: db, isolated: isShared) }
                outcome = result
                if case .failure = result { return false }
                return true
            }
            condition.lock()
            if isFlushing, let flushingThread, pthread_equal(flushingThread, pthread_self()) != 0 {
                condition.unlock()
                preconditionFailure("SpoolDatabase.write was called from inside a write block; do the work in the outer block.")
            }
            switch lane {
            case .grouped(.interactive): pendingInteractive.append(entry)
            case .grouped(.background): pendingBackground.append(entry)
            case .maintenance: pendingMaintenance.append(entry)
            }
            while !entry.isDone {
                if isFlushing {
                    condition.wait()
                } else {
                    flushPending()
                }
            }
            condition.unlock()
            // The write's own error first; a success counts only if the batch committed.
            let result: Result<T, Error>
            switch outcome {
            case .failure(let error): result = .failure(error)
            case .success(let value): result = entry.batchError.map { .failure($0) } ?? .success(value)
            case nil: result = .failure(entry.batchError ?? DatabaseError(resultCode: .SQLITE_ABORT, message: "The write did not run."))
            }
            statistics.writeDidFinish(succeeded: (try? result.get()) != nil)
            return try result.get()
        }
    }

    /// A shared batch isolates each write in a savepoint, so one that throws is undone alone.
    /// A lone write needs none: when it throws, its whole transaction rolls back.
    private static func run<T>(_ updates: (Database) throws -> T, in db: Database, isolated: Bool) throws -> T {
        guard isolated else { return try updates(db) }
        // Prepared once per connection: GRDB's `inSavepoint` parses and authorizes both
        // statements on every call, which showed in the queue's profile.
        try db.cachedStatement(sql: "SAVEPOINT spool_write").execute()
        do {
            let value = try updates(db)
            try db.cachedStatement(sql: "RELEASE spool_write").execute()
            return value
        } catch {
            if db.isInsideTransaction {
                try db.cachedStatement(sql: "ROLLBACK TO spool_write").execute()
                try db.cachedStatement(sql: "RELEASE spool_write").execute()
            }
            throw error
        }
    }

    /// `BEGIN IMMEDIATE` … `COMMIT` with statements prepared once per connection (GRDB's
    /// `write` parses and authorizes both on every transaction).
    private static func inImmediateTransaction(_ db: Database, _ updates: () throws -> Void) throws {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            try updates()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            if db.isInsideTransaction {
                try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute()
            }
            throw error
        }
    }

    /// Why a lone write's transaction was rolled back (the caller gets the write's own error).
    private struct LoneWriteFailed: Error {}

    /// Called with the lock held; releases it while the batch runs.
    private func flushPending() {
        isFlushing = true
        flushingThread = pthread_self()
        let nothingElseWaits = pendingInteractive.isEmpty && pendingBackground.isEmpty
        if !pendingMaintenance.isEmpty, nothingElseWaits || maintenancePassedOver >= Self.maximumMaintenanceWait {
            runMaintenance(pendingMaintenance.removeFirst())
            return
        }
        if !pendingMaintenance.isEmpty { maintenancePassedOver += 1 }
        // Interactive writes go first, in a batch of their own: a click then waits for at
        // most the batch already running, never behind a pile of telemetry.
        var batch: [Entry] = pendingInteractive
        pendingInteractive = []
        if batch.isEmpty || backgroundPassedOver >= Self.maximumBackgroundWait {
            // A capped share: an interactive write that arrives meanwhile waits for this batch.
            let background = pendingBackground.prefix(Self.maximumBackgroundBatch)
            batch += background
            pendingBackground.removeFirst(background.count)
            backgroundPassedOver = 0
        } else if !pendingBackground.isEmpty {
            backgroundPassedOver += 1
        }
        condition.unlock()
        var batchError: Error?
        let began = DispatchTime.now().uptimeNanoseconds
        // The writer's own WAL copying during the batch is the checkpoint's hold, not the batch's.
        let copyingBefore = checkpointer.writerCopyTime
        if let problem = fileCheck?() {
            batchError = StoreError.databaseFileGone(problem)
        } else { do {
            try pool.writeWithoutTransaction { db in
                checkpointer.finishOnWriter(db)
                try Self.inImmediateTransaction(db) {
                    let isShared = batch.count > 1
                    for entry in batch {
                        let succeeded = entry.run(db, isShared)
                        if !isShared && !succeeded { throw LoneWriteFailed() }
                        // Some errors (disk full, I/O) roll the whole transaction back: the
                        // writes that already ran are gone too, so the batch fails as one.
                        if !db.isInsideTransaction {
                            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "The transaction was rolled back by an error in a write of its batch.")
                        }
                    }
                }
            }
            statistics.groupDidCommit()
            let held = Double(DispatchTime.now().uptimeNanoseconds - began - (checkpointer.writerCopyTime - copyingBefore)) / 1e9
            for label in Set(batch.compactMap(\.label)) { statistics.writerWasHeld(by: label, seconds: held) }
        } catch {
            batchError = error
        } }
        condition.lock()
        for entry in batch {
            entry.batchError = batchError
            entry.isDone = true
        }
        isFlushing = false
        flushingThread = nil
        condition.broadcast()
    }

    /// Called with the lock held, like `flushPending`; runs one maintenance entry alone.
    private func runMaintenance(_ entry: Entry) {
        maintenancePassedOver = 0
        condition.unlock()
        // The work's own error reaches its caller through the entry's outcome.
        pool.writeWithoutTransaction { db in
            checkpointer.finishOnWriter(db)
            let began = DispatchTime.now().uptimeNanoseconds
            _ = entry.run(db, false)
            if let label = entry.label {
                statistics.writerWasHeld(by: label, seconds: Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9)
            }
        }
        condition.lock()
        entry.isDone = true
        isFlushing = false
        flushingThread = nil
        condition.broadcast()
    }
}
