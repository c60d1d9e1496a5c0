import Foundation
import GRDB
import Glibc
import SpoolStore

/// `spool db restore PATH`: puts a backup in place of the database, only when the server is
/// stopped and only a sound Spool database of a schema this version knows.
///
/// 1. Takes the database's lock (`DatabaseLock`): a running server holds it, so the restore
///    refuses; a server started meanwhile refuses to start until the restore is done.
/// 2. Copies the backup beside the database (`<db>.restoring`, same file system, so the
///    final step is one `rename`) and checks the copy, never the original: `PRAGMA
///    integrity_check` must say `ok`, and its applied migrations must be Spool's and known to
///    this version (an older one is migrated by the next start; a newer one is refused, since
///    this version would not understand it). Any failure removes the copy: nothing changed.
/// 3. Keeps the current database aside as `<db>.before-restore-<time>`, its WAL beside it as
///    `…-wal` (it may hold the last commits of a server that crashed: the pair opens as the
///    database it was), and deletes the `-shm` index, which SQLite rebuilds. The WAL moves
///    first: a WAL left beside a different database file would be replayed into it (the
///    corruption Litestream's tips warn about), while a crash right after the first step
///    leaves the old database whole beside its WAL's new name.
/// 4. Renames the copy into place and syncs the folder.
public enum DatabaseRestore {
    /// What the backup holds.
    public struct Contents: Sendable, Equatable {
        public let schemaVersion: String
        /// Migrations the next start applies.
        public let pendingMigrations: [String]
        /// Sources (channels before schema v5).
        public let sources: Int
        public let tracks: Int
        public let jobs: Int
    }

    public struct Outcome: Sendable {
        public let contents: Contents
        /// Where the previous database now is, nil when there was none.
        public let keptAside: String?
        /// Litestream's position in the replaced database's WAL (`.<db>-litestream`), which
        /// must not be applied to the restored one: left for the user to delete.
        public let litestreamState: String?
    }

    /// Why a restore was refused; nothing was changed.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Restores `backupPath` over the database at `databasePath`.
    public static func restore(backupPath: String, databasePath: String, now: Date = Date()) throws -> Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: backupPath, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Refusal(description: "\(backupPath) is not a file")
        }
        let lock: DatabaseLock
        do {
            lock = try DatabaseLock.acquire(databasePath: databasePath)
        } catch let held as DatabaseLock.Held {
            throw Refusal(description: "Refusing to restore while \(held)")
        }
        defer { lock.release() }

        let staged = databasePath + ".restoring"
        removeDatabaseFiles(staged)
        let contents: Contents
        do {
            try FileManager.default.copyItem(atPath: backupPath, toPath: staged)
            // A database set aside by an earlier restore comes with its WAL: copied too, the
            // check below opens the pair and folds the WAL in (a backup file has none).
            if FileManager.default.fileExists(atPath: backupPath + "-wal") {
                try FileManager.default.copyItem(atPath: backupPath + "-wal", toPath: staged + "-wal")
            }
            contents = try verify(staged, named: backupPath)
            guard fileSize(staged + "-wal") == 0 else {
                throw Refusal(description: "Could not fold the WAL of \(backupPath) into its copy; nothing was changed")
            }
            unlink(staged + "-wal")
            unlink(staged + "-shm")
            try syncFile(staged)
        } catch {
            removeDatabaseFiles(staged)
            if error is Refusal { throw error }
            throw Refusal(description: "Could not copy \(backupPath) beside the database: \(error.localizedDescription)")
        }

        let aside = "\(databasePath).before-restore-\(BackupFiles.format(now))"
        let manager = FileManager.default
        do {
            if manager.fileExists(atPath: databasePath + "-wal") {
                try manager.moveItem(atPath: databasePath + "-wal", toPath: aside + "-wal")
            }
            if manager.fileExists(atPath: databasePath + "-shm") {
                try manager.removeItem(atPath: databasePath + "-shm")
            }
            var keptAside: String?
            if manager.fileExists(atPath: databasePath) {
                try manager.moveItem(atPath: databasePath, toPath: aside)
                keptAside = aside
            }
            guard rename(staged, databasePath) == 0 else {
                throw Refusal(description: "Could not move the backup into place: \(String(cString: strerror(errno))); the previous database is \(keptAside ?? "gone")")
            }
            syncDirectory(of: databasePath)
            let url = URL(fileURLWithPath: databasePath)
            let litestream = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + "-litestream").path
            return Outcome(contents: contents, keptAside: keptAside,
                           litestreamState: manager.fileExists(atPath: litestream) ? litestream : nil)
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(description: "Could not set the current database aside: \(error.localizedDescription); the backup was not restored (its checked copy is \(staged))")
        }
    }

    /// Checks a database file (a copy nobody else has open): integrity, and that it is a
    /// Spool database of a schema this version knows.
    static func verify(_ path: String, named name: String) throws -> Contents {
        var configuration = Configuration()
        configuration.label = "spool.restore"
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Refusal(description: "\(name) is not a database Spool can open: \(explain(error))")
        }
        defer { try? queue.close() }
        do {
            return try queue.read { db in
                let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check(20)")
                guard problems == ["ok"] else {
                    throw Refusal(description: "\(name) failed its integrity check (PRAGMA integrity_check): "
                        + problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? "; …" : ""))
                }
                let migrator = SchemaMigrations.migrator
                guard try db.tableExists("grdb_migrations") else {
                    throw Refusal(description: "\(name) is a SQLite database but not Spool's (it has no migrations table)")
                }
                let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                let unknown = applied.filter { !migrator.migrations.contains($0) }
                guard unknown.isEmpty else {
                    throw Refusal(description: "\(name) comes from a newer Spool (schema \(unknown.joined(separator: ", ")), unknown to this version, which knows up to \(SchemaMigrations.latestVersion)); restore it with that version")
                }
                guard let version = migrator.migrations.last(where: applied.contains) else {
                    throw Refusal(description: "\(name) is an empty Spool database (no migration applied)")
                }
                return Contents(
                    schemaVersion: version, pendingMigrations: migrator.migrations.filter { !applied.contains($0) },
                    sources: try Int.fetchOne(db, sql: "SELECT count(*) FROM \(try db.tableExists("sources") ? "sources" : "channels")") ?? 0,
                    tracks: try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks") ?? 0,
                    jobs: try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs") ?? 0)
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(description: "\(name) is damaged: \(explain(error))")
        }
    }

    /// SQLite's message without GRDB's statement dump.
    private static func explain(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    /// Removes a database file with its WAL and index.
    private static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    /// The file's size, 0 when it does not exist.
    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    private static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(descriptor) }
        fsync(descriptor)
    }

    /// Makes the renames durable (a rename is in the folder's data, not the file's).
    private static func syncDirectory(of path: String) {
        let descriptor = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
