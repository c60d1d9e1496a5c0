import Foundation
import XCTest
@testable import SpoolSubsonic

/// The two forms of the envelope: XML attributes vs elements, JSON arrays, escaping, dates.
final class RenderingTests: XCTestCase {
    private let renderer = SubsonicRenderer(server: SubsonicServerIdentity(serverVersion: "0.9.0"))
    private let envelopeXML = #"<?xml version="1.0" encoding="UTF-8"?><subsonic-response xmlns="http://subsonic.org/restapi" status="ok" version="1.16.1" type="spool" serverVersion="0.9.0" openSubsonic="true""#
    private let envelopeJSON = #"{"subsonic-response":{"status":"ok","version":"1.16.1","type":"spool","serverVersion":"0.9.0","openSubsonic":true"#
    private let created = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z

    func testEmptySuccessInBothForms() {
        XCTAssertEqual(renderer.render(.empty, as: .xml).text, envelopeXML + "/>")
        XCTAssertEqual(renderer.render(.empty, as: .json).text, envelopeJSON + "}}")
        XCTAssertEqual(renderer.render(.empty, as: .xml).contentType, "text/xml; charset=utf-8")
        XCTAssertEqual(renderer.render(.empty, as: .json).contentType, "application/json; charset=utf-8")
    }

    func testErrorInBothForms() {
        let error = SubsonicError(.wrongCredentials, "Wrong username or password")
        XCTAssertEqual(renderer.render(error, as: .xml).text, #"<?xml version="1.0" encoding="UTF-8"?><subsonic-response xmlns="http://subsonic.org/restapi" status="failed" version="1.16.1" type="spool" serverVersion="0.9.0" openSubsonic="true"><error code="40" message="Wrong username or password"/></subsonic-response>"#)
        XCTAssertEqual(renderer.render(error, as: .json).text, #"{"subsonic-response":{"status":"failed","version":"1.16.1","type":"spool","serverVersion":"0.9.0","openSubsonic":true,"error":{"code":40,"message":"Wrong username or password"}}}"#)
        let withHelp = SubsonicError(.authenticationMechanismNotSupported, helpURL: "https://spool.example/keys")
        XCTAssertTrue(renderer.render(withHelp, as: .json).text.hasSuffix(#""error":{"code":42,"message":"Provided authentication mechanism not supported.","helpUrl":"https://spool.example/keys"}}}"#))
    }

    func testJSONP() {
        let body = renderer.render(.empty, as: .jsonp(callback: "app.onPing"))
        XCTAssertEqual(body.text, "app.onPing(" + envelopeJSON + "}});")
        XCTAssertEqual(body.contentType, "application/javascript; charset=utf-8")
    }

    func testListsAreRepeatedElementsInXMLAndArraysInJSONEvenForOne() {
        let one = SubsonicPayload.randomSongs([Child(id: "tr-1", title: "A")])
        XCTAssertEqual(renderer.render(one, as: .xml).text,
                       envelopeXML + #"><randomSongs><song id="tr-1" isDir="false" title="A"/></randomSongs></subsonic-response>"#)
        XCTAssertEqual(renderer.render(one, as: .json).text,
                       envelopeJSON + #","randomSongs":{"song":[{"id":"tr-1","isDir":false,"title":"A"}]}}}"#)
        let two = SubsonicPayload.musicFolders([MusicFolder(id: 1, name: "Spool"), MusicFolder(id: 2)])
        XCTAssertEqual(renderer.render(two, as: .xml).text,
                       envelopeXML + #"><musicFolders><musicFolder id="1" name="Spool"/><musicFolder id="2"/></musicFolders></subsonic-response>"#)
    }

    func testEmptyLegacyListsAreLeftOutButTheirContainerStays() {
        XCTAssertEqual(renderer.render(.albumList2([]), as: .json).text, envelopeJSON + #","albumList2":{}}}"#)
        XCTAssertEqual(renderer.render(.albumList2([]), as: .xml).text, envelopeXML + "><albumList2/></subsonic-response>")
        XCTAssertEqual(renderer.render(.openSubsonicExtensions([]), as: .json).text, envelopeJSON + #","openSubsonicExtensions":[]}}"#)
    }

    func testSupportedOpenSubsonicListsAreEmptyArraysNotMissing() {
        let song = Child(id: "tr-1", title: "A", genres: [], replayGain: ReplayGain(), artists: [ArtistReference(id: "ar-1", name: "X")], albumArtists: [])
        let json = renderer.render(.song(song), as: .json).text
        XCTAssertTrue(json.contains(#""genres":[],"replayGain":{},"artists":[{"id":"ar-1","name":"X"}],"albumArtists":[]"#), json)
        let xml = renderer.render(.song(song), as: .xml).text
        XCTAssertTrue(xml.contains(#"<song id="tr-1" isDir="false" title="A"><replayGain/><artists id="ar-1" name="X"/></song>"#), xml)
    }

    func testValueListsAreTextElementsInXML() {
        let user = User(username: "ann", roles: .init(admin: true), folders: [1, 3])
        let xml = renderer.render(.user(user), as: .xml).text
        XCTAssertTrue(xml.hasSuffix(#"<user username="ann" scrobblingEnabled="true" adminRole="true" settingsRole="false" downloadRole="true" uploadRole="false" playlistRole="true" coverArtRole="true" commentRole="false" podcastRole="false" streamRole="true" jukeboxRole="false" shareRole="false" videoConversionRole="false"><folder>1</folder><folder>3</folder></user></subsonic-response>"#), xml)
        let json = renderer.render(.user(user), as: .json).text
        XCTAssertTrue(json.contains(#""videoConversionRole":false,"folder":[1,3]}"#), json)
        let extensions = renderer.render(.openSubsonicExtensions(OpenSubsonicExtension.spoolSupported), as: .xml).text
        XCTAssertTrue(extensions.hasSuffix(#"<openSubsonicExtensions name="formPost"><versions>1</versions></openSubsonicExtensions><openSubsonicExtensions name="apiKeyAuthentication"><versions>1</versions></openSubsonicExtensions></subsonic-response>"#), extensions)
    }

    func testBookmarkEntryIsAnElementAndAlbumSongsFollowAttributes() {
        let album = AlbumWithSongsID3(
            album: AlbumID3(id: "al-1", name: "Uploads", artist: "Chan", artistID: "ar-1", songCount: 1, duration: 61, created: created),
            songs: [Child(id: "tr-1", title: "A", duration: 61)])
        XCTAssertEqual(renderer.render(.album(album), as: .xml).text,
                       envelopeXML + #"><album id="al-1" name="Uploads" artist="Chan" artistId="ar-1" songCount="1" duration="61" created="2023-11-14T22:13:20Z"><song id="tr-1" isDir="false" title="A" duration="61"/></album></subsonic-response>"#)
        let bookmark = Bookmark(entry: Child(id: "tr-1", title: "A"), position: 5000, username: "ann", created: created, changed: created)
        XCTAssertEqual(renderer.render(.bookmarks([bookmark]), as: .xml).text,
                       envelopeXML + #"><bookmarks><bookmark position="5000" username="ann" created="2023-11-14T22:13:20Z" changed="2023-11-14T22:13:20Z"><entry id="tr-1" isDir="false" title="A"/></bookmark></bookmarks></subsonic-response>"#)
        XCTAssertTrue(renderer.render(.bookmarks([bookmark]), as: .json).text.contains(#""bookmark":[{"position":5000,"username":"ann","created":"2023-11-14T22:13:20Z","changed":"2023-11-14T22:13:20Z","entry":{"id":"tr-1","isDir":false,"title":"A"}}]"#))
    }

    func testNowPlayingEntriesAddTheirAttributesBeforeTheSongsElements() {
        let entry = NowPlayingEntry(song: Child(id: "tr-1", title: "A", artists: [ArtistReference(id: "ar-1", name: "X")]),
                                    username: "ann", minutesAgo: 3, playerID: 2, playerName: "DSub")
        XCTAssertEqual(renderer.render(.nowPlaying([entry]), as: .xml).text,
                       envelopeXML + #"><nowPlaying><entry id="tr-1" isDir="false" title="A" username="ann" minutesAgo="3" playerId="2" playerName="DSub"><artists id="ar-1" name="X"/></entry></nowPlaying></subsonic-response>"#)
        XCTAssertEqual(renderer.render(.nowPlaying([entry]), as: .json).text,
                       envelopeJSON + #","nowPlaying":{"entry":[{"id":"tr-1","isDir":false,"title":"A","username":"ann","minutesAgo":3,"playerId":2,"playerName":"DSub","artists":[{"id":"ar-1","name":"X"}]}]}}}"#)
        XCTAssertEqual(renderer.render(.nowPlaying([]), as: .json).text, envelopeJSON + #","nowPlaying":{"entry":[]}}}"#)
        XCTAssertEqual(renderer.render(.genres([]), as: .json).text, envelopeJSON + #","genres":{"genre":[]}}}"#)
        XCTAssertEqual(renderer.render(.genres([Genre(name: "Rock & Roll", songCount: 2, albumCount: 1)]), as: .xml).text,
                       envelopeXML + #"><genres><genre songCount="2" albumCount="1">Rock &amp; Roll</genre></genres></subsonic-response>"#)
    }

    func testFileStructureViewsNestFoldersAndSongsAsChildren() {
        let folder = Child(id: "al-1", parent: "ar-1", isDir: true, title: "Chan", duration: 61, name: "Chan", songCount: 2)
        XCTAssertEqual(renderer.render(.directory(Directory(id: "ar-1", name: "Chan", children: [folder])), as: .xml).text,
                       envelopeXML + #"><directory id="ar-1" name="Chan"><child id="al-1" parent="ar-1" isDir="true" title="Chan" name="Chan" duration="61" songCount="2"/></directory></subsonic-response>"#)
        let found = SearchResult2(artists: [Artist(id: "ar-1", name: "Chan")], albums: [folder], songs: [Child(id: "tr-1", title: "A")])
        XCTAssertEqual(renderer.render(.starred(found), as: .json).text,
                       envelopeJSON + #","starred":{"artist":[{"id":"ar-1","name":"Chan"}],"album":[{"id":"al-1","parent":"ar-1","isDir":true,"title":"Chan","name":"Chan","duration":61,"songCount":2}],"song":[{"id":"tr-1","isDir":false,"title":"A"}]}}}"#)
        XCTAssertEqual(renderer.render(.albumList([folder]), as: .xml).text,
                       envelopeXML + #"><albumList><album id="al-1" parent="ar-1" isDir="true" title="Chan" name="Chan" duration="61" songCount="2"/></albumList></subsonic-response>"#)
        XCTAssertTrue(renderer.render(.searchResult2(found), as: .xml).text.contains(#"<searchResult2><artist id="ar-1" name="Chan"/>"#))
    }

    func testTextIsEscapedAndControlCharactersDropped() throws {
        let title = "Rock & Roll <Live> \"Best\" 'Of' 🎸\u{0}\u{8}\u{1B}[0m\u{FFFE}é\ttab\nline\r"
        let song = Child(id: "tr-1", title: title)
        let xml = renderer.render(.song(song), as: .xml).text
        XCTAssertTrue(xml.contains(#"title="Rock &amp; Roll &lt;Live&gt; &quot;Best&quot; 'Of' 🎸[0mé&#9;tab&#10;line&#13;""#), xml)
        let json = renderer.render(.song(song), as: .json)
        XCTAssertTrue(json.text.contains(#""title":"Rock \u0026 Roll \u003cLive\u003e \"Best\" 'Of' 🎸\u0000\u0008\u001b[0m"#), json.text)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.bytes)) as! [String: [String: Any]]
        XCTAssertEqual((parsed["subsonic-response"]!["song"] as! [String: Any])["title"] as? String, title,
                       "JSON keeps every character a client can decode")
    }

    func testJSONEscapesLineSeparatorsForJSONP() {
        let json = renderer.render(.song(Child(id: "1", title: "a\u{2028}b\u{2029}c")), as: .json).text
        XCTAssertTrue(json.contains(#""title":"a\u2028b\u2029c""#), json)
    }

    func testNumbersBooleansAndRatings() {
        let song = Child(id: "1", title: "t", size: 8_421_341_000, userRating: 0, averageRating: 4.5, isVideo: false)
        let json = renderer.render(.song(song), as: .json).text
        XCTAssertTrue(json.contains(#""size":8421341000,"averageRating":4.5,"isVideo":false"#), json)
        XCTAssertFalse(json.contains("userRating"), "0 means unrated and the schema allows only 1–5")
        XCTAssertTrue(renderer.render(.song(Child(id: "1", title: "t", userRating: 3)), as: .xml).text.contains(#"userRating="3""#))
        XCTAssertTrue(renderer.render(.song(Child(id: "1", title: "t", averageRating: .nan)), as: .json).text.contains(#""averageRating":0"#))
    }

    func testISO8601Dates() throws {
        XCTAssertEqual(SubsonicDateFormat.iso8601(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(SubsonicDateFormat.iso8601(Date(timeIntervalSince1970: 1_700_000_000.25)), "2023-11-14T22:13:20.250Z")
        XCTAssertEqual(SubsonicDateFormat.iso8601(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29T00:00:00Z")
        XCTAssertEqual(SubsonicDateFormat.iso8601(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59Z")
        XCTAssertEqual(SubsonicDateFormat.iso8601(Date(timeIntervalSince1970: 4_102_444_799.999)), "2099-12-31T23:59:59.999Z")
        // Every day of four years, against the test's own parser.
        for day in stride(from: 18_000, to: 19_461, by: 1) {
            let instant = Date(timeIntervalSince1970: Double(day) * 86_400 + 45_296.5)
            XCTAssertEqual(try milliseconds(iso8601: SubsonicDateFormat.iso8601(instant)), Int64(day) * 86_400_000 + 45_296_500)
        }
    }

    func testWholeSecondDurations() {
        XCTAssertEqual(SubsonicDuration.wholeSeconds(212.6), 213)
        XCTAssertEqual(SubsonicDuration.wholeSeconds(3.4), 3)
        XCTAssertEqual(SubsonicDuration.wholeSeconds(-1), 0)
        XCTAssertEqual(SubsonicDuration.wholeSeconds(.nan), 0)
        XCTAssertEqual(SubsonicDuration.wholeSeconds(.infinity), 0)
    }

    func testFailuresOfUnparsableCallsRenderInTheirFormat() {
        do {
            _ = try SubsonicRequest(path: "getSong", rawQuery: "f=json&id=%G0")
            XCTFail("expected a failure")
        } catch {
            let body = renderer.render(error)
            XCTAssertEqual(body.contentType, "application/json; charset=utf-8")
            XCTAssertTrue(body.text.contains(#""status":"failed""#) && body.text.contains(#""code":0"#), body.text)
        }
    }
}
