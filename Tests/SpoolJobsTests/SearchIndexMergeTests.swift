import Foundation
import GRDB
import SpoolJobs
import SpoolStore
import XCTest

/// Housekeeping merges the search index's segments into one (`SearchIndex`), one short write
/// transaction at a time, and every search finds what it found before.
final class SearchIndexMergeTests: XCTestCase {
    func testHousekeepingMergesTheSearchIndexIntoOneSegmentInShortSteps() throws {
        let h = try QueueHarness()
        // A library grown by downloads: each transaction writes its tracks as a new segment,
        // and FTS5 itself merges only four of one size (40 transactions leave 10 or more).
        let words = ["love", "night", "summer", "river", "stone", "light"]
        for batch in 0..<40 {
            try h.database.write { db in
                for index in 0..<50 {
                    let number = batch * 50 + index
                    try db.execute(sql: """
                        INSERT INTO tracks (video_id, title, uploader, file_path, size, mime_type, created_at)
                        VALUES (?, ?, ?, ?, 1, 'audio/mp4', 0)
                        """, arguments: ["v\(number)", "\(words[number % words.count]) song \(number)", "uploader \(number % 7)", "\(number).m4a"])
                }
            }
        }
        // A trashed-and-purged track and a renamed one leave delete marks in the segments.
        try h.database.write { db in
            try db.execute(sql: "DELETE FROM tracks WHERE video_id = 'v7'")
            try db.execute(sql: "UPDATE tracks SET title = 'Zanzibar' WHERE video_id = 'v8'")
        }
        func found(_ db: Database) throws -> [String: [Int64]] {
            var found: [String: [Int64]] = [:]
            for match in [#""lo"*"#, #""s"*"#, #""night""#, #""uploader" "3""#, #""z"*"#, #""song" "7""#] {
                found[match] = try Int64.fetchAll(db, sql: "SELECT rowid FROM tracks_search WHERE tracks_search MATCH ? ORDER BY rowid", arguments: [match])
            }
            return found
        }
        let (segments, before) = try h.database.read { (try SearchIndex.segments($0), try found($0)) }
        XCTAssertGreaterThanOrEqual(segments, SearchIndex.mergeFrom)
        XCTAssertEqual(before[#""z"*"#]?.count, 1)
        XCTAssertEqual(before[#""lo"*"#]?.count, 334, "every sixth of 2,000: love")
        XCTAssertEqual(before[#""night""#]?.count, 334 - 1, "less the purged one")

        // A busy queue merges nothing.
        XCTAssertEqual(try Housekeeper(database: h.database).runNow(isIdle: { false }).searchIndexMergeSteps, 0)
        XCTAssertEqual(try h.database.read(SearchIndex.segments), segments)

        let run = try Housekeeper(database: h.database).runNow()
        XCTAssertGreaterThan(run.searchIndexMergeSteps, 1, "a few pages per transaction")
        try h.database.read { db in
            XCTAssertEqual(try SearchIndex.segments(db), 1)
            XCTAssertEqual(try found(db), before)
        }
        try h.database.write { db in try db.execute(sql: "INSERT INTO tracks_search(tracks_search) VALUES ('integrity-check')") }
        XCTAssertNotNil(h.database.writerStatistics.snapshot.longestHoldMilliseconds[.mergeSearchIndex])
        // Merged, the next run has nothing to do.
        XCTAssertEqual(try Housekeeper(database: h.database).runNow().searchIndexMergeSteps, 0)
    }
}
