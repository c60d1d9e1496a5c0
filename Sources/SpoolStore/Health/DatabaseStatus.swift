import Foundation
import GRDB

/// Figures read from the live database for `/api/health` and `spool db status`.
public struct DatabaseStatus: Sendable, Codable {
    public var path: String
    public var journalMode: String
    public var synchronous: String
    public var foreignKeys: Bool
    public var busyTimeoutMilliseconds: Int
    public var journalSizeLimit: Int
    public var fileSizeBytes: Int64
    public var walSizeBytes: Int64
    public var schemaVersion: String?
    public var pendingMigrations: [String]
    public var readerCount: Int
    public var jobCounts: [String: Int]
    public var writer: WriterStatistics.Snapshot
}

extension SpoolDatabase {
    /// Reads the status; runs on a reader, so it never waits for the writer.
    public func status() throws -> DatabaseStatus {
        let migrator = SchemaMigrations.migrator
        return try read { db in
            let synchronousNames = ["off", "normal", "full", "extra"]
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            let applied = try migrator.appliedIdentifiers(db)
            // The counters (`StoredCounts`): nine rows, whatever the number of jobs. A database
            // not migrated yet has none, and its jobs are counted.
            var counts = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.rawValue, 0) })
            if try db.tableExists("counts") {
                for (status, count) in try StoredCounts.jobsByStatus(db) { counts[status.rawValue] = count }
            } else if try db.tableExists("jobs") {
                for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM jobs GROUP BY status") {
                    counts[row["status"]] = row["n"]
                }
            }
            return DatabaseStatus(
                path: options.path,
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "unknown",
                synchronous: synchronousNames.indices.contains(synchronous) ? synchronousNames[synchronous] : "\(synchronous)",
                foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false,
                busyTimeoutMilliseconds: Int(options.busyTimeout * 1000),
                journalSizeLimit: try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") ?? -1,
                fileSizeBytes: Self.fileSize(atPath: options.path),
                walSizeBytes: Self.fileSize(atPath: options.path + "-wal"),
                schemaVersion: migrator.migrations.last { applied.contains($0) },
                pendingMigrations: migrator.migrations.filter { !applied.contains($0) },
                readerCount: options.maximumReaderCount,
                jobCounts: counts,
                writer: writerStatistics.snapshot)
        }
    }

    static func fileSize(atPath path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
