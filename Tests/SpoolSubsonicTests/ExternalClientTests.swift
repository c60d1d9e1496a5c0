import Foundation
import XCTest
@testable import SpoolSubsonic

/// Every response Spool will send, read by parsers no one here wrote: Python's `xml.etree` and
/// `json` (both forms must carry the same data), and py-opensonic (`libopensonic` from PyPI),
/// whose real `Connection` talks to a loopback server answering with the rendered JSON. The
/// requests py-opensonic sends are then parsed back with `SubsonicRequest`.
///
/// Needs the worktree's `.venv` (`scripts/setup.sh test` installs `Tests/e2e/requirements.txt`).
final class ExternalClientTests: XCTestCase {
    private static let renderer = SubsonicRenderer(server: SubsonicServerIdentity(serverVersion: "0.9.0-test"))
    private static let tricky = "Believer & <Thunder> \"Live\" 🎵\u{8}é"
    private static let trickyInXML = "Believer & <Thunder> \"Live\" 🎵é"
    private static let created = Date(timeIntervalSince1970: 1_700_000_000)
    private static let starred = Date(timeIntervalSince1970: 1_700_000_123.5)

    private static let artist = ArtistID3(id: "ar-1", name: "Imagine Dragons & Friends", coverArt: "ar-1", albumCount: 2,
                                          starred: starred, sortName: "Imagine Dragons", roles: ["artist"])
    private static let songs = [
        Child(id: "tr-1", parent: "al-1", title: tricky, album: "Uploads", artist: "Imagine Dragons & Friends", year: 2017,
              coverArt: "tr-1", size: 4_194_304, contentType: "audio/mp4", suffix: "m4a", starred: starred, duration: 204,
              bitRate: 128, playCount: 7, created: created, albumID: "al-1", artistID: "ar-1", type: .music, userRating: 4,
              isVideo: false, bookmarkPosition: 129_000, played: created, sortName: "Believer", mediaType: .song,
              displayArtist: "Imagine Dragons & Friends", genres: [], replayGain: ReplayGain(),
              artists: [ArtistReference(id: "ar-1", name: "Imagine Dragons & Friends")], albumArtists: []),
        Child(id: "tr-2", parent: "al-1", title: "Thunder", album: "Uploads", artist: "Imagine Dragons & Friends",
              size: 3_000_000, contentType: "audio/webm", suffix: "webm", duration: 187, created: created,
              albumID: "al-1", artistID: "ar-1", type: .music, isVideo: false),
    ]
    private static let album = AlbumID3(id: "al-1", name: "Uploads", artist: "Imagine Dragons & Friends", artistID: "ar-1",
                                        coverArt: "al-1", songCount: 2, duration: 391, playCount: 7, created: created,
                                        starred: starred, year: 2017, played: created, sortName: "Uploads",
                                        displayArtist: "Imagine Dragons & Friends", genres: [ItemGenre(name: "Pop")],
                                        artists: [ArtistReference(id: "ar-1", name: "Imagine Dragons & Friends")],
                                        releaseDate: ItemDate(year: 2017, month: 2, day: 1), releaseTypes: ["album"])
    private static let likes = Playlist(id: "pl-likes", name: "Likes", comment: "Everything you liked", songCount: 2,
                                        duration: 391, isPublic: false, owner: "ann", created: created, changed: starred,
                                        coverArt: "pl-likes", readonly: true)

    /// Case name → payload; every case is rendered in both forms.
    private static let cases: [String: SubsonicPayload] = [
        "empty": .empty,
        "license": .license(License()),
        "musicFolders": .musicFolders([MusicFolder(id: 1, name: "Spool")]),
        "indexes": .indexes(Indexes(lastModified: 1_700_000_000_000, ignoredArticles: "The El La Los Las Le Les", indexes: [
            .init(name: "I", artists: [Artist(id: "ar-1", name: artist.name, starred: starred, coverArt: "ar-1")]),
        ])),
        "artists": .artists(ArtistsID3(ignoredArticles: "The El La Los Las Le Les", lastModified: 1_700_000_000_000,
                                       indexes: [.init(name: "I", artists: [artist])])),
        "artist": .artist(ArtistWithAlbumsID3(artist: artist, albums: [album])),
        "album": .album(AlbumWithSongsID3(album: album, songs: songs)),
        "song": .song(songs[0]),
        "albumList2": .albumList2([album]),
        "randomSongs": .randomSongs(songs),
        "searchResult3": .searchResult3(SearchResult3(artists: [artist], albums: [album], songs: [songs[0]])),
        "starred2": .starred2(Starred2(artists: [], albums: [], songs: [songs[0]])),
        "playlists": .playlists([likes, Playlist(id: "pl-7", name: "Road trip 🚗", songCount: 0, duration: 0, isPublic: true,
                                                 owner: "ann", created: created, changed: created)]),
        "playlist": .playlist(PlaylistWithSongs(playlist: likes, entries: songs)),
        "bookmarks": .bookmarks([Bookmark(entry: songs[0], position: 129_000, username: "ann", comment: "chorus & verse",
                                          created: created, changed: starred)]),
        "playQueue": .playQueue(PlayQueue(entries: songs, current: "tr-2", position: 1500, username: "ann",
                                          changed: starred, changedBy: "Symfonium")),
        "user": .user(User(username: "ann", email: "ann@example.org", maxBitRate: 320, roles: .init(admin: true), folders: [1])),
        "extensions": .openSubsonicExtensions(OpenSubsonicExtension.spoolSupported),
        "tokenInfo": .tokenInfo(username: "ann"),
    ]
    private static let errorCases: [String: SubsonicError] = [
        "notFound": .notFound("Song 'missing'"),
        "wrongCredentials": SubsonicError(.wrongCredentials),
    ]
    private static let routes: [String: String] = [
        "ping": "empty", "getLicense": "license", "getMusicFolders": "musicFolders", "getIndexes": "indexes",
        "getArtists": "artists", "getArtist": "artist", "getAlbum": "album", "getSong": "song",
        "getAlbumList2": "albumList2", "getRandomSongs": "randomSongs", "search3": "searchResult3",
        "getStarred2": "starred2", "getPlaylists": "playlists", "getPlaylist": "playlist", "getBookmarks": "bookmarks",
        "getPlayQueue": "playQueue", "getUser": "user", "getOpenSubsonicExtensions": "extensions", "tokenInfo": "tokenInfo",
        "star": "empty", "unstar": "empty", "setRating": "empty", "scrobble": "empty", "createBookmark": "empty",
        "deleteBookmark": "empty", "savePlayQueue": "empty", "createPlaylist": "playlist", "updatePlaylist": "empty",
        "deletePlaylist": "empty", "getSong:missing": "notFound", "getUser:mallory": "wrongCredentials",
    ]

    // Written once in class setUp, before any test reads it.
    nonisolated(unsafe) private static var report: [String: Any] = [:]
    nonisolated(unsafe) private static var setUpError: String?

    override class func setUp() {
        super.setUp()
        do {
            report = try renderAndRunPython()
        } catch {
            setUpError = "\(error)"
        }
    }

    private static func renderAndRunPython() throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw TestSetupError("no \(python.path): run scripts/setup.sh test")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-subsonic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var manifestCases: [String: [String: String]] = [:]
        func write(_ name: String, xml: SubsonicBody, json: SubsonicBody) throws {
            try Data(xml.bytes).write(to: directory.appendingPathComponent("\(name).xml"))
            try Data(json.bytes).write(to: directory.appendingPathComponent("\(name).json"))
            manifestCases[name] = ["xml": "\(name).xml", "json": "\(name).json", "xmlType": xml.contentType, "jsonType": json.contentType]
        }
        for (name, payload) in cases {
            try write(name, xml: renderer.render(payload, as: .xml), json: renderer.render(payload, as: .json))
        }
        for (name, error) in errorCases {
            try write(name, xml: renderer.render(error, as: .xml), json: renderer.render(error, as: .json))
        }
        let manifest = try JSONSerialization.data(withJSONObject: ["cases": manifestCases, "routes": routes])
        try manifest.write(to: directory.appendingPathComponent("manifest.json"))

        let reportURL = directory.appendingPathComponent("report.json")
        let process = Process()
        process.executableURL = python
        process.arguments = [root.appendingPathComponent("Tests/SpoolSubsonicTests/Clients/subsonic_clients.py").path,
                             directory.path, reportURL.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("subsonic_clients.py exited \(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: reportURL)) as! [String: Any]
    }

    private func section(_ path: String...) throws -> Any {
        if let error = Self.setUpError { throw TestSetupError(error) }
        var value: Any = Self.report
        for key in path {
            guard let next = (value as? [String: Any])?[key] else { throw TestSetupError("no '\(key)' in \(path) of the report") }
            value = next
        }
        return value
    }

    // MARK: - xml.etree and json

    func testBothFormsParseAndCarryTheSameData() throws {
        let forms = try section("forms") as! [String: [String: Any]]
        XCTAssertEqual(Set(forms.keys), Set(Self.cases.keys).union(Self.errorCases.keys))
        for (name, form) in forms.sorted(by: { $0.key < $1.key }) {
            // Characters XML cannot carry are compared as dropped: the only allowed difference.
            XCTAssertEqual(form["sameData"] as? Bool, true, "\(name): \(form["difference"] ?? "")")
        }
        let root = try section("forms", "empty", "xmlRoot") as! [String: String]
        XCTAssertEqual(root, ["status": "ok", "version": "1.16.1", "type": "spool", "serverVersion": "0.9.0-test", "openSubsonic": "true"])
    }

    func testTextSurvivesBothParsers() throws {
        let xmlSong = try section("forms", "song", "xml", "song") as! [[String: Any]]
        XCTAssertEqual(xmlSong[0]["title"] as? String, Self.trickyInXML)
        let jsonSong = try section("forms", "song", "json", "song") as! [String: Any]
        XCTAssertEqual(jsonSong["title"] as? String, Self.tricky)
        XCTAssertEqual(xmlSong[0]["starred"] as? String, "2023-11-14T22:15:23.500Z")
        XCTAssertEqual(jsonSong["duration"] as? Int, 204)
    }

    func testSingleElementListsAreArraysInJSON() throws {
        let folders = try section("forms", "musicFolders", "json", "musicFolders", "musicFolder") as? [Any]
        XCTAssertEqual(folders?.count, 1)
        let songs = try section("forms", "starred2", "json", "starred2", "song") as? [Any]
        XCTAssertEqual(songs?.count, 1)
        let starred2 = try section("forms", "starred2", "json", "starred2") as! [String: Any]
        XCTAssertNil(starred2["artist"], "an empty list is left out, as Subsonic and Navidrome do")
    }

    func testErrorsParseInBothForms() throws {
        let xmlError = try section("forms", "notFound", "xml", "error") as! [[String: String]]
        XCTAssertEqual(xmlError[0]["code"], "70")
        let jsonError = try section("forms", "wrongCredentials", "json", "error") as! [String: Any]
        XCTAssertEqual(jsonError["code"] as? Int, 40)
        XCTAssertEqual(try section("forms", "notFound", "xmlRoot", "status") as? String, "failed")
    }

    // MARK: - py-opensonic

    private func result(_ name: String) throws -> Any {
        let failures = try section("libopensonic", "failures") as! [String: String]
        if let failure = failures[name] { throw TestSetupError("libopensonic \(name) failed: \(failure)") }
        return try section("libopensonic", "results", name)
    }

    func testLibopensonicAcceptsEveryAnswer() throws {
        let failures = try section("libopensonic", "failures") as! [String: String]
        XCTAssertEqual(Set(failures.keys), ["getSongMissing", "getUserWrongCredentials"], "\(failures)")
        for name in ["ping", "star", "unstar", "setRating", "scrobble", "createBookmark", "deleteBookmark", "savePlayQueue",
                     "createPlaylist", "updatePlaylist", "deletePlaylist", "pingLegacyGet"] {
            XCTAssertEqual(try result(name) as? Bool, true, name)
        }
    }

    func testLibopensonicMapsErrorCodesToItsExceptions() throws {
        let failures = try section("libopensonic", "failures") as! [String: String]
        XCTAssertEqual(failures["getSongMissing"], "DataNotFoundError: Song 'missing' not found.")
        XCTAssertEqual(failures["getUserWrongCredentials"], "CredentialError: Wrong username or password.")
    }

    func testLibopensonicReadsTheBrowsingTree() throws {
        let artists = try result("getArtists") as! [String: Any]
        let index = (artists["index"] as! [[String: Any]])[0]
        XCTAssertEqual(((index["artist"] as! [[String: Any]])[0])["name"] as? String, "Imagine Dragons & Friends")
        let artist = try result("getArtist") as! [String: Any]
        XCTAssertEqual((artist["album"] as! [[String: Any]]).map { $0["id"] as? String }, ["al-1"])
        XCTAssertEqual(artist["roles"] as? [String], ["artist"])
        let album = try result("getAlbum") as! [String: Any]
        XCTAssertEqual(album["songCount"] as? Int, 2)
        XCTAssertEqual(album["created"] as? String, "2023-11-14T22:13:20Z")
        XCTAssertEqual((album["releaseDate"] as? [String: Int]), ["year": 2017, "month": 2, "day": 1])
        let songs = album["song"] as! [[String: Any]]
        XCTAssertEqual(songs.map { $0["id"] as? String }, ["tr-1", "tr-2"])
        XCTAssertEqual(songs[0]["title"] as? String, Self.tricky)
        XCTAssertEqual(songs[0]["userRating"] as? Int, 4)
        XCTAssertEqual(songs[0]["bookmarkPosition"] as? Int, 129_000)
        let song = try result("getSong") as! [String: Any]
        XCTAssertEqual(song["mediaType"] as? String, "song")
        XCTAssertEqual((song["artists"] as? [[String: Any]])?.first?["id"] as? String, "ar-1")
        let indexes = try result("getIndexes") as! [String: Any]
        XCTAssertEqual(indexes["ignoredArticles"] as? String, "The El La Los Las Le Les")
        XCTAssertEqual(try result("getLicense") as? [String: Bool], ["valid": true])
    }

    func testLibopensonicReadsListsSearchAndStars() throws {
        XCTAssertEqual((try result("getAlbumList2") as! [[String: Any]]).map { $0["name"] as? String }, ["Uploads"])
        XCTAssertEqual((try result("getRandomSongs") as! [[String: Any]]).count, 2)
        let search = try result("search3") as! [String: Any]
        XCTAssertEqual((search["artist"] as! [Any]).count, 1)
        XCTAssertEqual((search["album"] as! [Any]).count, 1)
        XCTAssertEqual((search["song"] as! [Any]).count, 1)
        let starred = try result("getStarred2") as! [String: Any]
        XCTAssertEqual(((starred["song"] as! [[String: Any]])[0])["starred"] as? String, "2023-11-14T22:15:23.500Z")
    }

    func testLibopensonicReadsPlaylistsBookmarksQueueAndUser() throws {
        let playlists = try result("getPlaylists") as! [[String: Any]]
        XCTAssertEqual(playlists.map { $0["name"] as? String }, ["Likes", "Road trip 🚗"])
        XCTAssertEqual(playlists[0]["readonly"] as? Bool, true)
        let playlist = try result("getPlaylist") as! [String: Any]
        XCTAssertEqual((playlist["entry"] as! [Any]).count, 2)
        let bookmarks = try result("getBookmarks") as! [[String: Any]]
        XCTAssertEqual(bookmarks[0]["position"] as? Int, 129_000)
        XCTAssertEqual(bookmarks[0]["comment"] as? String, "chorus & verse")
        XCTAssertEqual((bookmarks[0]["entry"] as? [String: Any])?["id"] as? String, "tr-1")
        let queue = try result("getPlayQueue") as! [String: Any]
        XCTAssertEqual(queue["current"] as? String, "tr-2")
        XCTAssertEqual(queue["position"] as? Int, 1500)
        XCTAssertEqual(queue["changedBy"] as? String, "Symfonium")
        let user = try result("getUser") as! [String: Any]
        XCTAssertEqual(user["adminRole"] as? Bool, true)
        XCTAssertEqual(user["streamRole"] as? Bool, true)
        XCTAssertEqual(user["folder"] as? [Int], [1])
        let extensions = try result("getOpenSubsonicExtensions") as! [[String: Any]]
        XCTAssertEqual(extensions.map { $0["name"] as? String }, ["formPost", "apiKeyAuthentication"])
        XCTAssertEqual((try result("tokenInfo") as? [String: String])?["username"], "ann")
    }

    // MARK: - py-opensonic's requests, parsed by SubsonicRequest

    private func requests(to method: String) throws -> [SubsonicRequest] {
        let recorded = try section("libopensonic", "requests") as! [[String: Any]]
        return try recorded.filter { ($0["path"] as! String).hasSuffix("/\(method).view") }.map { entry in
            let body = Array((entry["body"] as! String).unicodeScalars.map { UInt8($0.value) })
            return try SubsonicRequest(path: entry["path"] as! String, rawQuery: entry["query"] as? String, body: body,
                                       contentType: entry["contentType"] as? String)
        }
    }

    func testLibopensonicFormPostsParse() throws {
        let created = try XCTUnwrap(try requests(to: "createPlaylist").first)
        XCTAssertEqual(created.format, .json)
        XCTAssertEqual(created.clientName, "py-opensonic-test")
        let playlist = try CreatePlaylistParameters(created.parameters)
        XCTAssertEqual(playlist.target, .create(name: "Road trip 🚗"))
        XCTAssertEqual(playlist.songIDs, ["tr-1", "tr-2", "tr-1"])
        guard case .token(let user, let token, let salt) = try created.credentials() else {
            return XCTFail("py-opensonic authenticates with a token and salt by default")
        }
        XCTAssertEqual(user, "ann")
        XCTAssertEqual(token.count, 32)
        XCTAssertFalse(salt.isEmpty)

        let queue = try SavePlayQueueParameters(XCTUnwrap(try requests(to: "savePlayQueue").first).parameters)
        XCTAssertEqual(queue.ids, ["tr-1", "tr-2", "tr-3"])
        XCTAssertEqual(queue.current, "tr-2")
        XCTAssertEqual(queue.positionMilliseconds, 1500)

        let star = try StarParameters(XCTUnwrap(try requests(to: "star").first).parameters)
        XCTAssertEqual(star.ids, ["tr-1", "tr-2"])
        XCTAssertEqual(star.albumIDs, ["al-1"])

        let update = try UpdatePlaylistParameters(XCTUnwrap(try requests(to: "updatePlaylist").first).parameters)
        XCTAssertEqual(update.playlistID, "pl-7")
        XCTAssertEqual(update.songIDsToAdd, ["tr-3"])
        XCTAssertEqual(update.songIndexesToRemove, [2, 0])

        let scrobble = try ScrobbleParameters(XCTUnwrap(try requests(to: "scrobble").first).parameters)
        XCTAssertEqual(scrobble.plays, [.init(id: "tr-1", time: Date(timeIntervalSince1970: 1_700_000_000))])

        let bookmark = try CreateBookmarkParameters(XCTUnwrap(try requests(to: "createBookmark").first).parameters)
        XCTAssertEqual(bookmark.comment, "chorus & verse")
        XCTAssertEqual(bookmark.positionMilliseconds, 129_000)

        let rating = try SetRatingParameters(XCTUnwrap(try requests(to: "setRating").first).parameters)
        XCTAssertEqual(rating.rating, 4)
    }

    func testLibopensonicLegacyAndAPIKeyCredentialsParse() throws {
        let legacy = try XCTUnwrap(try requests(to: "ping").first { $0.parameters.contains("p") })
        XCTAssertEqual(try legacy.credentials(), .password(username: "ann", password: "sesame"))
        let keyed = try XCTUnwrap(try requests(to: "tokenInfo").first)
        XCTAssertEqual(try keyed.credentials(), .apiKey("k3y-Ω"))
        XCTAssertNoThrow(try keyed.requireClientIdentification())
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
