import Foundation
import XCTest
@testable import SpoolSubsonic

/// The JSON form checked against the specification's own examples: the same data, built with
/// the model, must render to the same document (member order aside; dates compared as instants,
/// since the spec writes one instant as `…+00:00`, `…Z` or with nanoseconds).
final class SpecExampleTests: XCTestCase {
    /// The spec examples' server identity, so the envelope can be compared too.
    private let renderer = SubsonicRenderer(server: SubsonicServerIdentity(type: "AwesomeServerName", serverVersion: "0.1.3 (tag)"))

    private func assertMatchesSpec(_ payload: SubsonicPayload, _ example: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let rendered = renderer.render(payload, as: .json)
        let actual = try canonical(JSONSerialization.jsonObject(with: Data(rendered.bytes)))
        let expected = try canonical(JSONSerialization.jsonObject(with: Data(example.utf8)))
        XCTAssertEqual(actual as? NSDictionary, expected as? NSDictionary,
                       "rendered:\n\(rendered.text)\nspec:\n\(example)", file: file, line: line)
    }

    func testPing() throws {
        // Byte for byte: the envelope's member order is the spec's.
        XCTAssertEqual(renderer.render(.empty, as: .json).text, SpecExamples.ping)
    }

    func testOpenSubsonicExtensions() throws {
        try assertMatchesSpec(.openSubsonicExtensions([
            .init(name: "template", versions: [1, 2]), .init(name: "transcodeOffset", versions: [1]),
            .init(name: "sonicSimilarity", versions: [1]), .init(name: "topSongsByArtistId", versions: [1]),
        ]), SpecExamples.openSubsonicExtensions)
    }

    func testLicense() throws {
        let expires = try date("2017-04-11T10:42:50.842Z")
        try assertMatchesSpec(.license(License(valid: true, email: "demo@demo.org", licenseExpires: expires, trialExpires: expires)),
                              SpecExamples.license)
    }

    func testMusicFolders() throws {
        try assertMatchesSpec(.musicFolders([MusicFolder(id: 1, name: "music"), MusicFolder(id: 4, name: "upload")]),
                              SpecExamples.musicFolders)
    }

    func testArtists() throws {
        try assertMatchesSpec(.artists(ArtistsID3(ignoredArticles: "The An A Die Das Ein Eine Les Le La", indexes: [
            .init(name: "C", artists: [
                ArtistID3(id: "100000016", name: "CARNÚN", coverArt: "ar-100000016", albumCount: 1),
                ArtistID3(id: "100000027", name: "Chi.Otic", coverArt: "ar-100000027", albumCount: 0),
            ]),
            .init(name: "I", artists: [ArtistID3(id: "100000013", name: "IOK-1", coverArt: "ar-100000013", albumCount: 1)]),
        ])), SpecExamples.artists)
    }

    func testRandomSongs() throws {
        func song(_ id: String, _ title: String, track: Int, duration: Int, bitRate: Int, size: Int64,
                  suffix: String, contentType: String, path: String, rating: Int?) -> Child {
            Child(id: id, parent: "200000002", title: title, album: "Colorsmoke EP", artist: "Synthetic", track: track,
                  year: 2007, genre: "Electronic", coverArt: id, size: size, contentType: contentType, suffix: suffix,
                  duration: duration, bitRate: bitRate, path: path, discNumber: 1, albumID: "200000002",
                  artistID: "100000002", type: .music, userRating: rating, averageRating: rating.map(Double.init),
                  isVideo: false, channelCount: 2, samplingRate: 44100, bitDepth: 16)
        }
        try assertMatchesSpec(.randomSongs([
            song("300000060", "BrownSmoke", track: 4, duration: 304, bitRate: 20, size: 792_375, suffix: "wma",
                 contentType: "audio/x-ms-wma", path: "Synthetic/Synthetic_-_Colorsmoke_EP-20k217-2007/04-Synthetic_-_BrownSmokeYSBM20k22khS.wma", rating: 5),
            song("300000055", "Red&GreenSmoke", track: 5, duration: 400, bitRate: 64, size: 3_209_886, suffix: "mp3",
                 contentType: "audio/mpeg", path: "Synthetic/Synthetic_-_Colorsmoke_EP-20k217-2007(1)/05-Synthetic_-_RedGreenSmokePM20k22khS_64kb.mp3", rating: nil),
        ]), SpecExamples.randomSongs)
    }

    func testStarred2() throws {
        let artist = ArtistID3(id: "37ec820ca7193e17040c98f7da7c4b51", name: "2 Mello", coverArt: "ar-37ec820ca7193e17040c98f7da7c4b51_0",
                               albumCount: 1, starred: try date("2017-04-11T10:42:50.842Z"), userRating: 5,
                               artistImageURL: "https://demo.org/image.jpg")
        let album = AlbumID3(id: "ad0f112b6dcf83de5e9cae85d07f0d35", name: "8-bit lagerfeuer", artist: "pornophonique",
                             artistID: "91c3901ac465b9efc439e4be4270c2b6", coverArt: "al-ad0f112b6dcf83de5e9cae85d07f0d35_640a93a8",
                             songCount: 8, duration: 1954, playCount: 97, created: try date("2023-03-10T02:19:35.784818075Z"),
                             starred: try date("2023-03-22T01:51:06Z"), year: 2007, genre: "Hip-Hop")
        let song = Child(id: "082f435a363c32c57d5edb6a678a28d4", parent: "e8a0685e3f3ec6f251649af2b58b8617", title: "\"polar expedition\"",
                         album: "Live at The Casbah - 2005-04-29", artist: "The New Deal", track: 4, year: 2005,
                         coverArt: "mf-082f435a363c32c57d5edb6a678a28d4_6410b3ce", size: 19_866_778, contentType: "audio/flac",
                         suffix: "flac", starred: try date("2023-03-27T09:45:27Z"), duration: 178, bitRate: 880,
                         path: "The New Deal/Live at The Casbah - 2005-04-29/04 - \"polar expedition\".flac", playCount: 8,
                         discNumber: 1, created: try date("2023-03-14T17:51:22.112827504Z"), albumID: "e8a0685e3f3ec6f251649af2b58b8617",
                         artistID: "97e0398acf63f9fb930d7d4ce209a52b", type: .music, isVideo: false,
                         channelCount: 2, samplingRate: 44100, bitDepth: 16)
        try assertMatchesSpec(.starred2(Starred2(artists: [artist], albums: [album], songs: [song])), SpecExamples.starred2)
    }

    func testBookmarks() throws {
        let first = Child(id: "113bf5989ad15ce2cf1834ba9622983f", parent: "b87a936c682c49d4494c7ccb08c22d23", title: "Stay Out Here",
                          album: "Shaking The Habitual", artist: "The Knife", track: 11, year: 2013, genre: "Electronic",
                          coverArt: "al-b87a936c682c49d4494c7ccb08c22d23_0", size: 21_096_309, contentType: "audio/mp4", suffix: "m4a",
                          duration: 642, bitRate: 257, path: "The Knife/Shaking The Habitual/11 - Stay Out Here.m4a",
                          created: try date("2023-03-13T16:30:35Z"), albumID: "b87a936c682c49d4494c7ccb08c22d23",
                          artistID: "b29e9a9d780cb0e133f3add5662771b9", type: .music, isVideo: false, bookmarkPosition: 129_000,
                          channelCount: 2, samplingRate: 44100, bitDepth: 16)
        let second = Child(id: "2b42782333450d02b177823e729664af", parent: "dc8d8889a6fe08d8da7698c7ee1de61c", title: "Ill with the Skills",
                           album: "First Words", artist: "The Polish Ambassador", track: 17, year: 2014,
                           coverArt: "mf-2b42782333450d02b177823e729664af_641edeb3", size: 6_219_581, contentType: "audio/mpeg", suffix: "mp3",
                           duration: 255, bitRate: 194, path: "The Polish Ambassador/First Words/17 - Ill with the Skills.mp3", playCount: 1,
                           created: try date("2023-03-25T11:44:51Z"), albumID: "dc8d8889a6fe08d8da7698c7ee1de61c",
                           artistID: "64e1f796b283545d329cdf6a31a31dbe", type: .music, isVideo: false, bookmarkPosition: 7000,
                           played: try date("2023-03-15T15:23:37Z"), channelCount: 2, samplingRate: 44100, bitDepth: 16)
        try assertMatchesSpec(.bookmarks([
            Bookmark(entry: first, position: 129_000, username: "demo", comment: "",
                     created: try date("2023-03-13T16:30:35Z"), changed: try date("2023-03-13T16:30:35Z")),
            Bookmark(entry: second, position: 7000, username: "demo", comment: "playSub bookmark",
                     created: try date("2023-03-25T11:44:51Z"), changed: try date("2023-03-25T11:44:51Z")),
        ]), SpecExamples.bookmarks)
    }

    func testPlaylists() throws {
        try assertMatchesSpec(.playlists([
            Playlist(id: "800000003", name: "random - admin - private (admin)", songCount: 43, duration: 17875, isPublic: false,
                     owner: "admin", created: try date("2021-02-23T04:35:38+00:00"), changed: try date("2021-02-23T04:35:38+00:00")),
            Playlist(id: "800000002", name: "random - admin - public (admin)", songCount: 43, duration: 17786, isPublic: true,
                     owner: "admin", created: try date("2021-02-23T04:34:56+00:00"), changed: try date("2021-02-23T04:34:56+00:00")),
        ]), SpecExamples.playlists)
    }

    func testPlayQueue() throws {
        let song = Child(id: "1234", parent: "200000021", title: "Can I Help U?", album: "Forget and Remember", artist: "Comfort Fit",
                         track: 1, year: 2005, genre: "Hip-Hop", coverArt: "1234", size: 2_811_819, contentType: "audio/mpeg",
                         suffix: "mp3", duration: 103, bitRate: 216, path: "user/Comfort Fit/Forget And Remember/1 - Can I Help U?.mp3",
                         discNumber: 1, albumID: "200000021", artistID: "100000036", type: .music, isVideo: false,
                         channelCount: 2, samplingRate: 44100, bitDepth: 16)
        try assertMatchesSpec(.playQueue(PlayQueue(entries: [song], current: "1234", position: 1000, username: "user",
                                                   changed: try date("2023-03-10T02:19:35.784818075Z"), changedBy: "example client")),
                              SpecExamples.playQueue)
    }

    func testTheComparisonNoticesADifference() throws {
        // The check above must be able to fail: one changed number is a mismatch.
        let rendered = renderer.render(.musicFolders([MusicFolder(id: 1, name: "music"), MusicFolder(id: 5, name: "upload")]), as: .json)
        let actual = try canonical(JSONSerialization.jsonObject(with: Data(rendered.bytes)))
        let expected = try canonical(JSONSerialization.jsonObject(with: Data(SpecExamples.musicFolders.utf8)))
        XCTAssertNotEqual(actual as? NSDictionary, expected as? NSDictionary)
    }
}

// MARK: - Comparison helpers (independent of the renderer's own date code)

/// Replaces every ISO 8601 timestamp string by its instant in whole milliseconds, recursively.
func canonical(_ value: Any) throws -> Any {
    switch value {
    case let dictionary as [String: Any]:
        return try dictionary.mapValues(canonical)
    case let array as [Any]:
        return try array.map(canonical)
    case let text as String:
        if let instant = try? milliseconds(iso8601: text) { return NSNumber(value: instant) }
        return text
    default:
        return value
    }
}

struct NotATimestamp: Error {}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into milliseconds since 1970, truncating
/// the fraction.
func milliseconds(iso8601 text: String) throws -> Int64 {
    let pattern = #"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#
    let regex = try NSRegularExpression(pattern: pattern)
    guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { throw NotATimestamp() }
    func group(_ index: Int) -> String? {
        let range = match.range(at: index)
        return range.location == NSNotFound ? nil : String(text[Range(range, in: text)!])
    }
    var components = DateComponents()
    components.timeZone = TimeZone(secondsFromGMT: 0)
    components.year = Int(group(1)!)
    components.month = Int(group(2)!)
    components.day = Int(group(3)!)
    components.hour = Int(group(4)!)
    components.minute = Int(group(5)!)
    components.second = Int(group(6)!)
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0)!
    let seconds = Int64(calendar.date(from: components)!.timeIntervalSince1970)
    var millis: Int64 = 0
    if let fraction = group(7) {
        let digits = String((fraction.dropFirst() + "000").prefix(3))
        millis = Int64(digits)!
    }
    var offset: Int64 = 0
    if let zone = group(8), zone != "Z" {
        let sign: Int64 = zone.hasPrefix("-") ? -1 : 1
        let parts = zone.dropFirst().split(separator: ":")
        offset = sign * (Int64(parts[0])! * 3600 + Int64(parts[1])! * 60)
    }
    return (seconds - offset) * 1000 + millis
}

/// A `Date` from an ISO 8601 text, through the test's own parser.
func date(_ text: String) throws -> Date {
    Date(timeIntervalSince1970: Double(try milliseconds(iso8601: text)) / 1000)
}
