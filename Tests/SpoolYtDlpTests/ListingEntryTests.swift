import XCTest
@testable import SpoolYtDlp

final class ListingEntryTests: XCTestCase {
    func testYouTubeFlatEntriesGetWatchURLsTheirExtractorAndTheChannel() throws {
        let line = """
        {"_type":"url","ie_key":"Youtube","id":"a1","url":"a1","title":"Believer","duration":217,"channel":"ImagineDragonsVEVO",\
        "channel_id":"UC1","playlist_title":"Imagine Dragons - Videos","playlist_id":"UC1","playlist_index":3,\
        "live_status":"not_live","thumbnails":[{"url":"s.jpg"},{"url":"l.jpg"}]}
        """
        let entry = try ListingEntry(jsonLine: line)
        XCTAssertEqual(entry.id, "a1")
        XCTAssertEqual(entry.url, "https://www.youtube.com/watch?v=a1")
        XCTAssertEqual(entry.extractor, "Youtube")
        XCTAssertEqual(entry.duration, 217)
        XCTAssertEqual(entry.thumbnail, "l.jpg")
        XCTAssertEqual(entry.position, 3)
        XCTAssertEqual(entry.channel, "ImagineDragonsVEVO")
        XCTAssertEqual(entry.channelId, "UC1")
        XCTAssertEqual(entry.sourceTitle, "Imagine Dragons - Videos")
        XCTAssertEqual(entry.liveStatus, "not_live")
    }

    /// The exact shape the real yt-dlp prints for an RSS feed (generic extractor): the id
    /// hides in the smuggled fragment, the date in `upload_date`.
    func testTheGenericExtractorsSmuggledIdAndUploadDateAreUsed() throws {
        let smuggled = #"{"force_videoid": "episode-7"}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let url = "http://127.0.0.1:9/media/7.m4a#__youtubedl_smuggle=\(smuggled)"
        let line = #"{"_type":"url_transparent","url":"\#(url)","title":"Seven","duration":2,"upload_date":"20240104","playlist_title":"Feed","extractor_key":"Generic"}"#
        let entry = try ListingEntry(jsonLine: line)
        XCTAssertEqual(entry.id, "episode-7")
        XCTAssertEqual(entry.title, "Seven")
        XCTAssertEqual(entry.uploadedAt, 1_704_326_400)
        XCTAssertEqual(entry.sourceTitle, "Feed")
        XCTAssertEqual(entry.extractor, "Generic")
    }

    func testASingleVideosFullInfoIsAnEntry() throws {
        let entry = try ListingEntry(jsonLine: #"{"id":"v9","title":"Alone","webpage_url":"https://a.test/v9","extractor_key":"Youtube"}"#)
        XCTAssertEqual(entry.url, "https://a.test/v9")
        XCTAssertEqual(entry.extractor, "Youtube")
    }

    func testTheReaderSkipsGarbageAndRepeatsAndCountsThem() {
        var reader = ListingReader()
        let lines = [
            #"{"id":"a","url":"https://a.test/a","title":"A"}"#,
            "WARNING: not json",
            #"{"id":"a","url":"https://a.test/a","title":"A again"}"#,
            #"{"truncated": "#,
            #"{"title":"no url"}"#,
            "",
            #"{"id":"b","url":"https://a.test/b"}"#,
        ]
        let entries = lines.compactMap { reader.read($0) }
        XCTAssertEqual(entries.map(\.id), ["a", "b"])
        XCTAssertEqual(entries[1].title, "b", "an entry without a title is named by its id")
        XCTAssertEqual(reader.entriesRead, 2)
        XCTAssertEqual(reader.duplicates, 1)
        XCTAssertEqual(reader.unreadableLines, 3)
        XCTAssertNotNil(reader.firstProblem)
    }
}
