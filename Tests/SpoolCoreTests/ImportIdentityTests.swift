import Foundation
import XCTest
@testable import SpoolCore

/// Which video a file is (`VideoIdentity`), what a file is before ffprobe (`ImportContent`),
/// and which source URLs are the same (`ImportSourceResolver.normalized`): the rules an import
/// decides with, each with the case that must not match beside the one that must.
final class ImportIdentityTests: XCTestCase {
    private func identify(_ name: String, sidecar: String? = nil, tags: [String: String] = [:],
                          archive: Set<String> = [], known: Set<String> = []) -> String? {
        VideoIdentity.identify(VideoIdentity.Clues(
            fileName: name, sidecarId: sidecar, tags: tags, archiveIds: archive, knownIds: known))?.id
    }

    func testABracketedIdIsTakenWhenItLooksLikeAVideoIdOrSomethingConfirmsIt() {
        XCTAssertEqual(identify("Never Gonna [dQw4w9WgXcQ].m4a"), "dQw4w9WgXcQ")
        XCTAssertEqual(identify("Spool layout [dQw4w9WgXcQ] .opus"), "dQw4w9WgXcQ")
        XCTAssertNil(identify("Song [HD].mp3"), "a decoration is no video")
        XCTAssertNil(identify("Live [Remastered 2011].flac"))
        XCTAssertNil(identify("Song [dQw4w9WgXcQ] (live).m4a"), "only a group that ends the name")
        XCTAssertEqual(identify("Episode [ep-001].m4a", archive: ["ep-001"]), "ep-001", "the archive confirms it")
        XCTAssertEqual(identify("Episode [ep-001].m4a", known: ["ep-001"]), "ep-001", "a source listed it")
        XCTAssertNil(identify("Episode [ep-001].m4a"))
    }

    func testTheSidecarWinsThenTheTagThenTheName() {
        XCTAssertEqual(identify("x [dQw4w9WgXcQ].m4a", sidecar: "side", tags: ["spool_video_id": "tag"]), "side")
        XCTAssertEqual(identify("x [dQw4w9WgXcQ].m4a", tags: ["spool_video_id": " tag "]), "tag")
        XCTAssertEqual(identify("x [dQw4w9WgXcQ].m4a", sidecar: "  ", tags: ["spool_video_id": "a/b"]), "dQw4w9WgXcQ",
                       "an empty sidecar id and an id with a slash are no ids")
    }

    func testAnArchiveLineIsTiedToTheFileThatNamesItsIdAsAWholeWord() {
        XCTAssertEqual(identify("20240104 ep-003.m4a", archive: ["ep-003", "ep-004"]), "ep-003")
        XCTAssertEqual(identify("Title-dQw4w9WgXcQ.mp3", archive: ["dQw4w9WgXcQ"]), "dQw4w9WgXcQ")
        XCTAssertEqual(identify("dQw4w9WgXcQ.opus", archive: ["dQw4w9WgXcQ"]), "dQw4w9WgXcQ")
        XCTAssertNil(identify("xep-003.m4a", archive: ["ep-003"]), "glued to a letter: part of another word")
        XCTAssertNil(identify("ep-0031.m4a", archive: ["ep-003"]), "glued to a digit")
        XCTAssertEqual(identify("mix abcd-efgh.m4a", archive: ["abcd", "abcd-efgh"]), "abcd-efgh", "the longest wins")
        XCTAssertNil(identify("song ab1.m4a", archive: ["ab1"]), "ids under 4 characters are never matched in names")
    }

    func testAYouTubeURLInTheCommentOrPurlTagNamesTheVideo() {
        XCTAssertEqual(identify("a.m4a", tags: ["comment": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1s"]), "dQw4w9WgXcQ")
        XCTAssertEqual(identify("a.m4a", tags: ["purl": "https://youtu.be/dQw4w9WgXcQ"]), "dQw4w9WgXcQ")
        XCTAssertEqual(identify("a.m4a", tags: ["comment": "from https://music.youtube.com/watch?v=dQw4w9WgXcQ"]), "dQw4w9WgXcQ")
        XCTAssertEqual(identify("a.m4a", tags: ["comment": "https://www.youtube.com/shorts/dQw4w9WgXcQ"]), "dQw4w9WgXcQ")
        XCTAssertNil(identify("a.m4a", tags: ["comment": "https://example.com/watch?v=dQw4w9WgXcQ"]))
        XCTAssertNil(identify("a.m4a", tags: ["comment": "https://www.youtube.com/watch?v=short"]))
    }

    func testFilesAreToldApartByTheirFirstBytes() throws {
        let folder = NSTemporaryDirectory() + "spool-sniff-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func write(_ name: String, _ bytes: [UInt8]) -> String {
            let path = folder + "/" + name
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            return path
        }
        XCTAssertEqual(ImportContent.sniff(write("downloaded.txt", Array("youtube dQw4w9WgXcQ\ngeneric ep-001\r\n".utf8))),
                       .archive(["dQw4w9WgXcQ", "ep-001"]))
        XCTAssertEqual(ImportContent.sniff(write("notes.txt", Array("My old downloads, kept for Spool.\n".utf8))), .text)
        XCTAssertEqual(ImportContent.sniff(write("notes.m4a", Array("not audio\n".utf8))), .text,
                       "two words under a media file's name are a broken file to report, not an archive")
        XCTAssertEqual(ImportContent.sniff(write("two words.txt", Array("youtube abc\nhello there world\n".utf8))), .text,
                       "one line off the pattern and it is no archive")
        XCTAssertEqual(ImportContent.sniff(write("cover", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10])), .image("JPEG"))
        XCTAssertEqual(ImportContent.sniff(write("m.m4a", [0, 0, 0, 0x20] + Array("ftypM4A ".utf8))), .other)
        XCTAssertEqual(ImportContent.sniff(write("s.mp3", [0xFF, 0xFB, 0x90, 0x64])), .other, "MPEG frame sync is not UTF-8")
        XCTAssertEqual(ImportContent.sniff(write("empty", [])), .unreadable("the file is empty"))
        // UTF-8 cut by the end of the 4 KB sample is still text.
        let long = Array(String(repeating: "é", count: 3000).utf8)
        XCTAssertEqual(ImportContent.sniff(write("long.txt", long)), .text)
    }

    func testSourceURLsAreComparedWithoutTheirDecorations() {
        let key = ImportSourceResolver.normalized
        XCTAssertEqual(key("https://www.youtube.com/@name/videos"), key("http://youtube.com/@name/"))
        XCTAssertEqual(key("https://m.youtube.com/channel/UCabc/streams"), key("https://www.youtube.com/channel/UCabc"))
        XCTAssertNotEqual(key("https://www.youtube.com/playlist?list=PL1"), key("https://www.youtube.com/playlist?list=PL2"))
        XCTAssertNotEqual(key("https://www.youtube.com/@name"), key("https://www.youtube.com/@other"))
        XCTAssertNotEqual(key("http://127.0.0.1:8001/feed.xml"), key("http://127.0.0.1:8002/feed.xml"))
        XCTAssertEqual(key("https://example.com/videos"), "example.com/videos", "a tab is only dropped from a channel URL")
    }
}
