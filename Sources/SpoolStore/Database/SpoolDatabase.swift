import Foundation
import GRDB
import Logging

/// The one database of the process: a GRDB `DatabasePool` whose single writer connection is the
/// writer queue every write in Spool goes through, plus a bounded pool of WAL readers.
///
/// Open the file once per process: a second pool (or any other writing connection) on the same
/// file would bring back the lock contention this design removes.
public final class SpoolDatabase: Sendable {
    /// The GRDB pool. Not public: every write in the process goes through `write` (group commit,
    /// priorities, statistics) or `maintain`; reads through `read`.
    let pool: DatabasePool
    public let options: DatabaseOptions
    /// Counters shown by `/api/health`.
    public let writerStatistics: WriterStatistics
    private let groupCommit: GroupCommit
    private let checkpointer: WALCheckpointer
    private let fileIdentity: DatabaseFileIdentity

    /// Opens (creating if needed) the database file without migrating it.
    public init(options: DatabaseOptions, logger: Logger = Logger(label: "spool.store")) throws {
        let directory = URL(fileURLWithPath: options.path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        let statistics = WriterStatistics()
        var configuration = Configuration()
        configuration.label = "spool"
        configuration.foreignKeysEnabled = true
        configuration.maximumReaderCount = max(1, options.maximumReaderCount)
        configuration.busyMode = .callback(BusyWaitPolicy(
            timeout: options.busyTimeout, statistics: statistics, logger: logger).shouldRetry)
        let journalSizeLimit = options.journalSizeLimit
        configuration.prepareDatabase { db in
            // GRDB sets synchronous=NORMAL on the writer; readers get it too so every connection
            // (and `/api/health`, which reads on a reader) agrees.
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = \(journalSizeLimit)")
        }
        self.pool = try DatabasePool(path: options.path, configuration: configuration)
        self.options = options
        self.writerStatistics = statistics
        self.checkpointer = WALCheckpointer(path: options.path, thresholdPages: options.checkpointPages, statistics: statistics, logger: logger)
        self.groupCommit = GroupCommit(pool: pool, statistics: statistics, checkpointer: checkpointer)
        switch options.checkpoints {
        case .spool:
            pool.writeWithoutTransaction { [checkpointer] db in checkpointer.start(writer: db) }
        case .external:
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        self.fileIdentity = DatabaseFileIdentity(path: options.path, logger: logger)
        groupCommit.fileCheck = { [fileIdentity] in fileIdentity.problem() }
    }

    /// Whether the file at `DB_PATH` is still the one this process writes (see
    /// `DatabaseFileIdentity`); nil when it is, else what happened to it. Writes fail with
    /// `StoreError.databaseFileGone` while it is not.
    public var fileProblem: String? { fileIdentity.problem() }

    /// Runs `updates` in a `BEGIN IMMEDIATE` transaction on the writer queue and returns once
    /// it is committed. Writes from other threads that arrive meanwhile may share the
    /// transaction (group commit, see `GroupCommit`); each runs in its own savepoint then, so
    /// when `updates` throws, only its own changes are rolled back.
    ///
    /// Keep the block short and free of slow work (no network, no file moves, no sleeping):
    /// every other write in the process waits for it. Do not call `write` from inside it.
    /// `.background` writes yield to interactive ones (see `WritePriority`). `work` names the
    /// housekeeping a write does, whose longest writer hold `/api/health` shows.
    ///
    /// A housekeeping batch (`work` set) first waits while the background checkpointer copies
    /// the WAL (at most a second): bulk deletes paced by the copy leave the writer only a few
    /// frames to copy itself, where unpaced they left it 100–370 ms of copying at 100,000
    /// tracks (docs/benchmarks.md).
    @discardableResult
    public func write<T>(priority: WritePriority = .interactive, work: HousekeepingWork? = nil, _ updates: (Database) throws -> T) throws -> T {
        if work != nil { checkpointer.waitWhileCopying(timeout: Self.housekeepingCheckpointWait) }
        return try groupCommit.write(priority: priority, label: work, updates)
    }

    /// How long a housekeeping batch waits at most for the background checkpoint (a copy of
    /// the 4 MB threshold takes 10–50 ms here; a slow disk may take longer, and housekeeping
    /// then goes on without it).
    static let housekeepingCheckpointWait = 1.0

    /// Copies the whole WAL into the database file on the checkpointer's own connection, off
    /// the writer, and waits for it (at most `timeout` seconds): housekeeping's idle
    /// checkpoint. True when every frame was copied; the next write then restarts the WAL and
    /// `journal_size_limit` cuts the file. Nothing with external checkpoints (Litestream).
    ///
    /// Housekeeping ran `wal_checkpoint(TRUNCATE)` on the writer instead, which waits for every
    /// reader to leave the WAL and syncs the file: 400–900 ms of writer hold at 100,000 tracks
    /// under load (docs/benchmarks.md). Only `close()` truncates now.
    @discardableResult
    public func checkpointInBackground(timeout: Double = 10) -> Bool {
        guard options.checkpoints == .spool else { return false }
        return checkpointer.copyInBackground(timeout: timeout)
    }

    /// Runs `work` on the writer connection outside a transaction, for what SQLite refuses to
    /// do inside one (`PRAGMA optimize`, `wal_checkpoint(TRUNCATE)`, `VACUUM`). It waits for a
    /// moment when no transaction is pending (at most a few batches), so housekeeping never
    /// goes ahead of a click, and it is counted like any write.
    ///
    /// ```swift
    /// try database.maintain { db in try db.execute(sql: "PRAGMA optimize") }
    /// ```
    @discardableResult
    public func maintain<T>(_ work: (Database) throws -> T) throws -> T {
        try groupCommit.maintain(label: .maintenance, work)
    }

    /// The checkpointer, for tests of what the writer copies itself.
    var walCheckpointer: WALCheckpointer { checkpointer }

    /// Background checkpoints run so far (see `WALCheckpointer`).
    public var completedCheckpoints: Int { checkpointer.completedCheckpoints }

    /// Runs `value` in a read transaction on one of the pool's readers (a snapshot in WAL).
    public func read<T>(_ value: (Database) throws -> T) throws -> T {
        try pool.read(value)
    }

    /// Applies every migration not yet applied. When the database already holds data and some
    /// migration is pending, an online backup is written beside the file first, so a failed
    /// upgrade can be undone by copying it back. Returns the backup's path, if one was made.
    ///
    /// Then, whether or not anything was pending, analyzes the indexes an analyzed database has
    /// no statistics for (`SchemaMigrations.analyzeIndexesWithoutStatistics`): an index a
    /// migration added, including one of a database upgraded by an earlier build.
    @discardableResult
    public func migrate(logger: Logger = Logger(label: "spool.store")) throws -> String? {
        let backupPath = try applyPendingMigrations(logger: logger)
        try pool.write { db in try SchemaMigrations.analyzeIndexesWithoutStatistics(db) }
        return backupPath
    }

    private func applyPendingMigrations(logger: Logger) throws -> String? {
        let migrator = SchemaMigrations.migrator
        let (pending, hasData) = try pool.read { db in
            let applied = try migrator.appliedIdentifiers(db)
            let pending = migrator.migrations.filter { !applied.contains($0) }
            let hasData = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")! > 0
            return (pending, hasData)
        }
        guard !pending.isEmpty else { return nil }
        var backupPath: String?
        if hasData {
            let stamp = Int(Date().timeIntervalSince1970)
            let path = "\(options.path).pre-\(pending.first!)-\(stamp).backup"
            try backup(to: path)
            logger.info("Backed up the database before migrating", metadata: ["backup": "\(path)", "pending": "\(pending)"])
            backupPath = path
        }
        try migrator.migrate(pool)
        logger.info("Database migrated", metadata: ["applied": "\(pending)"])
        return backupPath
    }

    /// Writes a consistent online copy of the database to `path` (SQLite's backup API, read from
    /// a WAL snapshot so writers are not blocked). Refuses to overwrite an existing file.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError.backupTargetExists(path)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            let destination = try DatabaseQueue(path: temporary)
            try pool.backup(to: destination)
            try destination.close()
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// Checkpoints the WAL into the database file and closes every connection; later accesses
    /// throw. (The last connection to close may be a read-only one, which cannot checkpoint,
    /// so the writer does it first: a stopped Spool leaves an empty WAL behind.) With
    /// external checkpoints the WAL is left to their owner.
    public func close() throws {
        checkpointer.stop()
        if options.checkpoints == .spool {
            try pool.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
        try pool.close()
    }
}

/// Errors of the store layer.
public enum StoreError: Error, CustomStringConvertible {
    case backupTargetExists(String)
    /// The database file was deleted or replaced under the running server: a write would go to
    /// a file nobody will open again (and be lost at the next start).
    case databaseFileGone(String)

    public var description: String {
        switch self {
        case .backupTargetExists(let path): "Refusing to overwrite \(path): choose a new backup path."
        case .databaseFileGone(let problem): problem
        }
    }
}
