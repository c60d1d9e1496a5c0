import Foundation

/// How the one database of the process is opened.
public struct DatabaseOptions: Sendable {
    /// Path of the SQLite file; its folder is created when missing.
    public var path: String
    /// Read-only connections in the pool (WAL readers never block the writer).
    public var maximumReaderCount: Int
    /// How long the writer waits for a lock held by another process (the sqlite3 shell, a
    /// backup tool) before giving up. Inside Spool there is one writer, so no wait comes from us.
    public var busyTimeout: TimeInterval
    /// `PRAGMA journal_size_limit`: the WAL is truncated to this size after checkpoints.
    public var journalSizeLimit: Int
    /// WAL pages after which the background checkpointer copies the WAL into the database
    /// (SQLite's own auto-checkpoint default, which Spool replaces; see `WALCheckpointer`).
    public var checkpointPages: Int
    /// Who copies the WAL back into the database file (`DB_CHECKPOINTS`).
    public var checkpoints: CheckpointOwner

    /// Who checkpoints the WAL.
    public enum CheckpointOwner: String, Sendable, CaseIterable {
        /// Spool: the background PASSIVE checkpointer (`WALCheckpointer`, also housekeeping's
        /// idle copy, off the writer), and `wal_checkpoint(TRUNCATE)` at shutdown.
        case spool
        /// Another program that must be the only one to checkpoint (Litestream, which keeps
        /// a read transaction open and checkpoints after copying the WAL): Spool never
        /// checkpoints and turns SQLite's auto-checkpoint off. The stop's TRUNCATE against
        /// Litestream's read lock waits `busyTimeout` (5 s) holding Spool's writer (until
        /// issue 19's fifth round every idle housekeeping run did too; docs/operations.md,
        /// "Litestream").
        case external
    }

    public init(
        path: String,
        maximumReaderCount: Int = 8,
        busyTimeout: TimeInterval = 5,
        journalSizeLimit: Int = 64 * 1024 * 1024,
        checkpointPages: Int = 1000,
        checkpoints: CheckpointOwner = .spool
    ) {
        self.path = path
        self.maximumReaderCount = maximumReaderCount
        self.busyTimeout = busyTimeout
        self.journalSizeLimit = journalSizeLimit
        self.checkpointPages = checkpointPages
        self.checkpoints = checkpoints
    }
}
