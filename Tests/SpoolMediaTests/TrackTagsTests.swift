import Foundation
import SpoolMedia
import XCTest

/// The mapping from yt-dlp's info JSON and the source to tags (pure, no files).
final class TrackTagsTests: XCTestCase {
    private let channel = SourceContext(title: "Lofi Channel", position: 12, url: "https://www.youtube.com/@lofi", kind: .channel)

    private func info(_ fields: [String: Any]) -> [String: Any] {
        var base: [String: Any] = [
            "id": "dQw4w9WgXcQ", "title": "A Plain Video", "uploader": "Some Uploader",
            "webpage_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "upload_date": "20240517",
        ]
        for (key, value) in fields { base[key] = value }
        return base
    }

    // MARK: YouTube Music fields win

    func testYouTubeMusicFieldsWinOverTitleAndUploader() {
        let tags = TrackTags(info: info([
            "title": "Other Artist - Some Title (Official Video)", "track": "Real Song",
            "artists": ["Real Artist", "Guest"], "album": "Real Album", "track_number": 4,
            "release_year": 1985, "uploader": "Real Artist - Topic",
        ]), source: channel)
        XCTAssertEqual(tags.title, "Real Song")
        XCTAssertEqual(tags.artist, "Real Artist, Guest")
        XCTAssertEqual(tags.album, "Real Album")
        XCTAssertEqual(tags.albumArtist, "Real Artist", "the first artist stands for the album")
        XCTAssertEqual(tags.trackNumber, 4, "the album's own track number, not the channel position")
        XCTAssertEqual(tags.date, "1985", "the release year beats the upload date")
        XCTAssertEqual(tags.origin, .musicMetadata)
    }

    func testMusicAlbumArtistsFieldIsUsedWhenPresent() {
        let tags = TrackTags(info: info(["track": "Song", "artist": "Solo", "album": "Split EP", "album_artists": ["Solo", "Other"]]),
                             source: channel)
        XCTAssertEqual(tags.albumArtist, "Solo, Other")
        XCTAssertEqual(tags.artist, "Solo", "a plain `artist` string is used when `artists` is missing")
    }

    func testMusicAlbumWithoutTrackNumberLeavesTheNumberEmpty() {
        let tags = TrackTags(info: info(["track": "Song", "artist": "Solo", "album": "LP"]), source: channel)
        XCTAssertNil(tags.trackNumber, "the channel position is not a track number of the album")
    }

    func testMusicArtistWithoutTrackStillSplitsTheTitleForTheTitleOnly() {
        let tags = TrackTags(info: info(["title": "Queen - Bohemian Rhapsody (Official Video)", "artists": ["Queen"]]),
                             source: channel)
        XCTAssertEqual(tags.title, "Bohemian Rhapsody")
        XCTAssertEqual(tags.artist, "Queen")
        XCTAssertEqual(tags.origin, .musicMetadata)
    }

    func testReleaseDateBeatsReleaseYearAndUploadDate() {
        let tags = TrackTags(info: info(["release_date": "19991231", "release_year": 1998]), source: channel)
        XCTAssertEqual(tags.date, "1999-12-31")
    }

    // MARK: "Artist - Title"

    func testArtistTitleIsSplit() {
        let tags = TrackTags(info: info(["title": "Daft Punk - One More Time (Official Video)"]), source: channel)
        XCTAssertEqual(tags.artist, "Daft Punk")
        XCTAssertEqual(tags.title, "One More Time")
        XCTAssertEqual(tags.origin, .splitTitle)
        XCTAssertEqual(tags.album, "Lofi Channel", "no album in the info: the source's title")
        XCTAssertEqual(tags.albumArtist, "Lofi Channel", "one album artist for the whole channel")
        XCTAssertEqual(tags.trackNumber, 12)
    }

    // MARK: Fallback: uploader and source

    func testPlainTitleFallsBackToUploaderAndSource() {
        let tags = TrackTags(info: info([:]), source: channel)
        XCTAssertEqual(tags.title, "A Plain Video")
        XCTAssertEqual(tags.artist, "Some Uploader")
        XCTAssertEqual(tags.album, "Lofi Channel")
        XCTAssertEqual(tags.albumArtist, "Lofi Channel")
        XCTAssertEqual(tags.trackNumber, 12)
        XCTAssertEqual(tags.date, "2024-05-17")
        XCTAssertEqual(tags.comment, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
        XCTAssertEqual(tags.videoID, "dQw4w9WgXcQ")
        XCTAssertEqual(tags.sourceURL, "https://www.youtube.com/@lofi")
        XCTAssertEqual(tags.origin, .uploader)
    }

    func testPlaylistTracksShareVariousArtistsAsAlbumArtist() {
        let playlist = SourceContext(title: "Summer Mix", position: 3, url: "https://www.youtube.com/playlist?list=PL1", kind: .playlist)
        let first = TrackTags(info: info(["title": "A - One", "uploader": "A"]), source: playlist)
        let second = TrackTags(info: info(["title": "B - Two", "uploader": "B"]), source: playlist)
        XCTAssertEqual(first.albumArtist, "Various Artists")
        XCTAssertEqual(first.albumArtist, second.albumArtist, "players group an album by album artist: one value per source")
        XCTAssertEqual(first.album, "Summer Mix")
        XCTAssertEqual(first.trackNumber, 3)
    }

    func testTopicChannelSuffixIsRemovedFromTheUploader() {
        let tags = TrackTags(info: info(["title": "Song", "uploader": "Artist Name - Topic"]), source: SourceContext())
        XCTAssertEqual(tags.artist, "Artist Name")
    }

    func testChannelIsUsedWhenUploaderIsMissing() {
        var fields = info(["channel": "The Channel"])
        fields.removeValue(forKey: "uploader")
        XCTAssertEqual(TrackTags(info: fields, source: SourceContext()).artist, "The Channel")
    }

    func testWithoutSourceThePlaylistIndexIsTheTrackNumberAndAlbumIsEmpty() {
        let tags = TrackTags(info: info(["playlist_index": 9]), source: SourceContext())
        XCTAssertNil(tags.album)
        XCTAssertNil(tags.albumArtist)
        XCTAssertEqual(tags.trackNumber, 9)
    }

    func testSourcePositionBeatsPlaylistIndexAndZeroIsIgnored() {
        XCTAssertEqual(TrackTags(info: info(["playlist_index": 9]), source: SourceContext(title: "S", position: 2)).trackNumber, 2)
        XCTAssertEqual(TrackTags(info: info(["playlist_index": 9]), source: SourceContext(title: "S", position: 0)).trackNumber, 9)
    }

    func testSourceURLFallsBackToTheChannelURLOfTheInfo() {
        let tags = TrackTags(info: info(["channel_url": "https://www.youtube.com/channel/UC1"]), source: SourceContext(title: "S"))
        XCTAssertEqual(tags.sourceURL, "https://www.youtube.com/channel/UC1")
    }

    func testMissingTitleFallsBackToFullTitleThenId() {
        var fields = info(["fulltitle": "Full Title"])
        fields.removeValue(forKey: "title")
        XCTAssertEqual(TrackTags(info: fields, source: channel).title, "Full Title")
        fields.removeValue(forKey: "fulltitle")
        XCTAssertEqual(TrackTags(info: fields, source: channel).title, "dQw4w9WgXcQ")
    }

    func testDecorationsAreRemovedButVersionsKept() {
        XCTAssertEqual(TrackTags(info: info(["title": "Song (Official Music Video) [HD]"]), source: channel).title, "Song")
        XCTAssertEqual(TrackTags(info: info(["title": "Song (Lyrics)"]), source: channel).title, "Song")
        XCTAssertEqual(TrackTags(info: info(["title": "Song (Live)"]), source: channel).title, "Song (Live)")
        XCTAssertEqual(TrackTags(info: info(["title": "Song (feat. Guest)"]), source: channel).title, "Song (feat. Guest)")
        XCTAssertEqual(TrackTags(info: info(["title": "Song (Official Remix)"]), source: channel).title, "Song (Official Remix)")
        XCTAssertEqual(TrackTags(info: info(["title": "(Official Video)"]), source: channel).title, "(Official Video)",
                       "a title that is only a decoration stays")
    }

    func testWhitespaceAndControlCharactersAreCollapsed() {
        let tags = TrackTags(info: info(["title": "  Two\n\tLines\u{0}Here  ", "uploader": " Spaced  Out "]), source: channel)
        XCTAssertEqual(tags.title, "Two Lines Here")
        XCTAssertEqual(tags.artist, "Spaced Out")
    }

    // MARK: Dates

    func testDatesAreValidatedAndFormatted() {
        XCTAssertEqual(TrackTags(info: info(["upload_date": "20231105"]), source: channel).date, "2023-11-05")
        XCTAssertEqual(TrackTags(info: info(["upload_date": "20231305"]), source: channel).date, nil, "month 13")
        XCTAssertEqual(TrackTags(info: info(["upload_date": "2023110"]), source: channel).date, nil, "seven digits")
        XCTAssertEqual(TrackTags(info: info(["upload_date": "2023-11-05"]), source: channel).date, nil, "not yt-dlp's form")
        XCTAssertEqual(TrackTags(info: info(["release_year": "2001"]), source: channel).date, "2001", "a year as a string")
        XCTAssertEqual(TrackTags(info: info(["release_year": 99]), source: channel).date, "2024-05-17", "not a four-digit year")
        XCTAssertEqual(TrackTags(info: info(["release_date": "bad", "release_year": 1970]), source: channel).date, "1970")
    }

    // MARK: JSON input

    func testInfoJSONBytesAreParsed() throws {
        let json = #"{"id":"abc","title":"Artist — Title","uploader":"U","upload_date":"20200101","webpage_url":"https://x/abc"}"#
        let tags = try TrackTags(infoJSON: Data(json.utf8), source: SourceContext(title: "Src", position: 1, url: "https://x/src"))
        XCTAssertEqual(tags, TrackTags(title: "Title", artist: "Artist", album: "Src", albumArtist: "Src", trackNumber: 1,
                                       date: "2020-01-01", comment: "https://x/abc", videoID: "abc", sourceURL: "https://x/src",
                                       origin: .splitTitle))
    }

    func testInfoJSONThatIsNotAnObjectThrows() {
        XCTAssertThrowsError(try TrackTags(infoJSON: Data("[1,2]".utf8), source: SourceContext()))
        XCTAssertThrowsError(try TrackTags(infoJSON: Data("not json".utf8), source: SourceContext()))
    }
}
