import Foundation
import GRDB
import XCTest
@testable import SpoolStore

/// The queue's records map their columns by hand (for speed): every column of the table must
/// be written and read back unchanged, including after a later migration adds one.
final class RecordMappingTests: XCTestCase {
    func testJobWritesEveryColumnAndReadsItBack() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        var job = Job(kind: "download", payload: #"{"url":"u"}"#, priority: 3, videoId: "v1", title: "Title",
                      maxAttempts: 4, runAfter: Date(timeIntervalSince1970: 1_700_000_000.25),
                      createdAt: Date(timeIntervalSince1970: 1_700_000_000.5))
        job.status = .retrying
        job.attempts = 2
        job.leaseUntil = Date(timeIntervalSince1970: 1_700_000_100.75)
        job.worker = "run/1"
        job.progressPercent = 42.5
        job.progressBytes = 1234
        job.progressTotalBytes = 5678
        job.progressSpeed = 99.5
        job.progressEta = 17
        job.lastError = "HTTP 503"
        job.errorClass = .transient
        job.logTail = "line 1\nline 2"
        job.updatedAt = Date(timeIntervalSince1970: 1_700_000_001)
        job.startedAt = Date(timeIntervalSince1970: 1_700_000_002)
        job.finishedAt = Date(timeIntervalSince1970: 1_700_000_003)
        try database.write { db in
            var channel = Source(url: "https://example.test/c")
            try channel.insert(db)
            job.sourceId = channel.id
        }
        try assertWritesEveryColumnAndReadsItBack(&job, in: database)

        var event = JobEvent(jobId: job.id!, fromStatus: .running, toStatus: .retrying, attempt: 2, message: "m",
                             errorClass: .rate_limited, exitCode: 1, signal: 9, at: Date(timeIntervalSince1970: 1_700_000_004))
        let (readEvent, eventColumns, eventTable) = try database.write { db -> (JobEvent?, [String], [String]) in
            try event.insert(db)
            return (try JobEvent.fetchOne(db, key: event.id), Array(try event.databaseDictionary.keys),
                    try db.columns(in: "job_events").map(\.name))
        }
        XCTAssertEqual(Set(eventColumns), Set(eventTable), "Job+Row.swift must map every column of job_events")
        XCTAssertEqual(readEvent, event)
    }

    func testSourceWritesEveryColumnAndReadsItBack() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        var source = Source(url: "https://example.test/@artist", kind: .playlist, profileId: 1,
                            addedAt: Date(timeIntervalSince1970: 1_700_000_000.25), syncIntervalSeconds: 3_600)
        source.title = "Artist"
        source.remoteId = "UC123"
        source.state = .syncing
        source.videoCount = 42
        source.lastSyncedAt = Date(timeIntervalSince1970: 1_700_000_001.5)
        source.nextSyncAt = Date(timeIntervalSince1970: 1_700_003_600.75)
        source.lastError = "HTTP 429"
        source.lastSyncSummary = #"{"read":3}"#
        source.lastFullSyncAt = Date(timeIntervalSince1970: 1_700_000_002)
        source.paused = true
        source.filters = #"{"min_duration":60}"#
        source.retention = #"{"keep_newest":10}"#
        source.baselinePending = true
        source.lastErrorClass = .rate_limited
        source.lastErrorDetail = "ERROR: [youtube] 429"
        source.urlKey = "youtube:playlist:PL1"
        try assertWritesEveryColumnAndReadsItBack(&source, in: database)
    }

    func testTrackWritesEveryColumnAndReadsItBack() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        let sourceId = try database.write { db -> Int64? in
            var source = Source(url: "https://example.test/@artist")
            try source.insert(db)
            return source.id
        }
        var track = Track(videoId: "v1", sourceId: sourceId, title: "Title", uploader: "Uploader", duration: 123.5,
                          filePath: "Artist/Title.m4a", size: 4_567, mimeType: "audio/mp4", thumbnailPath: "Artist/Title.jpg",
                          infoPath: "Artist/Title.info.json", createdAt: Date(timeIntervalSince1970: 1_700_000_000.25),
                          uploadedAt: Date(timeIntervalSince1970: 1_600_000_000.5))
        track.deletedAt = Date(timeIntervalSince1970: 1_700_000_100.75)
        track.trashPath = ".trash/Title.m4a"
        track.kept = true
        track.artist = "Artist"
        track.album = "Album"
        track.trackNumber = 7
        try assertWritesEveryColumnAndReadsItBack(&track, in: database)
    }

    func testSourceEntryWritesEveryColumnAndReadsItBack() throws {
        let directory = try TemporaryDirectory()
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory.file("tracks.db")))
        try database.migrate()
        let sourceId = try database.write { db -> Int64 in
            var source = Source(url: "https://example.test/@artist")
            try source.insert(db)
            return source.id!
        }
        var entry = SourceEntry(sourceId: sourceId, videoId: "v1", url: "https://example.test/watch?v=v1", position: 3,
                                title: "Title", duration: 123.5, uploadedAt: Date(timeIntervalSince1970: 1_600_000_000.5),
                                seenAt: Date(timeIntervalSince1970: 1_700_000_000.25), skipReason: "A short")
        entry.lastSeenAt = Date(timeIntervalSince1970: 1_700_000_100.75)
        try assertWritesEveryColumnAndReadsItBack(&entry, in: database)
    }

    /// Inserts `record`, then checks that every column of its table was written, that the table's
    /// columns are `columnNames` in order, and that each way of selecting it (`SELECT *`,
    /// `columnList`, GRDB's own request) reads back the very record.
    private func assertWritesEveryColumnAndReadsItBack<Record>(
        _ record: inout Record, in database: SpoolDatabase, file: StaticString = #filePath, line: UInt = #line
    ) throws where Record: PositionalRecord & MutablePersistableRecord & Equatable & Identifiable, Record.ID == Int64? {
        let table = Record.databaseTableName
        let (written, columns) = try database.write { db -> ([String], [String]) in
            try record.insert(db)
            return (Array(try record.databaseDictionary.keys), try db.columns(in: table).map(\.name))
        }
        XCTAssertNotNil(record.id, file: file, line: line)
        XCTAssertEqual(Set(written), Set(columns), "every column of \(table) must be mapped", file: file, line: line)
        XCTAssertEqual(columns, Record.columnNames, "columnNames must list the columns of \(table) in table order", file: file, line: line)
        let selections = try database.read { db in
            try ["SELECT * FROM \(table) WHERE id = ?", "SELECT \(Record.qualifiedColumns(table)) FROM \(table) WHERE id = ?"].map { sql in
                try Record.fetchOne(db, sql: sql, arguments: [record.id])
            } + [try Record.filter(Column("id") == record.id).fetchOne(db)]
        }
        XCTAssertEqual(selections, [record, record, record], file: file, line: line)
    }
}
