import Foundation
import GRDB
import Logging
import SpoolCore
import SpoolHTTP
import SpoolStore
import XCTest
@testable import SpoolApp

/// The HTTP face driven in process: the real router of `SpoolApplication` over a real
/// database in a temporary folder, no socket, no binary.
final class RouteTests: InProcessAppTestCase {

    func testMetaGivesTheServersOwnListsSoTheWebAppKeepsNoCopies() {
        let (status, meta) = call(.GET, "/api/meta")
        XCTAssertEqual(status, 200)
        let sets = meta["job_status_sets"] as? [String: [String]]
        XCTAssertEqual(sets?["cancellable"]?.contains("zombie"), true, "the web app's old copy lacked zombie")
        XCTAssertEqual(Set(meta["job_statuses"] as? [String] ?? []), Set(JobStatus.allCases.map(\.rawValue)))
        XCTAssertEqual(Set(meta["event_types"] as? [String] ?? []), Set(SpoolEvent.Name.allCases.map(\.rawValue)))
        let classes = meta["error_classes"] as? [String: [String: String]]
        XCTAssertEqual(Set(classes?.keys.map { $0 } ?? []), Set(JobErrorClass.allCases.map(\.rawValue)))
        XCTAssertTrue(classes?["bot_check"]?["remedy"]?.contains("COOKIES_FILE") == true)
    }

    func testAddingAChannelValidatesTheURLAndTheSameURLTwiceIsOneChannel() throws {
        for bad in ["", "-o/etc/passwd", "file:///etc/passwd", "https://a.test/a b"] {
            let (status, reply) = call(.POST, "/api/channels", json: #"{"url": "\#(bad)"}"#)
            XCTAssertEqual(status, 400, bad)
            XCTAssertTrue(message(reply).hasPrefix("'url'"), message(reply))
        }
        XCTAssertEqual(try app.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sources") }, 0, "nothing was saved")
        let (created, first) = call(.POST, "/api/channels", json: #"{"url": "https://fixture.test/c"}"#)
        let (again, second) = call(.POST, "/api/channels", json: #"{"url": "https://fixture.test/c"}"#)
        XCTAssertEqual(created, 202)
        XCTAssertEqual(again, 200)
        XCTAssertEqual(first["id"] as? Int, second["id"] as? Int)
        XCTAssertEqual(first["state"] as? String, "syncing")
        XCTAssertEqual(try app.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs WHERE kind = 'source_sync'") }, 1)
        let (status, reply) = call(.DELETE, "/api/channels/\(first["id"] as! Int)", query: ["delete_files": "maybe"])
        XCTAssertEqual(status, 400)
        XCTAssertTrue(message(reply).hasPrefix("'delete_files'"))
    }

    func testListsPageWithOpaqueCursorsAndRefuseForeignOnes() throws {
        try app.database.write { db in
            for index in 1...5 {
                var track = Track(videoId: "v\(index)", sourceId: nil, title: "Song \(6 - index)", filePath: "a/\(index).m4a",
                                  size: 1, mimeType: "audio/mp4")
                try track.insert(db)
            }
        }
        var titles: [String] = []
        var cursor: String?
        repeat {
            var query = ["sort": "title", "limit": "2"]
            if let cursor { query["before"] = cursor }
            let (status, page) = call(.GET, "/api/tracks", query: query)
            XCTAssertEqual(status, 200)
            titles += (page["tracks"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
            cursor = page["next_before"] as? String
        } while cursor != nil
        XCTAssertEqual(titles, ["Song 1", "Song 2", "Song 3", "Song 4", "Song 5"])
        for bad in ["12", "garbage", "0"] {
            let (status, reply) = call(.GET, "/api/tracks", query: ["sort": "title", "before": bad])
            XCTAssertEqual(status, 400, bad)
            XCTAssertTrue(message(reply).hasPrefix("'before'"), message(reply))
        }
        let (status, reply) = call(.GET, "/api/jobs", query: ["before": "0"])
        XCTAssertEqual(status, 400)
        XCTAssertTrue(message(reply).hasPrefix("'before'"))
    }

    func testUnknownThingsAre404AndNeverA500() {
        for path in ["/api/jobs/99", "/api/tracks/99", "/api/channels/99", "/api/jobs/abc"] {
            XCTAssertEqual(call(.GET, path).0, 404, path)
        }
        XCTAssertEqual(call(.POST, "/api/tracks/99/restore").0, 404)
        XCTAssertEqual(call(.DELETE, "/api/tracks/99").0, 404)
        XCTAssertEqual(call(.PUT, "/api/tracks/99/rating", json: #"{"value": 1}"#).0, 404)
        XCTAssertEqual(call(.PUT, "/api/tracks/99/rating", json: #"{"value": 7}"#).0, 400)
    }

    /// Storage errors reach users as 507 and 503 with a plain message, never in SQLite's words.
    func testStorageErrorsMapToPlainStatuses() throws {
        let full = try XCTUnwrap(ErrorMapping.httpError(for: DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")))
        XCTAssertEqual(full.status, 507)
        XCTAssertEqual(full.headers["Retry-After"], "60")
        let busy = try XCTUnwrap(ErrorMapping.httpError(for: DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")))
        XCTAssertEqual(busy.status, 503)
        XCTAssertFalse(busy.message.lowercased().contains("locked"))
        let gone = try XCTUnwrap(ErrorMapping.httpError(for: StoreError.databaseFileGone("The database file x was replaced")))
        XCTAssertEqual(gone.status, 503)
        XCTAssertNil(ErrorMapping.httpError(for: CocoaError(.fileNoSuchFile)), "anything else is an opaque 500 from the server")
    }
}

/// The README's configuration table is the settings' own (`spool settings` prints it).
final class SettingsDocumentationTests: XCTestCase {
    func testTheReadmeListsEverySettingAsTheCodeDefinesIt() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        XCTAssertTrue(text.contains(Settings.markdownTable),
                      "README.md's configuration table differs from the settings: paste the output of `spool settings` into it")
    }

    func testRangesAreStatedOnceAndCheckedFromTheSameStatement() {
        let workers = Settings.descriptors.first { $0.name == "WORKERS" }!
        XCTAssertTrue(workers.summary.contains("(1–32)"), workers.summary)
        XCTAssertThrowsError(try Settings.load(environment: ["WORKERS": "33"], dotEnvPath: nil)) { error in
            XCTAssertTrue("\(error)".contains("WORKERS") && "\(error)".contains("1 to 32"), "\(error)")
        }
    }

    func testTheHeartbeatMustBeBelowTheLease() {
        XCTAssertThrowsError(try Settings.load(environment: ["JOB_LEASE_SECONDS": "10", "JOB_HEARTBEAT_SECONDS": "10"], dotEnvPath: nil)) { error in
            XCTAssertTrue("\(error)".contains("JOB_HEARTBEAT_SECONDS"), "\(error)")
        }
        XCTAssertNoThrow(try Settings.load(environment: ["JOB_LEASE_SECONDS": "10", "JOB_HEARTBEAT_SECONDS": "2"], dotEnvPath: nil))
    }
}

/// Sources, profiles and the calls the web app needs, in process.
final class SourceRouteTests: InProcessAppTestCase {
    override class var fixtureName: String { "sources" }

    private func count(_ sql: String) throws -> Int {
        try app.database.read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    /// Bad rules are refused naming their field, and nothing is saved.
    func testBadFiltersProfilesAndArgumentsAreRefusedNamingTheField() throws {
        let cases: [(String, String, String)] = [
            ("/api/sources", #"{"url": "https://a.test/c", "filters": {"title_include": "("}}"#, "'filters.title_include'"),
            ("/api/sources", #"{"url": "https://a.test/c", "filters": {"min_duration": -5}}"#, "'filters.min_duration'"),
            ("/api/sources", #"{"url": "https://a.test/c", "filters": {"title_exclude": "\#(String(repeating: "a", count: 600))"}}"#, "'filters.title_exclude'"),
            ("/api/sources", #"{"url": "https://a.test/c", "filters": {"uploaded_after": "yesterday"}}"#, "'filters.uploaded_after'"),
            ("/api/sources", #"{"url": "https://a.test/c", "profile_id": 99}"#, "'profile_id'"),
            ("/api/sources", #"{"url": "https://a.test/c", "retention": {"keep_newest": 0}}"#, "'retention.keep_newest'"),
            ("/api/profiles", #"{"name": "x", "extra_args": ["--exec", "rm -rf /"]}"#, "'extra_args'"),
            ("/api/profiles", #"{"name": "x", "extra_args": ["--exe=touch /tmp/x"]}"#, "'extra_args'"),
            ("/api/profiles", #"{"name": "x", "extra_args": ["-xo", "/tmp/%(id)s"]}"#, "'extra_args'"),
            ("/api/profiles", #"{"name": "x", "audio_codec": "wma"}"#, "'audio_codec'"),
            ("/api/profiles", #"{"name": "", "media": "audio"}"#, "'name'"),
        ]
        for (path, body, field) in cases {
            let (status, reply) = call(.POST, path, json: body)
            XCTAssertEqual(status, 400, body)
            XCTAssertTrue(message(reply).hasPrefix(field), "\(body): \(message(reply))")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM sources"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM profiles"), 1, "only the default profile")
    }

    func testProfilesAreCreatedUsedAndProtected() throws {
        let (created, profile) = call(.POST, "/api/profiles", json: #"{"name": "Podcasts", "audio_codec": "mp3", "audio_quality": "5", "extra_args": ["--sleep-requests", "1"]}"#)
        XCTAssertEqual(created, 201, message(profile))
        let id = try XCTUnwrap(profile["id"] as? Int)
        XCTAssertEqual(call(.POST, "/api/profiles", json: #"{"name": "podcasts"}"#).0, 409, "names are unique, whatever the case")
        let (added, source) = call(.POST, "/api/sources", json: #"{"url": "https://a.test/c", "profile_id": \#(id)}"#)
        XCTAssertEqual(added, 202)
        XCTAssertEqual(source["profile_id"] as? Int, id)
        let (refused, reply) = call(.DELETE, "/api/profiles/\(id)")
        XCTAssertEqual(refused, 409)
        XCTAssertTrue(message(reply).contains("1 source uses"), message(reply))
        XCTAssertEqual(call(.DELETE, "/api/profiles/1").0, 409, "the default profile stays")
        let options = try app.domain.profiles.options(forSource: Int64(source["id"] as! Int))
        XCTAssertEqual(options.audioFormat, "mp3")
        XCTAssertEqual(options.audioQuality, "5")
        XCTAssertEqual(options.extraArguments, ["--sleep-requests", "1"])
    }

    /// Pausing holds the source's waiting downloads; resuming releases them.
    func testPausingHoldsDownloadsAndResumingReleasesThem() throws {
        let (_, source) = call(.POST, "/api/sources", json: #"{"url": "https://a.test/c"}"#)
        let id = source["id"] as! Int
        try app.database.write { db in
            for index in 1...3 {
                try db.execute(sql: """
                    INSERT INTO jobs (kind, status, source_id, video_id, run_after, created_at, updated_at)
                    VALUES ('download', 'pending', ?, ?, 0, 0, 0)
                    """, arguments: [id, "v\(index)"])
            }
        }
        let (paused, pausedSource) = call(.PATCH, "/api/sources/\(id)", json: #"{"paused": true}"#)
        XCTAssertEqual(paused, 200)
        XCTAssertEqual(pausedSource["paused"] as? Bool, true)
        XCTAssertEqual(try count("SELECT count(*) FROM jobs WHERE kind = 'download' AND run_after > 4000000000"), 3)
        _ = call(.PATCH, "/api/sources/\(id)", json: #"{"paused": false}"#)
        XCTAssertEqual(try count("SELECT count(*) FROM jobs WHERE kind = 'download' AND run_after > 4000000000"), 0)
        XCTAssertEqual(call(.PATCH, "/api/sources/\(id)", json: #"{"colour": "red"}"#).0, 400, "an unknown field is refused")
        let (cleared, withoutFilters) = call(.PATCH, "/api/sources/\(id)", json: #"{"filters": {"max_items": 5}}"#)
        XCTAssertEqual(cleared, 200)
        XCTAssertEqual((withoutFilters["filters"] as? [String: Any])?["max_items"] as? Int, 5)
        XCTAssertTrue(call(.PATCH, "/api/sources/\(id)", json: #"{"filters": null}"#).1["filters"] is NSNull)
    }

    /// The menus' view: the same sources, pages and cursors as the full list, only their names
    /// (and a paused source says so); an unknown view is a 400 naming `view`.
    func testTheNamesViewPagesTheSameSourcesAsTheFullList() throws {
        for index in 1...5 {
            XCTAssertEqual(call(.POST, "/api/sources", json: #"{"url": "https://a.test/c\#(index)"}"#).0, 202)
        }
        let ids = try app.database.read { try Int64.fetchAll($0, sql: "SELECT id FROM sources ORDER BY id DESC") }
        try app.database.write { try $0.execute(sql: "UPDATE sources SET title = 'Channel ' || id") }
        XCTAssertEqual(call(.PATCH, "/api/sources/\(ids[1])", json: #"{"paused": true}"#).0, 200)
        func pages(_ view: String?, key: String = "sources") -> [[[String: Any]]] {
            var pages: [[[String: Any]]] = []
            var cursor: String?
            repeat {
                var query = ["limit": "2"]
                if let view { query["view"] = view }
                if let cursor { query["before"] = cursor }
                let (status, page) = call(.GET, "/api/\(key)", query: query)
                XCTAssertEqual(status, 200)
                XCTAssertEqual(page["total"] as? Int, 5)
                pages.append(page[key] as? [[String: Any]] ?? [])
                cursor = page["next_before"] as? String
            } while cursor != nil && pages.count < 10
            return pages
        }
        let full = pages(nil)
        let names = pages("names")
        XCTAssertEqual(names.map(\.count), [2, 2, 1])
        XCTAssertEqual(names.map { $0.map { $0["id"] as? Int } }, full.map { $0.map { $0["id"] as? Int } })
        XCTAssertEqual(names.joined().compactMap { $0["id"] as? Int }.map(Int64.init), ids)
        for (name, source) in zip(names.joined(), full.joined()) {
            XCTAssertEqual(Set(name.keys), ["id", "kind", "paused", "title", "url"])
            for key in ["title", "url", "kind"] { XCTAssertEqual(name[key] as? String, source[key] as? String) }
            XCTAssertEqual(name["paused"] as? Bool, source["paused"] as? Bool)
        }
        XCTAssertEqual(names.joined().filter { $0["paused"] as? Bool == true }.compactMap { $0["id"] as? Int }, [Int(ids[1])])
        XCTAssertEqual(pages("names", key: "channels").joined().count, 5, "the first API's alias has the view too")
        let (status, reply) = call(.GET, "/api/sources", query: ["view": "titles"])
        XCTAssertEqual(status, 400)
        XCTAssertTrue(message(reply).hasPrefix("'view'"), message(reply))
    }

    func testJobListsTakeSeveralStatusesTheDueOrderASourceAndClearFinished() throws {
        try app.database.write { db in
            for (index, status) in ["completed", "completed", "cancelled", "pending", "failed", "retrying", "pending"].enumerated() {
                try db.execute(sql: """
                    INSERT INTO jobs (kind, status, priority, video_id, run_after, created_at, updated_at)
                    VALUES ('download', ?, ?, ?, ?, 0, 0)
                    """, arguments: [status, index == 3 ? 0 : 5, "v\(index)", 100 - index])
            }
        }
        let (_, some) = call(.GET, "/api/jobs", query: ["status": "completed,failed"])
        XCTAssertEqual((some["jobs"] as? [[String: Any]])?.compactMap { $0["video_id"] as? String }, ["v4", "v1", "v0"], "newest first across the statuses")
        XCTAssertEqual(call(.GET, "/api/jobs", query: ["status": "completed,exploded"]).0, 400)
        XCTAssertEqual(call(.GET, "/api/jobs", query: ["order": "sideways"]).0, 400)
        // Due order: the waiting jobs as workers will claim them, priority first, then run_after.
        let (_, due) = call(.GET, "/api/jobs", query: ["order": "due", "limit": "2"])
        XCTAssertEqual((due["jobs"] as? [[String: Any]])?.compactMap { $0["video_id"] as? String }, ["v6", "v5"], "priority first, then run_after")
        let (_, rest) = call(.GET, "/api/jobs", query: ["order": "due", "limit": "2", "before": try XCTUnwrap(due["next_before"] as? String)])
        XCTAssertEqual((rest["jobs"] as? [[String: Any]])?.compactMap { $0["video_id"] as? String }, ["v3"])
        let (notWaiting, refusal) = call(.GET, "/api/jobs", query: ["order": "due", "status": "completed"])
        XCTAssertEqual(notWaiting, 400)
        XCTAssertEqual((refusal["error"] as? [String: Any])?["code"] as? String, "invalid_field")
        XCTAssertTrue(((refusal["error"] as? [String: Any])?["message"] as? String ?? "").contains("'order'"))
        let (refused, _) = call(.DELETE, "/api/jobs", query: ["status": "pending"])
        XCTAssertEqual(refused, 409, "only finished jobs are cleared")
        let (status, reply) = call(.DELETE, "/api/jobs", query: ["status": "completed,cancelled"])
        XCTAssertEqual(status, 200)
        XCTAssertEqual(reply["deleted"] as? Int, 3)
        XCTAssertEqual((reply["counts"] as? [String: Int])?["completed"], 0)
        XCTAssertEqual(try count("SELECT count(*) FROM jobs"), 4)
    }

    func testALibraryImportIsQueuedOnceAndItsJobCarriesItsReport() throws {
        let library = directory + "/library"
        for folder in ["old", "other"] {
            try FileManager.default.createDirectory(atPath: library + "/" + folder, withIntermediateDirectories: true)
        }
        for (body, words) in [(#"{"path": "old"}"#, "absolute"), (#"{"path": "\#(directory)"}"#, "outside the library"),
                              (#"{"path": "\#(library)/.partial", "move": true}"#, "does not exist")] {
            let (status, reply) = call(.POST, "/api/library/import", json: body)
            XCTAssertEqual(status, 400, body)
            XCTAssertTrue(message(reply).hasPrefix("'path'") && message(reply).contains(words), message(reply))
        }
        let (created, job) = call(.POST, "/api/library/import", json: #"{"path": "\#(library)/old"}"#)
        XCTAssertEqual(created, 202)
        XCTAssertEqual(job["kind"] as? String, "library_import")
        let (again, same) = call(.POST, "/api/library/import", json: #"{"path": "\#(library)/old/", "move": false}"#)
        XCTAssertEqual(again, 200)
        XCTAssertEqual(same["id"] as? Int, job["id"] as? Int)
        let (conflict, reply) = call(.POST, "/api/library/import", json: #"{"path": "\#(library)/other"}"#)
        XCTAssertEqual(conflict, 409)
        XCTAssertTrue(message(reply).contains("job \(job["id"] as! Int)"), message(reply))
        let (_, detail) = call(.GET, "/api/jobs/\(job["id"] as! Int)")
        XCTAssertTrue(detail.keys.contains("report"), "an import's detail has its report (null until the job writes it)")
        XCTAssertTrue(detail["report"] is NSNull)
        _ = call(.POST, "/api/channels", json: #"{"url": "https://fixture.test/c"}"#)
        let sync = try XCTUnwrap(try app.database.read { try Int.fetchOne($0, sql: "SELECT id FROM jobs WHERE kind = 'source_sync'") })
        XCTAssertFalse(call(.GET, "/api/jobs/\(sync)").1.keys.contains("report"), "other kinds have none")
    }
}
