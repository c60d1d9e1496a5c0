import XCTest
@testable import SpoolCore

final class LibraryNamingTests: XCTestCase {
    func testLibraryPathsAreSafeAndReadable() {
        XCTAssertEqual(
            LibraryNaming.relativePath(channel: "AC/DC", title: "../Back\tin\nBlack", videoId: "x1", fileExtension: "m4a"),
            "AC-DC/-Back in Black [x1].m4a")
        XCTAssertEqual(LibraryNaming.safeName("..."), "untitled")
        XCTAssertEqual(LibraryNaming.safeName("   "), "untitled")
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
        FileManager.default.createFile(atPath: root + "/victim.txt", contents: Data("secret".utf8))
        FileManager.default.createFile(atPath: root + "/library/.partial/7/ok.m4a", contents: Data())
        try FileManager.default.createSymbolicLink(atPath: root + "/library/link.m4a", withDestinationPath: root + "/victim.txt")
        let partial = root + "/library/.partial/7"
        XCTAssertNotNil(LibraryPaths.resolved(partial + "/ok.m4a", inside: partial))
        XCTAssertNil(LibraryPaths.resolved(partial + "/../../../victim.txt", inside: partial))
        XCTAssertNil(LibraryPaths.resolved(root + "/library/link.m4a", inside: root + "/library"))
        XCTAssertNil(LibraryPaths.resolved(partial + "/missing.m4a", inside: partial))
    }
}
