import Foundation
import GRDB
import Logging
import SpoolStore
import XCTest
@testable import SpoolCore

/// Backup names, pruning, and the service on a real database file.
final class BackupTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "spool-backups-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    func testNamesCarryTheTimeToTheMillisecondAndSortLikeIt() throws {
        let files = BackupFiles(directory: directory, databasePath: "/data/tracks.db")
        let taken = date("2026-01-31T23:59:59Z").addingTimeInterval(0.987)
        XCTAssertEqual(files.name(takenAt: taken), "tracks-2026-01-31T235959.987Z.db")
        XCTAssertEqual(try XCTUnwrap(files.takenAt(name: files.name(takenAt: taken))).timeIntervalSince1970,
                       taken.timeIntervalSince1970, accuracy: 0.0011)
        // Across a day, a month and a year, and within one second: names sort as times do.
        let times = [date("2025-12-31T23:59:59Z"), date("2026-01-01T00:00:00Z"), date("2026-01-01T00:00:00Z").addingTimeInterval(0.001),
                     date("2026-01-01T00:00:01Z"), date("2026-02-01T09:00:00Z"), date("2026-10-01T10:00:00Z")]
        let names = times.map(files.name(takenAt:))
        XCTAssertEqual(names.sorted(), names)
        XCTAssertEqual(Set(names).count, names.count)
    }

    func testOnlyThisDatabasesFinishedBackupsCount() {
        let files = BackupFiles(directory: directory, databasePath: "/data/tracks.db")
        let good = "tracks-2026-01-31T040000.123Z.db"
        XCTAssertNotNil(files.takenAt(name: good))
        for name in [good + ".partial", good + "-wal", good + "-shm", "other-2026-01-31T040000.123Z.db",
                     "tracks-2026-01-31T040000.123Z.sqlite", "tracks-2026-13-31T040000.123Z.db", "tracks-2026-01-31T040000Z.db",
                     "tracks-2026-01-31T04:00:00.123Z.db", "tracks-latest.db", "tracks.db"] {
            XCTAssertNil(files.takenAt(name: name), name)
        }
        XCTAssertEqual(BackupFiles(directory: directory, databasePath: "/data/spool").name(takenAt: Date(timeIntervalSince1970: 0)),
                       "spool-1970-01-01T000000.000Z.db", "a database without an extension")
    }

    func testListingIgnoresPartialsAndStrangersAndFindsLeftovers() throws {
        let files = BackupFiles(directory: directory, databasePath: "/data/tracks.db")
        let names = ["tracks-2026-01-02T000000.000Z.db", "tracks-2026-01-01T000000.000Z.db", "tracks-2026-01-03T000000.000Z.db",
                     "tracks-2026-01-04T000000.000Z.db.partial", "tracks-2026-01-05T000000.000Z.db.partial-journal",
                     "tracks-2026-01-02T000000.000Z.db-wal", "other-2026-01-01T000000.000Z.db", "notes.txt"]
        for name in names { XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("x".utf8))) }
        XCTAssertEqual(files.list().map(\.name), ["tracks-2026-01-01T000000.000Z.db", "tracks-2026-01-02T000000.000Z.db",
                                                  "tracks-2026-01-03T000000.000Z.db"])
        XCTAssertEqual(Set(files.leftovers().map { URL(fileURLWithPath: $0).lastPathComponent }),
                       ["tracks-2026-01-04T000000.000Z.db.partial", "tracks-2026-01-05T000000.000Z.db.partial-journal"])
        XCTAssertEqual(BackupFiles(directory: directory + "/missing", databasePath: "/data/tracks.db").list(), [])
    }

    func testPruningKeepsTheNewestAndNeverTheLast() {
        let files = (1...5).map { day in
            BackupFiles.File(path: "/b/\(day)", name: "\(day)", takenAt: date("2026-01-0\(day)T00:00:00Z"))
        }
        XCTAssertEqual(BackupFiles.prunable(files, keep: 3).map(\.name), ["1", "2"])
        XCTAssertEqual(BackupFiles.prunable(files, keep: 1).map(\.name), ["1", "2", "3", "4"])
        XCTAssertEqual(BackupFiles.prunable(files, keep: 5), [])
        XCTAssertEqual(BackupFiles.prunable(files, keep: 9), [])
        XCTAssertEqual(BackupFiles.prunable(files, keep: 0), [], "a setting of 0 never deletes every backup")
        XCTAssertEqual(BackupFiles.prunable([], keep: 2), [])
    }

    /// A real database, four backups with BACKUP_KEEP=2: the newest two stay, each a sound copy.
    func testTheServiceBacksUpPrunesAndPublishes() throws {
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory + "/tracks.db"))
        try database.migrate()
        defer { try? database.close() }
        try database.write { db in try db.execute(sql: "INSERT INTO sources (url, added_at) VALUES ('https://example.org/c', 0)") }
        let hub = EventHub()
        let service = BackupService(database: database, settings: .init(directory: directory + "/backups", intervalSeconds: 3600, keep: 2),
                                    hub: hub, logger: Logger(label: "test"))
        var runs: [BackupService.Run] = []
        for _ in 0..<4 {
            runs.append(service.backUpNow())
            Thread.sleep(forTimeInterval: 0.002)
        }
        XCTAssertTrue(runs.allSatisfy(\.ok))
        XCTAssertEqual(runs.map(\.pruned), [0, 0, 1, 1])
        let kept = service.files.list()
        XCTAssertEqual(kept.map(\.path), runs.suffix(2).map(\.path))
        for file in kept {
            let copy = try DatabaseQueue(path: file.path)
            try copy.read { db in
                XCTAssertEqual(try String.fetchAll(db, sql: "PRAGMA integrity_check"), ["ok"])
                XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM sources"), 1)
            }
            try copy.close()
        }
        let status = service.status
        XCTAssertEqual(status.files, 2)
        XCTAssertEqual(status.last, runs.last)
        XCTAssertEqual(status.succeeded, 4)
        XCTAssertEqual(status.nextDueAt, runs.last!.at.addingTimeInterval(3600))
        let published = hub.events(after: 0)?.compactMap { event -> BackupService.Run? in
            if case .backupFinished(let run) = event.event { return run } else { return nil }
        }
        XCTAssertEqual(published, runs)

        // A new service finds the newest backup on disk: the next one is due an interval after it.
        let restarted = BackupService(database: database, settings: service.settings, hub: hub, logger: Logger(label: "test"))
        XCTAssertEqual(restarted.status.last?.path, runs.last?.path)
        XCTAssertEqual(restarted.status.files, 2)
    }

    func testWhenDueItWaitsForIdleButNotForEver() throws {
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory + "/tracks.db"))
        try database.migrate()
        defer { try? database.close() }
        let service = BackupService(database: database, settings: .init(directory: directory + "/backups", intervalSeconds: 100, keep: 5),
                                    hub: EventHub(), logger: Logger(label: "test"))
        let start = Date()
        service.runIfDue(isIdle: { true }, now: start)
        XCTAssertEqual(service.files.list().count, 0, "no backup yet: the first is due an interval (at most an hour) after start")
        service.runIfDue(isIdle: { false }, now: start.addingTimeInterval(101))
        XCTAssertEqual(service.files.list().count, 0, "due, but downloads run")
        service.runIfDue(isIdle: { true }, now: start.addingTimeInterval(101))
        XCTAssertEqual(service.files.list().count, 1, "due and idle")
        let last = try XCTUnwrap(service.status.last).at
        service.runIfDue(isIdle: { true }, now: last.addingTimeInterval(99))
        XCTAssertEqual(service.files.list().count, 1, "not due yet")
        service.runIfDue(isIdle: { false }, now: last.addingTimeInterval(150))
        XCTAssertEqual(service.files.list().count, 1, "due, busy, not a whole interval overdue")
        service.runIfDue(isIdle: { false }, now: last.addingTimeInterval(201))
        XCTAssertEqual(service.files.list().count, 2, "a whole interval overdue: taken although busy")
    }

    func testAFailureKeepsThePreviousBackupsAndWaitsBeforeTheNextAttempt() throws {
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory + "/tracks.db"))
        try database.migrate()
        defer { try? database.close() }
        let folder = directory + "/backups"
        let service = BackupService(database: database, settings: .init(directory: folder, intervalSeconds: 60, keep: 1),
                                    hub: EventHub(), logger: Logger(label: "test"))
        let good = service.backUpNow()
        XCTAssertTrue(good.ok)
        Thread.sleep(forTimeInterval: 0.3)
        // The folder is replaced by a file: no backup can be written into it.
        try FileManager.default.moveItem(atPath: folder, toPath: directory + "/moved")
        XCTAssertTrue(FileManager.default.createFile(atPath: folder, contents: Data()))
        let failed = service.backUpNow()
        XCTAssertFalse(failed.ok)
        XCTAssertNil(failed.path)
        XCTAssertTrue(failed.error?.contains("cannot write into \(folder)") == true, failed.error ?? "")
        XCTAssertTrue(failed.error?.contains("BACKUP_DIR") == true)
        XCTAssertEqual(service.status.last, good, "the last good backup is still the last good backup")
        XCTAssertEqual(service.status.lastFailure, failed)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/moved/" + URL(fileURLWithPath: good.path!).lastPathComponent))
        // Due again (an interval after the good one), but the failure holds the next attempt back.
        let next = try XCTUnwrap(service.status.nextDueAt)
        XCTAssertGreaterThanOrEqual(next.timeIntervalSince(failed.at), 59)
        service.runIfDue(isIdle: { true }, now: good.at.addingTimeInterval(60.1))
        XCTAssertEqual(service.status.failed, 1, "no attempt before the pause ends")
    }

    /// A backup from before sources (schema v4): accepted, its channels counted, its pending
    /// migration named; one with a migration this version does not know is refused.
    func testRestoreChecksTheSchemaOfTheBackup() throws {
        let older = directory + "/v4.db"
        let queue = try DatabaseQueue(path: older)
        try SchemaMigrations.migrator.migrate(queue, upTo: "v4_sync_guard_and_error_causes")
        try queue.write { db in try db.execute(sql: "INSERT INTO channels (url, added_at) VALUES ('https://example.org/c', 0)") }
        try queue.close()
        let contents = try DatabaseRestore.verify(older, named: "v4.db")
        XCTAssertEqual(contents.schemaVersion, "v4_sync_guard_and_error_causes")
        XCTAssertEqual(contents.sources, 1)
        XCTAssertEqual(contents.pendingMigrations, Array(SchemaMigrations.migrator.migrations.drop { $0 != "v5_sources_profiles_entries" }))

        let newer = try DatabaseQueue(path: older)
        try newer.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99_later')") }
        try newer.close()
        XCTAssertThrowsError(try DatabaseRestore.verify(older, named: "v4.db")) { error in
            XCTAssertTrue("\(error)".contains("comes from a newer Spool (schema v99_later"), "\(error)")
        }
    }

    /// The lock a server holds makes a restore refuse, and nothing is touched.
    func testRestoreRefusesWhileTheDatabaseIsLocked() throws {
        let database = directory + "/tracks.db"
        XCTAssertTrue(FileManager.default.createFile(atPath: database, contents: Data("current".utf8)))
        let lock = try DatabaseLock.acquire(databasePath: database)
        XCTAssertThrowsError(try DatabaseRestore.restore(backupPath: database, databasePath: database)) { error in
            XCTAssertTrue("\(error)".hasPrefix("Refusing to restore while a Spool server (pid \(getpid()))"), "\(error)")
        }
        XCTAssertThrowsError(try DatabaseLock.acquire(databasePath: database), "a second server is refused too")
        lock.release()
        XCTAssertNoThrow(try DatabaseLock.acquire(databasePath: database).release(), "released")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: database)), Data("current".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["tracks.db", "tracks.db.lock"])
    }

    func testExplainsAFullDiskAndAnUnwritableFolder() {
        XCTAssertEqual(BackupService.explain(DatabaseError(resultCode: .SQLITE_FULL), directory: "/b"),
                       "the disk holding /b is full; free space or set BACKUP_DIR elsewhere")
        let denied = NSError(domain: NSCocoaErrorDomain, code: 513, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))])
        XCTAssertTrue(BackupService.explain(denied, directory: "/b").hasPrefix("cannot write into /b; check its permissions"))
        let noSpace = NSError(domain: NSCocoaErrorDomain, code: 640, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        XCTAssertTrue(BackupService.explain(noSpace, directory: "/b").contains("is full"))
    }
}
