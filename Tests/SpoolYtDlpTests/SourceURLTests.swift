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

    /// "Already added" compares keys: every spelling of one source gives one key, and two
    /// different sources never share one.
    func testEverySpellingOfASourceHasOneKey() {
        let table: [(key: String, urls: [String])] = [
            ("youtube.com/@x", ["https://www.youtube.com/@x", "https://www.youtube.com/@x/videos", "https://youtube.com/@x/",
                                "youtube.com/@x/", "https://m.youtube.com/@X?si=abc123", "http://www.youtube.com/@x/featured",
                                "https://www.youtube.com/@x/videos?utm_source=share&feature=shared#top"]),
            ("youtube.com/@x/shorts", ["https://www.youtube.com/@x/shorts", "https://m.youtube.com/@x/shorts/"]),
            ("youtube.com/channel/UCabcDEF", ["https://www.youtube.com/channel/UCabcDEF", "https://youtube.com/channel/UCabcDEF/videos"]),
            ("youtube.com/watch?v=dQw4w9WgXcQ", ["https://youtu.be/dQw4w9WgXcQ?si=xyz", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                                                 "https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&pp=ygU",
                                                 "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL123&index=2",
                                                 "https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube.com/live/dQw4w9WgXcQ?si=1"]),
            ("youtube.com/playlist?list=PL123", ["https://www.youtube.com/playlist?list=PL123", "https://music.youtube.com/playlist?list=PL123&si=q",
                                                 "https://m.youtube.com/playlist?si=q&list=PL123"]),
            ("example.com/feed.xml?a=1&b=2", ["https://example.com/feed.xml?b=2&a=1", "http://www.example.com/feed.xml/?a=1&utm_medium=x&b=2"]),
            ("127.0.0.1:8123/feed.xml", ["http://127.0.0.1:8123/feed.xml"]),
        ]
        for (key, urls) in table {
            for url in urls {
                let valid = try? SourceURL.validate(url).get()
                XCTAssertNotNil(valid, url)
                XCTAssertEqual(SourceURL.key(of: valid ?? url), key, url)
            }
        }
        let distinct = ["https://www.youtube.com/@x", "https://www.youtube.com/@y", "https://www.youtube.com/@x/streams",
                        "https://www.youtube.com/channel/UCabcDEF", "https://www.youtube.com/channel/UCABCDEF",
                        "https://www.youtube.com/watch?v=a", "https://www.youtube.com/watch?v=A", "https://www.youtube.com/playlist?list=PL1",
                        "https://example.com/feed.xml?a=1", "https://example.com/feed.xml?a=2", "https://example.com:8443/feed.xml"]
        XCTAssertEqual(Set(distinct.compactMap(SourceURL.key(of:))).count, distinct.count)
    }
}
