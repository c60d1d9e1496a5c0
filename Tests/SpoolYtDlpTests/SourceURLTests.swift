import XCTest
@testable import SpoolYtDlp

final class SourceURLTests: XCTestCase {
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
