import XCTest
@testable import SpoolSubsonic

/// Typed accessors and every endpoint's parameters: missing, repeated, negative, huge and
/// non-numeric values become Subsonic errors or bounded values, never a crash or unbounded work.
final class ParameterTests: XCTestCase {
    private func parameters(_ query: String) throws -> SubsonicParameters {
        try SubsonicParameters(rawQuery: query)
    }

    private func assertCode(_ expected: SubsonicErrorCode, naming name: String, file: StaticString = #filePath,
                            line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? SubsonicError else { return XCTFail("not a SubsonicError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.code, expected, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains("'\(name)'"), "message should name '\(name)': \(error.message)", file: file, line: line)
        }
    }

    func testMissingAndEmptyRequiredValuesAreCode10() throws {
        assertCode(.missingParameter, naming: "id") { _ = try self.parameters("x=1").requiredString("id") }
        assertCode(.missingParameter, naming: "id") { _ = try self.parameters("id=").requiredString("id") }
        assertCode(.missingParameter, naming: "rating") { _ = try SetRatingParameters(self.parameters("id=tr-1")) }
        XCTAssertEqual(try parameters("query=").requiredPossiblyEmptyString("query"), "")
    }

    func testNonNumericAndOutOfRangeNumbersAreCode0() throws {
        assertCode(.generic, naming: "size") { _ = try self.parameters("size=ten").count("size", default: 10) }
        assertCode(.generic, naming: "size") { _ = try self.parameters("size=1.5").count("size", default: 10) }
        assertCode(.generic, naming: "size") { _ = try self.parameters("size=99999999999999999999999").count("size", default: 10) }
        assertCode(.generic, naming: "size") { _ = try self.parameters("size=-1").count("size", default: 10) }
        assertCode(.generic, naming: "offset") { _ = try self.parameters("offset=-5").offset("offset") }
        assertCode(.generic, naming: "offset") { _ = try self.parameters("offset=1000001").offset("offset") }
        assertCode(.generic, naming: "rating") { _ = try SetRatingParameters(self.parameters("id=tr-1&rating=6")) }
        assertCode(.generic, naming: "rating") { _ = try SetRatingParameters(self.parameters("id=tr-1&rating=-1")) }
    }

    func testHugeCountsAreClampedToTheSpecMaximum() throws {
        XCTAssertEqual(try parameters("count=100000").count("count", default: 20), 500)
        XCTAssertEqual(try parameters("size=501").count("size", default: 10), 500)
        XCTAssertEqual(try parameters("size=0").count("size", default: 10), 0)
        XCTAssertEqual(try parameters("").count("size", default: 10), 10)
        let limits = SubsonicRequestLimits(maxListSize: 50)
        XCTAssertEqual(try SubsonicParameters(rawQuery: "", limits: limits).count("size", default: 100), 50)
        XCTAssertEqual(try RandomSongsParameters(parameters("size=100000")).size, 500)
    }

    func testBooleans() throws {
        for text in ["true", "TRUE", "1", "on", "yes"] {
            XCTAssertTrue(try parameters("b=\(text)").bool("b", default: false), text)
        }
        for text in ["false", "False", "0", "off", "no"] {
            XCTAssertFalse(try parameters("b=\(text)").bool("b", default: true), text)
        }
        XCTAssertTrue(try parameters("b=").bool("b", default: true))
        assertCode(.generic, naming: "b") { _ = try self.parameters("b=maybe").bool("b", default: true) }
    }

    func testRepeatedValuesAreBounded() throws {
        let limits = SubsonicRequestLimits(maxRepeatedValues: 3)
        let three = try SubsonicParameters(rawQuery: "id=1&id=2&id=&id=3", limits: limits)
        XCTAssertEqual(try three.strings("id"), ["1", "2", "3"], "empty values are dropped")
        let four = try SubsonicParameters(rawQuery: "id=1&id=2&id=3&id=4", limits: limits)
        assertCode(.generic, naming: "id") { _ = try four.strings("id") }
    }

    func testAlbumListTypes() throws {
        let newest = try AlbumListParameters(parameters("type=newest&size=20&offset=40"))
        XCTAssertEqual(newest.type, .newest)
        XCTAssertEqual(newest.size, 20)
        XCTAssertEqual(newest.offset, 40)
        let defaults = try AlbumListParameters(parameters("type=random"))
        XCTAssertEqual(defaults.size, 10)
        XCTAssertEqual(defaults.offset, 0)
        XCTAssertEqual(try AlbumListParameters(parameters("type=byYear&fromYear=2020&toYear=2010")).type,
                       .byYear(from: 2020, to: 2010))
        XCTAssertEqual(try AlbumListParameters(parameters("type=byGenre&genre=Rock")).type, .byGenre("Rock"))
        assertCode(.missingParameter, naming: "type") { _ = try AlbumListParameters(self.parameters("size=5")) }
        assertCode(.missingParameter, naming: "fromYear") { _ = try AlbumListParameters(self.parameters("type=byYear&toYear=1")) }
        assertCode(.missingParameter, naming: "genre") { _ = try AlbumListParameters(self.parameters("type=byGenre")) }
        assertCode(.generic, naming: "type") { _ = try AlbumListParameters(self.parameters("type=loudest")) }
        assertCode(.generic, naming: "offset") { _ = try AlbumListParameters(self.parameters("type=newest&offset=-1")) }
        XCTAssertEqual(try AlbumListParameters(parameters("type=newest&size=100000")).size, 500)
    }

    func testSearchQueryNormalization() throws {
        XCTAssertEqual(try Search3Parameters(parameters("query=%22%22")).query, "", "the spec's own query=\"\" means everything")
        XCTAssertTrue(try Search3Parameters(parameters("query=")).matchesEverything)
        XCTAssertEqual(try Search3Parameters(parameters("query=imagine*")).query, "imagine")
        XCTAssertEqual(try Search3Parameters(parameters("query=+dragons+")).query, "dragons")
        let paged = try Search3Parameters(parameters("query=a&songCount=100000&songOffset=20&artistCount=0"))
        XCTAssertEqual(paged.songCount, 500)
        XCTAssertEqual(paged.songOffset, 20)
        XCTAssertEqual(paged.artistCount, 0)
        XCTAssertEqual(paged.albumCount, 20)
        assertCode(.missingParameter, naming: "query") { _ = try Search3Parameters(self.parameters("songCount=1")) }
        assertCode(.generic, naming: "albumOffset") { _ = try Search3Parameters(self.parameters("query=a&albumOffset=-20")) }
    }

    func testStarNeedsAtLeastOneID() throws {
        let star = try StarParameters(parameters("id=tr-1&id=tr-2&albumId=al-1&artistId=ar-1"))
        XCTAssertEqual(star.ids, ["tr-1", "tr-2"])
        XCTAssertEqual(star.albumIDs, ["al-1"])
        XCTAssertEqual(star.artistIDs, ["ar-1"])
        XCTAssertThrowsError(try StarParameters(parameters("id="))) {
            XCTAssertEqual(($0 as! SubsonicError).code, .missingParameter)
        }
    }

    func testScrobbleTimesPairWithIDs() throws {
        let one = try ScrobbleParameters(parameters("id=tr-1"))
        XCTAssertEqual(one.plays, [.init(id: "tr-1", time: nil)])
        XCTAssertTrue(one.submission)
        let two = try ScrobbleParameters(parameters("id=tr-1&time=1700000000000&id=tr-2&time=1700000000500&submission=false"))
        XCTAssertEqual(two.plays.map(\.id), ["tr-1", "tr-2"])
        XCTAssertEqual(two.plays[1].time, Date(timeIntervalSince1970: 1_700_000_000.5))
        XCTAssertFalse(two.submission)
        assertCode(.missingParameter, naming: "id") { _ = try ScrobbleParameters(self.parameters("time=1")) }
        assertCode(.generic, naming: "time") { _ = try ScrobbleParameters(self.parameters("id=a&id=b&time=1")) }
        assertCode(.generic, naming: "time") { _ = try ScrobbleParameters(self.parameters("id=a&time=-1")) }
        assertCode(.generic, naming: "time") { _ = try ScrobbleParameters(self.parameters("id=a&time=yesterday")) }
    }

    func testBookmarkPositions() throws {
        let bookmark = try CreateBookmarkParameters(parameters("id=tr-1&position=129000&comment=chorus"))
        XCTAssertEqual(bookmark.positionMilliseconds, 129_000)
        XCTAssertEqual(bookmark.comment, "chorus")
        assertCode(.missingParameter, naming: "position") { _ = try CreateBookmarkParameters(self.parameters("id=tr-1")) }
        assertCode(.generic, naming: "position") { _ = try CreateBookmarkParameters(self.parameters("id=tr-1&position=-1")) }
    }

    func testPlayQueueCurrentMustBeInTheQueue() throws {
        let saved = try SavePlayQueueParameters(parameters("id=tr-1&id=tr-2&current=tr-2&position=1500"))
        XCTAssertEqual(saved.ids, ["tr-1", "tr-2"])
        XCTAssertEqual(saved.current, "tr-2")
        XCTAssertEqual(saved.positionMilliseconds, 1500)
        XCTAssertTrue(try SavePlayQueueParameters(parameters("c=client")).clearsQueue)
        assertCode(.missingParameter, naming: "current") { _ = try SavePlayQueueParameters(self.parameters("id=tr-1")) }
        assertCode(.generic, naming: "current") { _ = try SavePlayQueueParameters(self.parameters("id=tr-1&current=tr-9")) }
    }

    func testPlaylistEdits() throws {
        XCTAssertEqual(try CreatePlaylistParameters(parameters("name=Mix&songId=tr-1&songId=tr-1")).target, .create(name: "Mix"))
        XCTAssertEqual(try CreatePlaylistParameters(parameters("name=Mix&songId=tr-1&songId=tr-1")).songIDs, ["tr-1", "tr-1"])
        XCTAssertEqual(try CreatePlaylistParameters(parameters("playlistId=pl-3&songId=tr-2")).target,
                       .replace(playlistID: "pl-3", name: nil))
        XCTAssertThrowsError(try CreatePlaylistParameters(parameters("songId=tr-1"))) {
            XCTAssertEqual(($0 as! SubsonicError).code, .missingParameter)
        }
        let update = try UpdatePlaylistParameters(parameters(
            "playlistId=pl-3&name=New&public=true&songIdToAdd=tr-7&songIndexToRemove=1&songIndexToRemove=4&songIndexToRemove=1&comment="))
        XCTAssertEqual(update.songIndexesToRemove, [4, 1], "deduplicated, highest first")
        XCTAssertEqual(update.songIDsToAdd, ["tr-7"])
        XCTAssertEqual(update.isPublic, true)
        XCTAssertEqual(update.comment, "", "an empty comment clears it")
        assertCode(.generic, naming: "songIndexToRemove") {
            _ = try UpdatePlaylistParameters(self.parameters("playlistId=pl-3&songIndexToRemove=-1"))
        }
        assertCode(.missingParameter, naming: "playlistId") { _ = try UpdatePlaylistParameters(self.parameters("name=x")) }
    }

    func testCoverArtSizeIsClamped() throws {
        XCTAssertEqual(try CoverArtParameters(parameters("id=al-1&size=300")).size, 300)
        XCTAssertEqual(try CoverArtParameters(parameters("id=al-1&size=99999999")).size, 2048)
        XCTAssertNil(try CoverArtParameters(parameters("id=al-1")).size)
        assertCode(.generic, naming: "size") { _ = try CoverArtParameters(self.parameters("id=al-1&size=0")) }
        assertCode(.generic, naming: "size") { _ = try CoverArtParameters(self.parameters("id=al-1&size=big")) }
    }

    func testStreamTranscodingRequest() throws {
        XCTAssertFalse(try StreamParameters(parameters("id=tr-1")).requestsTranscoding)
        XCTAssertFalse(try StreamParameters(parameters("id=tr-1&format=raw&maxBitRate=0")).requestsTranscoding)
        let mp3 = try StreamParameters(parameters("id=tr-1&format=MP3&maxBitRate=128&timeOffset=30"))
        XCTAssertTrue(mp3.requestsTranscoding)
        XCTAssertEqual(mp3.format, "mp3")
        XCTAssertEqual(mp3.maxBitRate, 128)
        XCTAssertEqual(mp3.timeOffsetSeconds, 30)
        assertCode(.generic, naming: "maxBitRate") { _ = try StreamParameters(self.parameters("id=tr-1&maxBitRate=-128")) }
    }

    func testIndexesModifiedSince() throws {
        let indexes = try IndexesParameters(parameters("ifModifiedSince=1700000000123&musicFolderId=1"))
        XCTAssertEqual(indexes.ifModifiedSince, Date(timeIntervalSince1970: 1_700_000_000.123))
        XCTAssertEqual(indexes.musicFolderID, 1)
        assertCode(.generic, naming: "musicFolderId") { _ = try IndexesParameters(self.parameters("musicFolderId=x")) }
    }
}
