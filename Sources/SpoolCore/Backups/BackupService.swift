import Foundation
import Glibc
import GRDB
import Logging
import SpoolStore
import Synchronization

/// Backups nobody has to remember: every `BACKUP_INTERVAL_HOURS` an online copy of the
/// database goes into `BACKUP_DIR`, and the oldest beyond `BACKUP_KEEP` are deleted.
///
/// - **The copy** is `spool db backup`'s (`SpoolDatabase.backup(to:)`): SQLite's backup API
///   reading one WAL snapshot on a pool reader, so writers never wait for it and the copy is
///   a consistent database; it is written as `….partial` and renamed, so a crash or a full disk
///   never leaves a half-written file under a backup's name (see `BackupFiles`).
/// - **When.** A backup is due one interval after the newest one in the folder (found by
///   name at start, so restarts neither skip nor repeat one). With none yet, the first is due
///   an hour after start (or one interval, if shorter): not the empty database of a first
///   start, and still taken by a server restarted every few hours.
///   It runs while no job runs or is due; downloads that never stop (a 20,000-video channel
///   takes days) would postpone it forever, so once it is a whole interval overdue it runs
///   anyway: the copy reads a snapshot and blocks nobody, it only costs disk reads.
/// - **Failures** (full disk, unwritable folder) are logged, kept for `/api/health`, published
///   (`backup.finished`, which notifications turn into a message), and leave the previous
///   backups alone: pruning runs only after a good copy. The next attempt waits an hour (or
///   one interval, if shorter), not a minute, so a full disk does not fail every tick.
public final class BackupService: Sendable {
    public struct Settings: Sendable {
        /// Where backups go; nil: `backups/` beside the database.
        public var directory: String?
        /// Seconds between backups; 0 turns them off.
        public var intervalSeconds: Double
        /// Backups kept; older ones are deleted after each good one.
        public var keep: Int

        public init(directory: String? = nil, intervalSeconds: Double = 0, keep: Int = 7) {
            self.directory = directory
            self.intervalSeconds = intervalSeconds
            self.keep = keep
        }
    }

    /// One backup attempt: the `backup.finished` event and `/api/health`'s `last` and
    /// `last_failure`.
    public struct Run: Sendable, Codable, Equatable {
        public var at: Date
        public var ok: Bool
        /// The backup written (nil when it failed).
        public var path: String?
        public var sizeBytes: Int64?
        /// Nil for a backup found on disk at start (its duration was not recorded).
        public var durationSeconds: Double?
        /// Why it failed, in plain words.
        public var error: String?
        /// Old backups deleted after it.
        public var pruned: Int
    }

    /// What `/api/health` and `/metrics` show.
    public struct Status: Sendable, Equatable {
        public var enabled: Bool
        public var directory: String
        public var intervalSeconds: Double
        public var keep: Int
        /// Backups in the folder after the last run (or at start).
        public var files: Int
        public var last: Run?
        public var lastFailure: Run?
        public var nextDueAt: Date?
        /// Since start-up.
        public var succeeded: Int
        public var failed: Int
    }

    private struct State {
        var last: Run?
        var lastFailure: Run?
        var files = 0
        var succeeded = 0
        var failed = 0
        var retryAfter: Date?
    }

    public let files: BackupFiles
    public let settings: Settings
    private let database: SpoolDatabase
    private let hub: EventHub
    private let logger: Logger
    private let startedAt = Date()
    private let state = Mutex(State())
    /// Serialises backups (the scheduler's and a manual one).
    private let running = Mutex(())

    init(database: SpoolDatabase, settings: Settings, hub: EventHub, logger: Logger) {
        self.database = database
        self.settings = settings
        self.hub = hub
        self.logger = logger
        let path = database.options.path
        self.files = BackupFiles(directory: settings.directory ?? BackupFiles.defaultDirectory(databasePath: path), databasePath: path)
        let found = files.list()
        state.withLock { state in
            state.files = found.count
            state.last = found.last.map { Run(at: $0.takenAt, ok: true, path: $0.path, sizeBytes: Self.size($0.path), durationSeconds: nil, error: nil, pruned: 0) }
        }
    }

    public var isEnabled: Bool { settings.intervalSeconds > 0 }

    public var status: Status {
        state.withLock { state in
            Status(enabled: isEnabled, directory: files.directory, intervalSeconds: settings.intervalSeconds, keep: settings.keep,
                   files: state.files, last: state.last, lastFailure: state.lastFailure,
                   nextDueAt: isEnabled ? dueAt(state) : nil, succeeded: state.succeeded, failed: state.failed)
        }
    }

    /// When the next backup is due: one interval after the newest, an hour after start when
    /// there is none, and not before the pause after a failure.
    private func dueAt(_ state: State) -> Date {
        let due = state.last.map { $0.at.addingTimeInterval(settings.intervalSeconds) }
            ?? startedAt.addingTimeInterval(min(settings.intervalSeconds, 3600))
        return max(due, state.retryAfter ?? .distantPast)
    }

    /// The scheduler's tick: backs up when due and idle, or when a whole interval overdue.
    func runIfDue(isIdle: () -> Bool, now: Date = Date()) {
        guard isEnabled else { return }
        let due = state.withLock { dueAt($0) }
        guard now >= due else { return }
        if !isIdle() {
            guard now >= due.addingTimeInterval(settings.intervalSeconds) else { return }
            logger.notice("Backing up while jobs run: the backup is a whole interval overdue", metadata: [
                "due": "\(due)", "interval_hours": "\(settings.intervalSeconds / 3600)"])
        }
        backUpNow()
    }

    /// Takes a backup now, prunes the oldest beyond `keep`, and publishes the outcome.
    @discardableResult
    public func backUpNow() -> Run {
        running.withLock { _ in
            let started = Date()
            for leftover in files.leftovers() {
                try? FileManager.default.removeItem(atPath: leftover)
            }
            let path = files.path(takenAt: started)
            let run: Run
            do {
                try database.backup(to: path)
                let seconds = Date().timeIntervalSince(started)
                var pruned = 0
                let list = files.list()
                for old in BackupFiles.prunable(list, keep: settings.keep) {
                    do {
                        try FileManager.default.removeItem(atPath: old.path)
                        // Left by whoever opened the backup with sqlite3 (read-only opens make them too).
                        for companion in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: old.path + companion) }
                        pruned += 1
                    } catch {
                        logger.warning("Could not delete an old backup", metadata: ["path": "\(old.path)", "error": "\(error.localizedDescription)"])
                    }
                }
                run = Run(at: started, ok: true, path: path, sizeBytes: Self.size(path),
                          durationSeconds: (seconds * 1000).rounded() / 1000, error: nil, pruned: pruned)
                state.withLock { state in
                    state.last = run
                    state.files = list.count - pruned
                    state.succeeded += 1
                    state.retryAfter = nil
                }
                logger.info("Database backed up", metadata: [
                    "path": "\(path)", "bytes": "\(run.sizeBytes ?? 0)", "seconds": "\(run.durationSeconds ?? 0)", "pruned": "\(pruned)"])
            } catch {
                let message = Self.explain(error, directory: files.directory)
                run = Run(at: started, ok: false, path: nil, sizeBytes: nil, durationSeconds: Date().timeIntervalSince(started),
                          error: message, pruned: 0)
                state.withLock { state in
                    state.lastFailure = run
                    state.failed += 1
                    state.retryAfter = Date().addingTimeInterval(min(3600, max(settings.intervalSeconds, 1)))
                }
                logger.error("Backup failed; the previous backups are kept", metadata: ["path": "\(path)", "error": "\(message)"])
            }
            hub.publish(.backupFinished(run))
            return run
        }
    }

    /// A failure in plain words: a full disk and an unwritable folder say what to do.
    static func explain(_ error: any Error, directory: String) -> String {
        let full = "the disk holding \(directory) is full; free space or set BACKUP_DIR elsewhere"
        let unwritable = "cannot write into \(directory); check its permissions or set BACKUP_DIR"
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL: return full
            case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM: return unwritable + " (\(error.message ?? "\(error.resultCode)"))"
            default: return StoreErrorDescription.plain(error)
            }
        }
        // File-system errors (creating the folder, renaming): Foundation's code, errno underneath.
        let nsError = error as NSError
        let posix = (nsError.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
        switch (posix, CocoaError.Code(rawValue: nsError.domain == NSCocoaErrorDomain ? nsError.code : -1)) {
        case (ENOSPC?, _), (EDQUOT?, _), (_, .fileWriteOutOfSpace):
            return full
        case (EACCES?, _), (EPERM?, _), (EROFS?, _), (ENOTDIR?, _), (EEXIST?, _),
             (_, .fileWriteNoPermission), (_, .fileWriteVolumeReadOnly), (_, .fileWriteFileExists):
            return unwritable + " (\(posix.map { String(cString: strerror($0)) } ?? error.localizedDescription))"
        default:
            return error.localizedDescription
        }
    }

    private static func size(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}
