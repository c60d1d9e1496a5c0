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
        let (read, written, columns) = try database.write { db -> (Job?, [String], [String]) in
            var channel = Source(url: "https://example.test/c")
            try channel.insert(db)
            job.sourceId = channel.id
            try job.insert(db)
            let written = Array(try job.databaseDictionary.keys)
            let columns = try db.columns(in: "jobs").map(\.name)
            return (try Job.fetchOne(db, key: job.id), written, columns)
        }
        XCTAssertEqual(Set(written), Set(columns), "Job+Row.swift must map every column of jobs")
        XCTAssertEqual(read, job)
        // Rows are read by position: the table's order must be `columnNames`' order, and every
        // way of selecting a job reads the same values.
        XCTAssertEqual(columns, Job.columnNames, "Job.columnNames must list the columns of jobs in table order")
        let selections = try database.read { db in
            try ["SELECT * FROM jobs WHERE id = ?", "SELECT \(Job.columnList) FROM jobs WHERE id = ?"].map { sql in
                try Job.fetchOne(db, sql: sql, arguments: [job.id])
            } + [try Job.filter(Column("id") == job.id).fetchOne(db)]
        }
        XCTAssertEqual(selections, [job, job, job])

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
        let (read, written, columns) = try database.write { db -> (Source?, [String], [String]) in
            try source.insert(db)
            return (try Source.fetchOne(db, key: source.id), Array(try source.databaseDictionary.keys),
                    try db.columns(in: "sources").map(\.name))
        }
        XCTAssertEqual(Set(written), Set(columns), "Source+Row.swift must map every column of sources")
        XCTAssertEqual(read, source)
        XCTAssertEqual(columns, Source.columnNames, "Source.columnNames must list the columns of sources in table order")
        let selections = try database.read { db in
            try ["SELECT * FROM sources WHERE id = ?", "SELECT \(Source.columnList) FROM sources WHERE id = ?"].map { sql in
                try Source.fetchOne(db, sql: sql, arguments: [source.id])
            } + [try Source.filter(Column("id") == source.id).fetchOne(db)]
        }
        XCTAssertEqual(selections, [source, source, source])
    }
}
