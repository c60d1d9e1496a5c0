import Foundation
import GRDB
import Logging
import SpoolAuth
import SpoolCore
import SpoolHTTP
import SpoolStore
import SpoolSubsonic
import XCTest
@testable import SpoolApp

/// `/rest/*` driven in process through the app's real router over a real database: both paths,
/// both methods, the three formats, every way to sign in and to be refused, repeated
/// parameters from the raw query and from a form body, bounds, and no call that ends in a 500.
final class SubsonicRouteTests: InProcessAppTestCase {
    override class var fixtureName: String { "subsonic" }
    private var router: Router { fixture.routes.router }
    private var password = ""
    private var bobPassword = ""
    private var tracks: [Int64] = []
    private var ann: Principal!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let accounts = app.domain.accounts
        _ = try accounts.claimOwner(name: "pat", password: "owner password")
        ann = accounts.principal(of: try accounts.create(name: "ann", role: .listener, password: "ann password"))
        let bob = accounts.principal(of: try accounts.create(name: "bob", role: .listener, password: "bob password"))
        password = try app.domain.subsonicPasswords.generate(for: ann)
        bobPassword = try app.domain.subsonicPasswords.generate(for: bob)
        try FileManager.default.createDirectory(atPath: directory + "/library/Band", withIntermediateDirectories: true)
        tracks = try app.database.write { db in
            try db.execute(sql: "INSERT INTO sources (url, title, added_at) VALUES ('https://a.test/c', 'The Band', 1)")
            let source = db.lastInsertedRowID
            var ids: [Int64] = []
            for index in 0..<3 {
                let name = "Band/song \(index).m4a"
                let bytes = (0..<4096).map { UInt8(truncatingIfNeeded: $0 * (index + 3)) }
                _ = FileManager.default.createFile(atPath: self.directory + "/library/" + name, contents: Data(bytes))
                try db.execute(sql: """
                    INSERT INTO tracks (video_id, source_id, title, duration, file_path, size, mime_type, created_at)
                    VALUES (?, ?, ?, 2, ?, 4096, 'audio/mp4', ?)
                    """, arguments: ["v\(index)", source, "Song \(index)", name, Double(index)])
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    private func credentials(_ user: String = "ann", _ secret: String? = nil) -> String {
        let salt = "c19b2d"
        let token = Hex.encode(Digest.md5(Array(((secret ?? (user == "bob" ? bobPassword : password)) + salt).utf8)))
        return "u=\(user)&t=\(token)&s=\(salt)&v=1.16.1&c=tests"
    }

    /// One call: the raw query as a client sends it, optionally a form body.
    private func call(_ path: String, _ query: String, method: HTTPMethod = .GET, form: String? = nil,
                      headers extra: [(String, String)] = [], from address: String = "") -> HTTPResponse {
        var headers = HTTPHeaders()
        if form != nil { headers.add("Content-Type", "application/x-www-form-urlencoded") }
        for (name, value) in extra { headers.add(name, value) }
        return router.respond(to: HTTPRequest(method: method, path: path, rawQuery: query, headers: headers,
                                              body: Array((form ?? "").utf8), remoteAddress: address))
    }

    private func json(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertEqual(response.status, 200, file: file, line: line)
        guard case .bytes(let bytes) = response.body,
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let envelope = object["subsonic-response"] as? [String: Any] else {
            XCTFail("not a JSON envelope", file: file, line: line)
            return [:]
        }
        return envelope
    }

    private func code(_ envelope: [String: Any]) -> Int? {
        (envelope["error"] as? [String: Any])?["code"] as? Int
    }

    private func text(_ response: HTTPResponse) -> String {
        guard case .bytes(let bytes) = response.body else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testBothPathsBothMethodsAndTheThreeFormats() {
        XCTAssertEqual(json(call("/rest/ping", credentials() + "&f=json"))["status"] as? String, "ok")
        XCTAssertEqual(json(call("/rest/ping.view", "f=json", method: .POST, form: credentials()))["status"] as? String, "ok")
        let xml = call("/rest/ping.view", credentials())
        XCTAssertEqual(xml.headers["Content-Type"], "text/xml; charset=utf-8")
        XCTAssertTrue(text(xml).contains(#"<subsonic-response xmlns="http://subsonic.org/restapi" status="ok""#), text(xml))
        let jsonp = call("/rest/getLicense", credentials() + "&f=jsonp&callback=app.got")
        XCTAssertEqual(jsonp.headers["Content-Type"], "application/javascript; charset=utf-8")
        XCTAssertTrue(text(jsonp).hasPrefix("app.got({") && text(jsonp).hasSuffix("});"), text(jsonp))
        XCTAssertEqual(jsonp.headers["Access-Control-Allow-Origin"], "*")
        XCTAssertEqual(code(json(call("/rest/nothingLikeThis", credentials() + "&f=json"))), 0)
    }

    func testEveryWayToSignInAndToBeRefused() throws {
        XCTAssertEqual(code(json(call("/rest/ping", credentials("ann", "wrong") + "&f=json"))), 40)
        XCTAssertEqual(code(json(call("/rest/ping", credentials("nobody") + "&f=json"))), 40)
        XCTAssertEqual(code(json(call("/rest/ping", "u=ann&p=ann%20password&v=1&c=t&f=json"))), 40, "never the account password")
        XCTAssertEqual(json(call("/rest/ping", "u=ann&p=enc:\(Hex.encode(Array(password.utf8)))&v=1&c=t&f=json"))["status"] as? String, "ok")
        XCTAssertEqual(code(json(call("/rest/ping", "v=1&c=t&f=json"))), 10)
        XCTAssertEqual(code(json(call("/rest/ping", credentials() + "&f=json&apiKey=spool_x"))), 43)
        let (key, _) = try app.domain.credentials.createKey(for: ann, label: "phone")
        let (feedKey, _) = try app.domain.credentials.createKey(for: ann, label: "feeds", scope: .feeds)
        XCTAssertEqual(json(call("/rest/tokenInfo", "apiKey=\(key)&v=1&c=t&f=json"))["tokenInfo"] as? [String: String], ["username": "ann"])
        XCTAssertEqual(code(json(call("/rest/ping", "apiKey=\(feedKey)&v=1&c=t&f=json"))), 44)
        XCTAssertEqual(json(call("/rest/ping", "u=ann&p=\(key)&v=1&c=t&f=json"))["status"] as? String, "ok", "a key as the password")
        XCTAssertEqual(code(json(call("/rest/ping", "u=bob&p=\(key)&v=1&c=t&f=json"))), 40, "ann's key is not bob's password")
        // A session cookie or an API key in the header is not a Subsonic credential.
        XCTAssertEqual(code(json(call("/rest/ping", "v=1&c=t&f=json", headers: [("Authorization", "Bearer \(key)")]))), 10)
        XCTAssertEqual(json(call("/rest/getOpenSubsonicExtensions", "v=1&c=t&f=json"))["status"] as? String, "ok", "no credentials needed")
    }

    func testWrongSubsonicCredentialsShareTheSignInThrottlePerNameAndPerAddress() throws {
        // Per name, from ten addresses: each wrong answer waits longer, the tenth locks ann out.
        var delays: [Double] = []
        for attempt in 1...9 {
            let wrong = call("/rest/ping", credentials("ann", "wrong") + "&f=json", from: "10.0.0.\(attempt)")
            XCTAssertEqual(code(json(wrong)), 40)
            delays.append(wrong.delay)
        }
        XCTAssertEqual(delays, [0.25, 0.5, 1, 2, 4, 4, 4, 4, 4])
        let tenth = call("/rest/ping", credentials("ann", "wrong") + "&f=json", from: "10.0.0.10")
        XCTAssertEqual(code(json(tenth)), 0)
        XCTAssertEqual(tenth.headers["Retry-After"], "60")
        XCTAssertEqual(tenth.delay, 0)
        // Locked for the addresses that guessed: even the right password is not looked at, over
        // either door (one throttle).
        let right = json(call("/rest/ping", credentials() + "&f=json", from: "10.0.0.3"))
        XCTAssertEqual(code(right), 0)
        XCTAssertTrue("\((right["error"] as? [String: Any])?["message"] ?? "")".contains("Too many wrong sign-ins"), "\(right)")
        var jsonHeaders = HTTPHeaders()
        jsonHeaders.add("Content-Type", "application/json")
        let login = router.respond(to: HTTPRequest(method: .POST, path: "/api/login", headers: jsonHeaders,
                                                   body: Array(#"{"name": "ann", "password": "ann password"}"#.utf8), remoteAddress: "10.0.0.4"))
        XCTAssertEqual(login.status, 429, "the web sign-in shares the throttle")
        // An address that never guessed still gets in: ann's own phone keeps playing.
        XCTAssertEqual(json(call("/rest/ping", credentials() + "&f=json", from: "10.0.1.1"))["status"] as? String, "ok")
        XCTAssertEqual(json(call("/rest/ping", credentials("bob") + "&f=json", from: "10.0.3.3"))["status"] as? String, "ok")

        // Per address: wrong API keys name no user, and lock the address they come from.
        for _ in 1...9 {
            XCTAssertEqual(code(json(call("/rest/ping", "apiKey=spool_guess&v=1&c=t&f=json", from: "192.0.2.7"))), 44)
        }
        XCTAssertEqual(call("/rest/ping", "apiKey=spool_guess&v=1&c=t&f=json", from: "192.0.2.7").headers["Retry-After"], "60")
        XCTAssertEqual(code(json(call("/rest/ping", credentials("bob") + "&f=json", from: "192.0.2.7"))), 0, "bob from the locked address")
        // A client's mistakes that guess nothing are not counted.
        for _ in 1...12 {
            XCTAssertEqual(code(json(call("/rest/ping", "v=1&c=t&f=json", from: "192.0.2.8"))), 10)
            XCTAssertEqual(code(json(call("/rest/ping", credentials("bob") + "&apiKey=spool_x&f=json", from: "192.0.2.8"))), 43)
        }
        XCTAssertEqual(json(call("/rest/ping", credentials("bob") + "&f=json", from: "192.0.2.8"))["status"] as? String, "ok")
    }

    func testRepeatedIdsFromTheQueryAndFromAFormBody() throws {
        let stars = call("/rest/star.view", credentials() + "&f=json&id=tr-\(tracks[0])&id=tr-\(tracks[2])")
        XCTAssertEqual(json(stars)["status"] as? String, "ok")
        XCTAssertEqual(Set(try app.domain.library.likes(of: ann.userId).items.map(\.id)), [tracks[0], tracks[2]])
        let form = "id=tr-\(tracks[2])&id=tr-\(tracks[0])&id=tr-\(tracks[2])&current=tr-\(tracks[0])&position=1500&" + credentials()
        XCTAssertEqual(json(call("/rest/savePlayQueue.view", "f=json", method: .POST, form: form))["status"] as? String, "ok")
        let queue = try XCTUnwrap(json(call("/rest/getPlayQueue", credentials() + "&f=json"))["playQueue"] as? [String: Any])
        XCTAssertEqual((queue["entry"] as? [[String: Any]])?.compactMap { $0["id"] as? String },
                       ["tr-\(tracks[2])", "tr-\(tracks[0])", "tr-\(tracks[2])"])
        XCTAssertEqual(queue["current"] as? String, "tr-\(tracks[0])")
        XCTAssertEqual(queue["position"] as? Int, 1500)
        XCTAssertEqual(queue["changedBy"] as? String, "tests")
        // A bad escape fails the call; nothing is guessed.
        XCTAssertEqual(code(json(call("/rest/star", credentials() + "&f=json&id=tr-%ZZ"))), 0)
    }

    /// `alphabeticalByName` pages (which order only up to the page's end) are the pages of the
    /// whole list sorted by name: articles ignored, case and accents folded, numbers by value,
    /// equal names by arrival.
    func testAlbumsByNameArePagesOfTheWholeOrder() throws {
        let titles = ["The Band", "band", "Zebra", "An Apple", "apple 10", "apple 9", "Éclair", "eclair", "A", "The",
                      "Mötley", "motley", "12 Songs", "2 Songs", "Alpha", "alpha", "Omega", "", "the zoo", "Zoo"]
        try app.database.write { db in
            for (index, title) in titles.enumerated() {
                try db.execute(sql: "INSERT INTO sources (url, title, added_at) VALUES (?, ?, 1)", arguments: ["https://a.test/\(index)", title])
                try db.execute(sql: """
                    INSERT INTO tracks (video_id, source_id, title, duration, file_path, size, mime_type, created_at)
                    VALUES (?, ?, 'Song', 2, ?, 4096, 'audio/mp4', 5)
                    """, arguments: ["n\(index)", db.lastInsertedRowID, "Band/n\(index).m4a"])
            }
        }
        func names(_ query: String) throws -> [String] {
            let list = try XCTUnwrap(json(call("/rest/getAlbumList2", credentials() + "&f=json&type=alphabeticalByName" + query))["albumList2"] as? [String: Any])
            return (list["album"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        }
        let whole = try names("&size=500")
        XCTAssertEqual(whole.count, titles.count + 1)
        // The reference: every name sorted in full, as clients sort it.
        let expected = whole.enumerated().sorted { a, b in
            let order = SubsonicRepresentation.sortName(a.element).localizedStandardCompare(SubsonicRepresentation.sortName(b.element))
            return order == .orderedSame ? a.offset < b.offset : order == .orderedAscending
        }.map(\.element)
        XCTAssertEqual(whole, expected)
        XCTAssertLessThan(try XCTUnwrap(whole.firstIndex(of: "apple 9")), try XCTUnwrap(whole.firstIndex(of: "apple 10")))
        XCTAssertLessThan(try XCTUnwrap(whole.firstIndex(of: "An Apple")), try XCTUnwrap(whole.firstIndex(of: "The Band")))
        for (offset, size) in [(0, 1), (0, 7), (3, 4), (7, 7), (18, 10), (21, 5)] {
            XCTAssertEqual(try names("&offset=\(offset)&size=\(size)"), Array(whole.dropFirst(offset).prefix(size)), "offset \(offset), size \(size)")
        }
    }

    func testBoundsUnknownIdsAndNeverA500() throws {
        let list = try XCTUnwrap(json(call("/rest/getAlbumList2", credentials() + "&f=json&type=newest&size=100000"))["albumList2"] as? [String: Any])
        XCTAssertEqual((list["album"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual(code(json(call("/rest/getAlbumList2", credentials() + "&f=json&type=newest&offset=-1"))), 0)
        XCTAssertEqual(code(json(call("/rest/getAlbum", credentials() + "&f=json&id=al-77"))), 70)
        XCTAssertEqual(code(json(call("/rest/getSong", credentials() + "&f=json&id=al-1"))), 70, "an album id is not a song")
        XCTAssertEqual(code(json(call("/rest/getUser", credentials() + "&f=json&username=bob"))), 50, "a listener sees only themself")
        // Every method with nothing but credentials, and with nonsense ids: an envelope, never a 500.
        for endpoint in SubsonicEndpoint.allCases {
            for extra in ["", "&id=zz&type=newest&query=&username=ann&playlistId=pl-9&name=x&rating=3&position=1", "&id=tr-999999&songId=tr-1"] {
                let response = call("/rest/\(endpoint.rawValue)", credentials() + "&f=json" + extra)
                XCTAssertEqual(response.status, 200, "\(endpoint.rawValue)\(extra)")
                if case .bytes = response.body, response.headers["Content-Type"]?.hasPrefix("application/json") == true {
                    let envelope = json(response)
                    XCTAssertFalse((envelope["error"] as? [String: Any])?["message"].map { "\($0)".contains("log has the details") } ?? false,
                                   "\(endpoint.rawValue)\(extra): \(envelope)")
                }
            }
        }
    }

    func testStreamAndDownloadServeTheFileWithRange() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/library/Band/song 1.m4a"))
        let ranged = call("/rest/stream.view", credentials() + "&id=tr-\(tracks[1])", headers: [("Range", "bytes=100-199")])
        XCTAssertEqual(ranged.status, 206)
        XCTAssertEqual(ranged.headers["Content-Range"], "bytes 100-199/4096")
        guard case .file(let descriptor, let offset, let length) = ranged.body else { return XCTFail("not the file") }
        close(descriptor)
        XCTAssertEqual(offset, 100)
        XCTAssertEqual(length, 100)
        let download = call("/rest/download", credentials() + "&id=tr-\(tracks[1])")
        XCTAssertEqual(download.status, 200)
        XCTAssertEqual(download.headers["Content-Disposition"]?.hasPrefix(#"attachment; filename="Song 1.m4a""#), true)
        if case .file(let descriptor, _, let length) = download.body {
            close(descriptor)
            XCTAssertEqual(length, Int64(bytes.count))
        } else {
            XCTFail("not the file")
        }
        XCTAssertEqual(code(json(call("/rest/stream", credentials() + "&f=json&id=tr-\(tracks[1])&format=flac7"))), 0)
        _ = try app.domain.listening.setHidden(true, tracks[1], by: ann)
        XCTAssertEqual(code(json(call("/rest/stream", credentials() + "&f=json&id=tr-\(tracks[1])"))), 70, "hidden from ann")
    }

    func testAPublicPlaylistIsReadableButOnlyItsOwnerChangesIt() throws {
        let made = try XCTUnwrap(json(call("/rest/createPlaylist", credentials() + "&f=json&name=Mine&songId=tr-\(tracks[0])"))["playlist"] as? [String: Any])
        let id = try XCTUnwrap(made["id"] as? String)
        XCTAssertEqual(json(call("/rest/updatePlaylist", credentials() + "&f=json&playlistId=\(id)&public=true"))["status"] as? String, "ok")
        XCTAssertEqual(((json(call("/rest/getPlaylist", credentials("bob") + "&f=json&id=\(id)"))["playlist"] as? [String: Any])?["readonly"] as? Bool), true)
        XCTAssertEqual(code(json(call("/rest/updatePlaylist", credentials("bob") + "&f=json&playlistId=\(id)&name=Theirs"))), 50)
        XCTAssertEqual(code(json(call("/rest/deletePlaylist", credentials("bob") + "&f=json&id=\(id)"))), 50)
        XCTAssertEqual(code(json(call("/rest/deletePlaylist", credentials() + "&f=json&id=pl-likes"))), 50)
        XCTAssertEqual(json(call("/rest/deletePlaylist", credentials() + "&f=json&id=\(id)"))["status"] as? String, "ok")
    }

    /// The web app's player is one of the user's players in `getNowPlaying`: its playback
    /// events (`POST /api/events`) reach the same board music apps announce to, and only its
    /// own user sees it.
    func testTheWebPlayerShowsInGetNowPlaying() throws {
        let (key, _) = try app.domain.credentials.createKey(for: ann, label: "browser")
        func events(_ body: String) {
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            headers.add("Authorization", "Bearer \(key)")
            let response = router.respond(to: HTTPRequest(method: .POST, path: "/api/events", rawQuery: "", headers: headers, body: Array(body.utf8)))
            XCTAssertEqual(response.status, 202, text(response))
        }
        func playing(_ user: String = "ann") -> [[String: Any]] {
            ((json(call("/rest/getNowPlaying", credentials(user) + "&f=json"))["nowPlaying"] as? [String: Any])?["entry"] as? [[String: Any]]) ?? []
        }
        events(#"{"events": [{"type": "play", "track_id": \#(tracks[1]), "session": "tab", "position": 0}]}"#)
        let entries = playing()
        XCTAssertEqual(entries.map { $0["id"] as? String }, [SubsonicID.song(tracks[1]).description])
        XCTAssertEqual(entries.first?["playerName"] as? String, "Spool web")
        XCTAssertEqual(entries.first?["username"] as? String, "ann")
        XCTAssertTrue(playing("bob").isEmpty, "each user sees their own players")
        events(#"{"type": "pause", "track_id": \#(tracks[1]), "session": "tab", "position": 1}"#)
        XCTAssertTrue(playing().isEmpty, "a pause takes it off")
    }
}
