import XCTest
@testable import SpoolCore

final class LibraryNamingTests: XCTestCase {
    private func values(title: String = "Sine Song", source: String? = "Fixture Channel", artist: String? = "The Band",
                        album: String? = nil, track: Int? = 3, id: String = "ep-003", ext: String = "m4a") -> NameTemplate.Values {
        NameTemplate.Values(source: source, artist: artist, album: album, title: title, track: track, id: id,
                            uploader: "Uploader", uploadedAt: Date(timeIntervalSince1970: 1_700_000_000), ext: ext)
    }

    func testTheStandardTemplateKeepsTheNamesSpoolAlwaysGave() throws {
        let standard = try NameTemplate(NameTemplate.standard)
        XCTAssertEqual(standard.render(values(title: "../Back\tin\nBlack", source: "AC/DC", id: "x1")), "AC-DC/-Back in Black [x1].m4a")
        XCTAssertEqual(LibraryNaming.safeName("..."), "untitled")
        XCTAssertEqual(LibraryNaming.safeName("   "), "untitled")
    }

    func testFieldsWidthsDatesAndFallbacksRender() throws {
        let template = try NameTemplate("{artist}/{album} ({year})/{track:02} {title} [{id}] {date}.{ext}")
        XCTAssertEqual(template.render(values()), "The Band/Fixture Channel (2023)/03 Sine Song [ep-003] 2023-11-14.m4a")
        // No track number: the field is empty and the name is trimmed, never "00".
        XCTAssertEqual(try NameTemplate("{track:02} {title}.{ext}").render(values(track: nil)), "Sine Song.m4a")
        // No artist: the uploader; no source either: still a name.
        XCTAssertEqual(try NameTemplate("{artist}/{source}/{title}.{ext}").render(values(source: nil, artist: nil)),
                       "Uploader/Uploader/Sine Song.m4a")
        XCTAssertEqual(try NameTemplate("{title}.{ext}").render(values(), suffix: " (2)"), "Sine Song (2).m4a")
    }

    func testRenderedNamesNeverClimbOrHideAndStayShort() throws {
        let template = try NameTemplate("{artist}/{title} [{id}].{ext}")
        let hostile = template.render(values(title: String(repeating: "é", count: 300), artist: "../../etc", id: "../passwd"))
        let parts = hostile.split(separator: "/")
        XCTAssertEqual(parts.count, 2, hostile)
        XCTAssertFalse(parts.contains { $0 == ".." || $0.hasPrefix(".") }, hostile)
        XCTAssertTrue(parts.allSatisfy { $0.utf8.count <= 200 }, hostile)
        XCTAssertTrue(hostile.hasSuffix(" [-passwd].m4a"), "the id and the extension survive a long title: \(hostile)")
        let long = try NameTemplate("{title} - {album} [{id}].{ext}").render(values(title: String(repeating: "t", count: 120),
                                                                                     album: String(repeating: "a", count: 120)), suffix: " (2)")
        XCTAssertLessThanOrEqual(long.utf8.count, 200)
        XCTAssertTrue(long.hasSuffix(" [ep-003] (2).m4a"), long)
        XCTAssertTrue(long.hasPrefix(String(repeating: "t", count: 80)), "both long values give way evenly: \(long)")
        XCTAssertNotNil(LibraryPaths(libraryDirectory: "/srv/library").absolute(hostile))
    }

    func testBadTemplatesAreRefusedWithTheReason() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("/music/{title}.{ext}", "absolute"),
            ("../{title}.{ext}", "climb"),
            ("{artist}/../{title}.{ext}", "climb"),
            ("./{title}.{ext}", "climb"),
            ("{artist}//{title}.{ext}", "empty folder"),
            (".hidden/{title}.{ext}", "dot"),
            ("{artist}/.trash.{ext}", "dot"),
            ("{title}", "end with"),
            ("{title}.mp3", "end with"),
            ("{ext}/{title}.{ext}", "{ext} belongs"),
            ("{channel}/{title}.{ext}", "Unknown field {channel}"),
            ("{title:02}.{ext}", "takes no width"),
            ("{track:x}.{ext}", "width"),
            ("{title.{ext}", "without its"),
            ("{title}}.{ext}", "without its"),
            ("a\\b/{title}.{ext}", "character"),
            ("a\u{7}b/{title}.{ext}", "character"),
            (String(repeating: "a/", count: 9) + "{title}.{ext}", "levels"),
            (String(repeating: "a", count: 600) + ".{ext}", "longer"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try NameTemplate(text), text) { error in
                let description = (error as? NameTemplate.Invalid)?.description ?? ""
                XCTAssertTrue(description.contains(reason), "\(text): \(description)")
            }
        }
    }

    func testASuffixedNameCountsAsTheTemplatesName() {
        XCTAssertTrue(LibraryRenames.isSameName("a/b (2).m4a", "a/b.m4a"))
        XCTAssertTrue(LibraryRenames.isSameName("a/b.m4a", "a/b.m4a"))
        XCTAssertFalse(LibraryRenames.isSameName("a/b (1).m4a", "a/b.m4a"))
        XCTAssertFalse(LibraryRenames.isSameName("a/b (x).m4a", "a/b.m4a"))
        XCTAssertFalse(LibraryRenames.isSameName("c/b (2).m4a", "a/b.m4a"))
    }

    func testLongNamesAreCutAtACharacterBoundary() {
        let name = LibraryNaming.safeName(String(repeating: "é", count: 200))
        XCTAssertLessThanOrEqual(name.utf8.count, 120)
        XCTAssertEqual(name, String(repeating: "é", count: 60))
    }

    func testPathsThatClimbOutAreRefused() throws {
        let paths = LibraryPaths(libraryDirectory: "/srv/library")
        XCTAssertEqual(paths.absolute("a/b.m4a"), "/srv/library/a/b.m4a")
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a/./b", "a\0b"] {
            XCTAssertNil(paths.absolute(bad), bad)
        }
    }

    /// A path a tool reports, or a link in the library, is resolved before it is trusted.
    func testResolvedPathsMustStayInsideTheirFolder() throws {
        let root = NSTemporaryDirectory() + "spool-paths-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/library/.partial/7", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/victim.txt", contents: Data("secret".utf8))
        _ = FileManager.default.createFile(atPath: root + "/library/.partial/7/ok.m4a", contents: Data())
        try FileManager.default.createSymbolicLink(atPath: root + "/library/link.m4a", withDestinationPath: root + "/victim.txt")
        let partial = root + "/library/.partial/7"
        XCTAssertNotNil(LibraryPaths.resolved(partial + "/ok.m4a", inside: partial))
        XCTAssertNil(LibraryPaths.resolved(partial + "/../../../victim.txt", inside: partial))
        XCTAssertNil(LibraryPaths.resolved(root + "/library/link.m4a", inside: root + "/library"))
        XCTAssertNil(LibraryPaths.resolved(partial + "/missing.m4a", inside: partial))
    }

    /// Two downloads racing for one name: the second gets EEXIST, and the first file survives.
    func testMovingWithoutReplacingNeverOverwrites() throws {
        let root = NSTemporaryDirectory() + "spool-noreplace-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/first", contents: Data("first".utf8))
        _ = FileManager.default.createFile(atPath: root + "/second", contents: Data("second".utf8))
        try LibraryPaths.moveWithoutReplacing(from: root + "/first", to: root + "/a/name")
        XCTAssertThrowsError(try LibraryPaths.moveWithoutReplacing(from: root + "/second", to: root + "/a/name")) { error in
            XCTAssertTrue((error as? FileMoveError)?.isTaken == true, "\(error)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: root + "/a/name"), Data("first".utf8))
        XCTAssertEqual(FileManager.default.contents(atPath: root + "/second"), Data("second".utf8))
    }
}
