import XCTest
@testable import SpoolDownloader

final class ChannelListingTests: XCTestCase {
    func testYouTubeFlatEntriesGetWatchURLsAndDuplicatesAreDropped() throws {
        let json = """
        {"_type":"playlist","id":"UC1","channel_id":"UC1","title":"Imagine Dragons - Videos","uploader":"ImagineDragonsVEVO",
         "entries":[
           {"id":"a1","url":"a1","ie_key":"Youtube","title":"Believer","duration":217,"thumbnails":[{"url":"s.jpg"},{"url":"l.jpg"}]},
           {"id":"a1","url":"a1","ie_key":"Youtube","title":"Believer again"},
           {"id":"b2","url":"https://www.youtube.com/watch?v=b2","title":"Thunder"}]}
        """
        let listing = try ChannelListing(json: Data(json.utf8))
        XCTAssertEqual(listing.remoteId, "UC1")
        XCTAssertEqual(listing.uploader, "ImagineDragonsVEVO")
        XCTAssertEqual(listing.entries.map(\.id), ["a1", "b2"])
        XCTAssertEqual(listing.entries[0].url, "https://www.youtube.com/watch?v=a1")
        XCTAssertEqual(listing.entries[0].duration, 217)
        XCTAssertEqual(listing.entries[0].thumbnail, "l.jpg")
    }

    func testTheGenericExtractorsSmuggledIdIsUsed() throws {
        let smuggled = #"{"force_videoid": "episode-7", "to_generic": true}"#
            .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let url = "http://127.0.0.1:9/media/7.m4a#__youtubedl_smuggle=\(smuggled)"
        let json = #"{"_type":"playlist","title":"Feed","entries":[{"url":"\#(url)","title":"Seven"}]}"#
        let listing = try ChannelListing(json: Data(json.utf8))
        XCTAssertEqual(listing.entries.map(\.id), ["episode-7"])
        XCTAssertEqual(listing.entries[0].title, "Seven")
    }

    func testASingleVideoIsAListingOfOne() throws {
        let json = #"{"id":"v9","title":"Alone","webpage_url":"https://a.test/v9"}"#
        XCTAssertEqual(try ChannelListing(json: Data(json.utf8)).entries.map(\.url), ["https://a.test/v9"])
    }

    func testGarbageIsAnError() {
        XCTAssertThrowsError(try ChannelListing(json: Data("[1,2]".utf8)))
        XCTAssertThrowsError(try ChannelListing(json: Data("not json".utf8)))
    }
}
