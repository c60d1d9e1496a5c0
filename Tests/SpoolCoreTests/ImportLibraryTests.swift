import Foundation
import GRDB
import SpoolJobs
import SpoolStore
import XCTest
@testable import SpoolCore

/// A library import on a real domain and SQLite file, with files made by ffmpeg in the test:
/// what is adopted, under which source, what is reported, what a second run does, and the file
/// steps of `--move` (hard links, and copies across file systems).
final class ImportLibraryTests: XCTestCase {
    private var scratch: [String] = []

    override func tearDown() {
        for folder in scratch { try? FileManager.default.removeItem(atPath: folder) }
        super.tearDown()
    }

    private func folder(in parent: String? = nil) throws -> String {
        let path = (parent ?? NSTemporaryDirectory()) + "/spool-import-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        scratch.append(path)
        return path
    }

    /// A one-second tone made by ffmpeg, with the given tags (`-metadata`).
    private func tone(_ path: String, format: String = "ipod", codec: String = "aac", tags: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var arguments = ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=330:duration=1", "-c:a", codec]
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) { arguments += ["-metadata", "\(key)=\(value)"] }
        arguments += ["-f", format, path]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "ffmpeg \(arguments)")
    }

    private func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func run(_ h: DomainHarness, _ path: String, move: Bool = false) throws -> (job: Job, report: ImportReport) {
        let (job, report) = try h.domain.imports.runHere(path: path, move: move, interval: 0.05) { _, _ in true }
        XCTAssertEqual(job.status, .completed, job.lastError ?? "")
        return (job, try XCTUnwrap(report))
    }

    private func tracks(_ h: DomainHarness) throws -> [String: Track] {
        Dictionary(uniqueKeysWithValues: try h.database.read { try Track.fetchAll($0) }.map { ($0.videoId, $0) })
    }

    func testInPlaceAdoptsWhatItCanIdentifyReportsTheRestAndASecondRunAddsNothing() throws {
        let h = try DomainHarness()
        let library = h.domain.files.paths.root
        let old = library + "/old"
        // A source Spool mirrors already: matched by the sidecar's channel id, not created again.
        let (existing, _) = try h.domain.sources.add(url: "https://www.youtube.com/@chan/videos")
        try h.database.write { db in
            try db.execute(sql: "UPDATE sources SET remote_id = 'UCabc', title = 'Chan' WHERE id = ?", arguments: [existing.source.id!])
        }
        try tone(old + "/loose/A song [dQw4w9WgXcQ].m4a")
        try tone(old + "/b.ogg", format: "ogg", codec: "libopus", tags: ["SPOOL_VIDEO_ID": "vid-b"])
        try tone(old + "/c.m4a")
        try write("""
            {"id": "vid-c", "title": "Track C", "channel": "Chan", "channel_id": "UCabc",
             "channel_url": "https://www.youtube.com/channel/UCabc", "upload_date": "20240102", "duration": 1,
             "webpage_url": "https://www.youtube.com/watch?v=vid-c"}
            """, to: old + "/c.info.json")
        try write("A description of C.\n", to: old + "/c.description")
        _ = FileManager.default.createFile(atPath: old + "/c.jpg", contents: Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46]))
        _ = FileManager.default.createFile(atPath: old + "/junk.bin", contents: Data((0..<4096).map { UInt8(($0 * 7919) % 251) }))
        try write("Remember to back these up.\n", to: old + "/notes.txt")
        try tone(old + "/.hidden [aaaaaaaaaaa].m4a")
        try FileManager.default.createSymbolicLink(atPath: old + "/link.m4a", withDestinationPath: old + "/c.m4a")
        try tone(old + "/sub/copy of [dQw4w9WgXcQ].m4a")
        let before = try FileManager.default.subpathsOfDirectory(atPath: old).sorted()

        let (_, report) = try run(h, old)
        XCTAssertEqual(report.filesFound, 10, "the hidden file is not counted")
        XCTAssertEqual(report.filesExamined, 10)
        XCTAssertEqual(report.adopted, 3)
        XCTAssertEqual(report.adoptedWithoutSource, 1, "the song alone in its folder with only a name stays without a source")
        XCTAssertEqual(report.alreadyKnown, 0)
        XCTAssertEqual(Set(report.unreadable.map(\.path)), ["junk.bin", "notes.txt"])
        XCTAssertEqual(report.unreadable.first { $0.path == "junk.bin" }?.kind, "not_media")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.path, $0.kind) }),
                       ["link.m4a": "link", "sub/copy of [dQw4w9WgXcQ].m4a": "duplicate"])
        XCTAssertEqual(report.sourcesCreated, [], "the channel was known by its id")

        let rows = try tracks(h)
        XCTAssertEqual(Set(rows.keys), ["dQw4w9WgXcQ", "vid-b", "vid-c"])
        let c = try XCTUnwrap(rows["vid-c"])
        XCTAssertEqual(c.sourceId, existing.source.id)
        XCTAssertEqual(c.title, "Track C")
        XCTAssertEqual(c.uploader, "Chan")
        XCTAssertEqual(c.filePath, "old/c.m4a")
        XCTAssertEqual(c.infoPath, "old/c.info.json")
        XCTAssertEqual(c.thumbnailPath, "old/c.jpg")
        XCTAssertEqual(c.uploadedAt, ImportSidecar.date(yyyymmdd: "20240102"))
        XCTAssertEqual(rows["vid-b"]?.mimeType, "audio/ogg")
        XCTAssertEqual(rows["vid-b"]?.title, "b")
        XCTAssertEqual(rows["dQw4w9WgXcQ"]?.title, "A song")
        XCTAssertEqual(rows["dQw4w9WgXcQ"]?.filePath, "old/loose/A song [dQw4w9WgXcQ].m4a")
        XCTAssertEqual(rows["dQw4w9WgXcQ"]?.sourceId, nil)
        XCTAssertEqual(rows["vid-b"]?.sourceId, existing.source.id, "a tag-only file takes its folder's one source")
        XCTAssertEqual(try XCTUnwrap(rows["vid-b"]?.duration), 1, accuracy: 0.1)
        let entries = try h.database.read { db in
            try Row.fetchAll(db, sql: "SELECT video_id, url, skip_reason FROM source_entries WHERE source_id = ?", arguments: [existing.source.id!])
        }
        XCTAssertEqual(Set(entries.map { $0["video_id"] as String }), ["vid-b", "vid-c"])
        XCTAssertEqual(entries.first { $0["video_id"] == "vid-c" }?["url"], "https://www.youtube.com/watch?v=vid-c")
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: old).sorted(), before, "in place: nothing moved")

        let (_, again) = try run(h, old)
        XCTAssertEqual(again.adopted, 0)
        XCTAssertEqual(again.alreadyKnown, 4, "the three, and the copy: a file of a video Spool has")
        XCTAssertEqual(try tracks(h).count, 3)
    }

    func testAVideoTheUserDeletedOrADownloadInProgressIsKnownNotAdopted() throws {
        let h = try DomainHarness()
        let old = h.domain.files.paths.root + "/old"
        try tone(old + "/deleted [ddddddddddd].m4a")
        try tone(old + "/queued [qqqqqqqqqqq].m4a")
        try h.database.write { db in try Tombstone(videoId: "ddddddddddd", sourceId: nil, title: "deleted").insert(db) }
        try h.domain.queue.enqueue([NewJob(kind: JobKind.download.rawValue, payload: "{}", videoId: "qqqqqqqqqqq")])
        let (_, report) = try run(h, old)
        XCTAssertEqual(report.adopted, 0)
        XCTAssertEqual(report.alreadyKnown, 2)
        XCTAssertEqual(try tracks(h).count, 0)
    }

    func testAnUnknownChannelBecomesAPausedSourceThatSyncsOnlyWhenResumed() throws {
        let h = try DomainHarness()
        let old = h.domain.files.paths.root + "/old"
        try tone(old + "/one.m4a")
        try write(#"{"id": "v1", "title": "One", "channel": "New channel", "channel_url": "https://www.youtube.com/channel/UCnew"}"#,
                  to: old + "/one.info.json")
        try tone(old + "/two [v2xxxxxxxxx].m4a", tags: ["title": "Two"])  // no source of its own: takes the folder's
        let (_, report) = try run(h, old)
        let created = try XCTUnwrap(report.sourcesCreated.first)
        XCTAssertEqual(report.sourcesCreated.count, 1)
        XCTAssertEqual(created.url, "https://www.youtube.com/channel/UCnew")
        XCTAssertEqual(created.title, "New channel")
        let source = try h.domain.sources.snapshot(created.id).source
        XCTAssertTrue(source.paused)
        XCTAssertEqual(try h.domain.queue.jobs(kind: JobKind.sourceSync.rawValue), [], "no sync by surprise")
        XCTAssertEqual(try tracks(h)["v2xxxxxxxxx"]?.sourceId, created.id, "the folder's only source")
        // Resumed: due at once, so the scheduler's next check syncs it.
        h.domain.sources.syncDueSources()
        XCTAssertEqual(try h.domain.queue.jobs(kind: JobKind.sourceSync.rawValue), [])
        var changes = SourceService.Changes()
        changes.paused = false
        _ = try h.domain.sources.update(created.id, changes)
        h.domain.sources.syncDueSources()
        XCTAssertEqual(try h.domain.queue.jobs(kind: JobKind.sourceSync.rawValue).count, 1)
    }

    /// A sidecar naming a source Spool has under another spelling (a handle's case: YouTube
    /// ignores it, `SourceURL.key` too) files the track there instead of failing on "already added".
    func testAFileOfASourceAddedUnderAnotherSpellingGoesToThatSource() throws {
        let h = try DomainHarness()
        var paused = SourceService.AddOptions()
        paused.paused = true
        let existing = try h.domain.sources.add(url: "https://www.youtube.com/@newchannel/videos", options: paused).snapshot.source.id!
        let old = h.domain.files.paths.root + "/old"
        try tone(old + "/one.m4a")
        try write(#"{"id": "v1", "title": "One", "channel": "New channel", "channel_url": "https://www.youtube.com/@NewChannel"}"#,
                  to: old + "/one.info.json")
        let (_, report) = try run(h, old)
        XCTAssertEqual(report.sourcesCreated.count, 0)
        XCTAssertEqual(try tracks(h)["v1"]?.sourceId, existing)
    }

    func testMoveAcrossFileSystemsCopiesIntoTheLayoutThenRemovesTheOriginals() throws {
        let shm = "/dev/shm"
        var shmInfo = stat(), tmpInfo = stat()
        guard stat(shm, &shmInfo) == 0, stat(NSTemporaryDirectory(), &tmpInfo) == 0, shmInfo.st_dev != tmpInfo.st_dev else {
            throw XCTSkip("needs /dev/shm on another file system than the temporary folder")
        }
        let h = try DomainHarness()
        let old = try folder(in: shm)
        try tone(old + "/Artist/a.mp3", format: "mp3", codec: "libmp3lame", tags: ["SPOOL_VIDEO_ID": "vid-a", "title": "Song A"])
        try write(#"{"id": "vid-a", "title": "Song A", "channel": "Artist"}"#, to: old + "/Artist/a.info.json")
        try write("notes\n", to: old + "/notes.txt")
        let media = try Data(contentsOf: URL(fileURLWithPath: old + "/Artist/a.mp3"))

        let (job, report) = try run(h, old, move: true)
        XCTAssertEqual(report.adopted, 1)
        let track = try XCTUnwrap(try tracks(h)["vid-a"])
        XCTAssertEqual(track.filePath, "Artist/Song A [vid-a].mp3")
        XCTAssertEqual(track.infoPath, "Artist/Song A [vid-a].info.json")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: h.domain.files.paths.root + "/" + track.filePath)), media)
        XCTAssertFalse(FileManager.default.fileExists(atPath: old + "/Artist"), "moved out, and the emptied folder removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: old + "/notes.txt"), "what was not adopted stays")
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.domain.files.paths.partialRoot + "/import-\(job.id!)"))
    }

    func testMoveNamesFilesByTheProfilesTemplateAndNumbersCollisions() throws {
        let h = try DomainHarness()
        try h.database.write { db in
            try db.execute(sql: "UPDATE profiles SET output_template = '{artist}/{title}.{ext}' WHERE is_default = 1")
        }
        let old = try folder()
        try tone(old + "/one [aaaaaaaaaaa].m4a", tags: ["title": "Same", "artist": "Band"])
        try tone(old + "/two [bbbbbbbbbbb].m4a", tags: ["title": "Same", "artist": "Band"])
        let (_, report) = try run(h, old, move: true)
        XCTAssertEqual(report.adopted, 2)
        let rows = try tracks(h)
        XCTAssertEqual(Set(rows.values.map(\.filePath)), ["Band/Same.m4a", "Band/Same (2).m4a"])
        XCTAssertEqual(rows["aaaaaaaaaaa"]?.artist, "Band", "the file's tags are the track's")
        for track in rows.values {
            XCTAssertTrue(FileManager.default.fileExists(atPath: h.domain.files.paths.root + "/" + track.filePath))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: old), [])
    }

    func testPlacementKeepsTheOriginalUntilTheLibraryHoldsTheSameData() throws {
        let base = try folder()
        let placement = ImportPlacement(staging: base + "/.partial/import-1", touch: {})
        let origin = base + "/old/a.m4a"
        try write("audio bytes", to: origin)
        let target = base + "/library/Chan/a [x].m4a"
        try placement.place(origin, at: target)
        var first = stat(), second = stat()
        XCTAssertEqual(stat(origin, &first), 0)
        XCTAssertEqual(stat(target, &second), 0)
        XCTAssertEqual(first.st_ino, second.st_ino, "a hard link: no data copied, the original untouched")
        try placement.place(origin, at: target)  // again (a resumed run): nothing to do
        // Something else at the target is never replaced.
        let other = base + "/old/b.m4a"
        try write("other bytes", to: other)
        XCTAssertThrowsError(try placement.place(other, at: target)) { error in
            guard case .occupied? = error as? ImportPlacement.Failure else { return XCTFail("\(error)") }
        }
        placement.withdraw(other, placedAt: target)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target), "withdraw removes only a name it placed for that file")
        XCTAssertTrue(placement.release(origin, placedAt: target))
        XCTAssertFalse(FileManager.default.fileExists(atPath: origin))
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "audio bytes")
        // A file already at its place is never removed by its own release.
        XCTAssertFalse(placement.release(target, placedAt: target))
        XCTAssertTrue(FileManager.default.fileExists(atPath: target))
    }

    func testFoldersTheImportCannotTakeAreRefusedNamingThePath() throws {
        let h = try DomainHarness()
        let root = h.domain.files.paths.root
        let outside = try folder()
        try FileManager.default.createDirectory(atPath: root + "/.partial/3", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/.trash", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/old", withIntermediateDirectories: true)
        try write("x", to: root + "/file")
        let refused: [(String, Bool, String)] = [
            ("old", false, "absolute"), (root + "/missing", false, "does not exist"), (root + "/file", false, "is a file"),
            (root + "/.partial", true, ".partial"), (root + "/.partial/3", false, ".partial"), (root + "/.trash", true, ".trash"),
            (outside, false, "outside the library"), ((root as NSString).deletingLastPathComponent, true, "contains the library"),
            ("", false, "required"),
        ]
        for (path, move, words) in refused {
            XCTAssertThrowsError(try h.domain.imports.start(path: path, move: move), path) { error in
                guard case DomainError.invalid(let field, let message) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(field, "path")
                XCTAssertTrue(message.contains(words), message)
            }
        }
        XCTAssertEqual(try h.domain.queue.jobs(kind: JobKind.libraryImport.rawValue), [])
        XCTAssertEqual(try h.domain.imports.validatedFolder(root + "/old/../old", move: false), LibraryPaths.realPath(root + "/old"))
        XCTAssertNoThrow(try h.domain.imports.validatedFolder(outside, move: true), "moved, any folder beside the library")
    }

    func testOneImportAtATimeTheSameOneAgainIsNoError() throws {
        let h = try DomainHarness()
        let root = h.domain.files.paths.root
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
        let (first, created) = try h.domain.imports.start(path: root + "/a", move: false)
        XCTAssertTrue(created)
        let (again, createdAgain) = try h.domain.imports.start(path: root + "/a/", move: false)
        XCTAssertFalse(createdAgain)
        XCTAssertEqual(again.id, first.id)
        XCTAssertThrowsError(try h.domain.imports.start(path: root + "/b", move: false)) { error in
            guard case DomainError.conflict(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("job \(first.id!)"), message)
        }
    }
}
