import XCTest
@testable import SpoolDownloader

final class NamingAndURLTests: XCTestCase {
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

    func testOnlyHttpURLsWithAHostAreAccepted() {
        XCTAssertEqual(try SourceURL.validate("  https://www.youtube.com/@ImagineDragonsVEVO/videos ").get(),
                       "https://www.youtube.com/@ImagineDragonsVEVO/videos")
        for bad in ["", "-o/etc/passwd", "file:///etc/passwd", "ftp://a.test/x", "https://a.test/a b",
                    "https://a.test/\u{7}", "not a url", "https:///nohost",
                    "https://a.test/" + String(repeating: "x", count: 2100)] {
            if case .success = SourceURL.validate(bad) { XCTFail("accepted \(bad.prefix(40))") }
        }
    }
}
