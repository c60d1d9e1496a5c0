import Foundation
import GRDB
import SpoolStore
import XCTest
@testable import SpoolCore

/// A profile's new name template moves its tracks' files and rows together, never replaces a
/// file, and a move interrupted between the row and the files is finished at start-up. Real
/// SQLite file, real folders.
final class LibraryRenamesTests: XCTestCase {
    private var harness: DomainHarness!
    private var library: String { harness.directory + "/library" }

    override func setUpWithError() throws {
        harness = try DomainHarness()
    }

    override func tearDown() {
        harness = nil
    }

    /// A source on the default profile with `count` tracks at their standard names, each with
    /// a thumbnail and an info JSON.
    @discardableResult
    private func tracks(_ count: Int, title: (Int) -> String = { "Song \($0)" }) throws -> [Track] {
        try harness.database.write { db -> [Track] in
            var source = Source(url: "https://fixture.test/channel")
            source.title = "Fixture Channel"
            try source.insert(db)
            return try (1...count).map { index in
                let stem = "Fixture Channel/\(title(index)) [v\(index)]"
                var track = Track(videoId: "v\(index)", sourceId: source.id, title: title(index), uploader: "Uploader",
                                  filePath: stem + ".m4a", size: 5, mimeType: "audio/mp4",
                                  thumbnailPath: stem + ".jpg", infoPath: stem + ".info.json")
                track.artist = "Artist \(index % 2)"
                track.album = "Album"
                track.trackNumber = index
                try track.insert(db)
                for file in [track.filePath, track.thumbnailPath!, track.infoPath!] {
                    try FileManager.default.createDirectory(atPath: library + "/" + (file as NSString).deletingLastPathComponent,
                                                            withIntermediateDirectories: true)
                    _ = FileManager.default.createFile(atPath: library + "/" + file, contents: Data("\(index) \(file)".utf8))
                }
                return track
            }
        }
    }

    private func setTemplate(_ text: String) throws {
        var input = ProfileService.Input()
        input.outputTemplate = text
        _ = try harness.domain.profiles.update(1, input)
    }

    private func rows() throws -> [Track] {
        try harness.database.read { db in try Track.order(Column("id")).fetchAll(db) }
    }

    private func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: library + "/" + relative)
    }

    func testATemplateChangeMovesEveryFileWithItsRowAndLeavesNoEmptyFolder() throws {
        try tracks(3)
        try setTemplate("{artist}/{album}/{track:02} {title}.{ext}")
        let preview = try harness.domain.renames.preview(profileId: 1)
        XCTAssertEqual(preview.tracks, 3)
        XCTAssertEqual(preview.toMove, 3)
        XCTAssertEqual(preview.examples.first?.to, "Artist 1/Album/01 Song 1.m4a")

        let result = try harness.domain.renames.run(profileId: 1, context: nil)
        XCTAssertEqual(result.moved, 3)
        for track in try rows() {
            XCTAssertTrue(track.filePath.hasPrefix("Artist \(track.trackNumber! % 2)/Album/0\(track.trackNumber!) "), track.filePath)
            for file in [track.filePath, track.thumbnailPath!, track.infoPath!] {
                XCTAssertTrue(exists(file), file)
                XCTAssertEqual(FileManager.default.contents(atPath: library + "/" + file).map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("\(track.trackNumber!) "), true)
            }
            XCTAssertTrue(track.thumbnailPath!.hasSuffix(".jpg") && track.infoPath!.hasSuffix(".info.json"))
        }
        XCTAssertFalse(exists("Fixture Channel"), "the emptied folder is removed")
        XCTAssertEqual(try harness.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM file_moves") }, 0)
        // Running again moves nothing: everything is where the template puts it.
        XCTAssertEqual(try harness.domain.renames.run(profileId: 1, context: nil).moved, 0)
        XCTAssertEqual(try harness.domain.renames.preview(profileId: 1).toMove, 0)
    }

    func testTracksThatRenderToOneNameGetSuffixesAndAStrangersFileIsNeverReplaced() throws {
        try tracks(3, title: { _ in "Same" })
        try FileManager.default.createDirectory(atPath: library + "/Album", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: library + "/Album/Same.m4a", contents: Data("a user's own file".utf8))
        try setTemplate("{album}/{title}.{ext}")
        XCTAssertEqual(try harness.domain.renames.run(profileId: 1, context: nil).moved, 3)
        let names = try rows().map(\.filePath)
        XCTAssertEqual(Set(names), ["Album/Same (2).m4a", "Album/Same (3).m4a", "Album/Same (4).m4a"])
        XCTAssertEqual(FileManager.default.contents(atPath: library + "/Album/Same.m4a"), Data("a user's own file".utf8))
        XCTAssertTrue(names.allSatisfy(exists))
    }

    func testATrackInTheTrashKeepsItsNameAndComesBackToIt() throws {
        let made = try tracks(2)
        _ = try harness.domain.trash.delete(made[0].id!)
        try setTemplate("{album}/{title}.{ext}")
        XCTAssertEqual(try harness.domain.renames.run(profileId: 1, context: nil).moved, 1)
        let restored = try harness.domain.trash.restore(made[0].id!)
        XCTAssertEqual(restored.track.filePath, made[0].filePath)
        XCTAssertTrue(exists(made[0].filePath))
    }

    /// The row says the new names and the journal lists the moves, but the process died before
    /// any file moved (what `SPOOL_CRASH_AFTER=rename_mark` does to the server): start-up
    /// moves them.
    func testStartUpFinishesAMoveACrashInterrupted() throws {
        let made = try tracks(1)
        let moves = LibraryRenames.moves(of: made[0], toMedia: "New/Song 1.m4a")
        let journal = String(decoding: try JSONEncoder().encode(moves.map { [$0.from, $0.to] }), as: UTF8.self)
        try harness.database.write { db in
            var renamed = made[0]
            renamed.filePath = moves[0].to
            renamed.thumbnailPath = moves[1].to
            renamed.infoPath = moves[2].to
            try TrackStore.beginMove(made[0].id!, files: renamed, journal: journal, db)
        }
        // One file had already moved when the process died.
        try FileManager.default.createDirectory(atPath: library + "/New", withIntermediateDirectories: true)
        XCTAssertEqual(rename(library + "/" + made[0].filePath, library + "/New/Song 1.m4a"), 0)

        try harness.domain.renames.reconcile()
        let track = try XCTUnwrap(try rows().first)
        XCTAssertEqual(track.filePath, "New/Song 1.m4a")
        for file in [track.filePath, track.thumbnailPath!, track.infoPath!] { XCTAssertTrue(exists(file), file) }
        XCTAssertFalse(exists("Fixture Channel"))
        XCTAssertEqual(try harness.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM file_moves") }, 0)
    }

    func testTheJobRunsThroughTheQueueAndADoubleClickQueuesOne() throws {
        try tracks(2)
        try setTemplate("{artist}/{title}.{ext}")
        try harness.domain.start()
        let first = try harness.domain.renames.start(profileId: 1)
        let second = try harness.domain.renames.start(profileId: 1)
        let finished = try harness.waitForJob(first.id!, in: [.completed, .failed, .dead_letter])
        XCTAssertEqual(finished.status, .completed, finished.lastError ?? "")
        if second.id != first.id {
            XCTAssertEqual(try harness.waitForJob(second.id!, in: [.completed]).status, .completed)
        }
        XCTAssertTrue(try rows().allSatisfy { $0.filePath.hasPrefix("Artist ") })
        XCTAssertThrowsError(try harness.domain.renames.start(profileId: 99))
    }

    func testATemplateIsValidatedWhenTheProfileIsSaved() throws {
        var input = ProfileService.Input()
        input.outputTemplate = "../{title}.{ext}"
        XCTAssertThrowsError(try harness.domain.profiles.update(1, input)) { error in
            guard case DomainError.invalid(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "output_template")
        }
        input.outputTemplate = NameTemplate.standard
        XCTAssertNil(try harness.domain.profiles.update(1, input).outputTemplate, "the standard template is stored as none")
    }
}
