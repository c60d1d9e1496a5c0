import XCTest
@testable import SpoolSubsonic

/// How a raw HTTP request becomes a Subsonic call: the path, the query string and the form body.
final class RequestParsingTests: XCTestCase {
    private let form = "application/x-www-form-urlencoded"

    func testBareAndViewPathsNameTheSameEndpoint() throws {
        for path in ["/rest/getAlbum", "/rest/getAlbum.view", "getAlbum", "/music/rest/getAlbum.view"] {
            let request = try SubsonicRequest(path: path, rawQuery: "id=al-1")
            XCTAssertEqual(request.endpoint, .getAlbum, path)
        }
    }

    func testUnknownMethodIsCodeZeroInTheRequestedFormat() {
        XCTAssertThrowsError(try SubsonicRequest(path: "/rest/getVideos.view", rawQuery: "f=json")) { error in
            let failure = error as! SubsonicRequestFailure
            XCTAssertEqual(failure.error.code, .generic)
            XCTAssertTrue(failure.error.message.contains("getVideos"), failure.error.message)
            XCTAssertEqual(failure.format, .json)
        }
        // Method names are case-sensitive, as in every Subsonic server.
        XCTAssertThrowsError(try SubsonicRequest(path: "/rest/GETALBUM", rawQuery: nil))
    }

    func testRepeatedParametersKeepEveryValueInOrder() throws {
        let request = try SubsonicRequest(path: "/rest/savePlayQueue", rawQuery: "id=tr-3&id=tr-1&id=tr-2&current=tr-1&id=tr-3")
        XCTAssertEqual(try request.parameters.strings("id"), ["tr-3", "tr-1", "tr-2", "tr-3"])
        XCTAssertEqual(request.parameters.first("id"), "tr-3")
    }

    func testFormBodyAndQueryAreMergedBodyFirst() throws {
        let body = Array("songId=tr-1&songId=tr-2&name=Road+trip&c=client".utf8)
        let request = try SubsonicRequest(
            path: "/rest/createPlaylist.view", rawQuery: "u=ann&t=abc&s=salt&v=1.16.1&f=json&songId=tr-9",
            body: body, contentType: form + "; charset=UTF-8")
        XCTAssertEqual(try request.parameters.strings("songId"), ["tr-1", "tr-2", "tr-9"])
        XCTAssertEqual(request.parameters.first("name"), "Road trip")
        XCTAssertEqual(request.format, .json)
        XCTAssertEqual(request.clientName, "client")
        XCTAssertEqual(request.clientProtocolVersion, "1.16.1")
    }

    func testBodyOfAnotherContentTypeIsIgnored() throws {
        let request = try SubsonicRequest(path: "/rest/ping", rawQuery: "f=json", body: Array("f=xml&id=1".utf8),
                                          contentType: "application/json")
        XCTAssertEqual(request.format, .json)
        XCTAssertFalse(request.parameters.contains("id"))
        let noType = try SubsonicRequest(path: "/rest/ping", rawQuery: nil, body: Array("id=1".utf8), contentType: nil)
        XCTAssertFalse(noType.parameters.contains("id"))
    }

    func testPercentPlusAndUTF8Decoding() throws {
        let request = try SubsonicRequest(
            path: "/rest/search3", rawQuery: "query=caf%C3%A9+%26+b%C3%A4r%20%F0%9F%8E%B5&comment=a%2Bb&empty=&flag")
        XCTAssertEqual(request.parameters.first("query"), "café & bär 🎵")
        XCTAssertEqual(request.parameters.first("comment"), "a+b")
        XCTAssertEqual(request.parameters.first("empty"), "")
        XCTAssertEqual(request.parameters.first("flag"), "")
        XCTAssertTrue(request.parameters.contains("flag"))
    }

    func testEncodedValuesRoundTrip() throws {
        let values = ["plain", "a b", "a+b", "a&b=c", "100%", "é ü ß", "🎵🚗", "line\nbreak", "tab\t", "\"quoted\"",
                      "<tag>", "semi;colon", "slash/and?question#hash", ""]
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        // Query style (%20) and form style (+ for spaces), as browsers and aiohttp send them.
        for spaceAsPlus in [false, true] {
            let encoded = values.map { value -> String in
                var text = value.addingPercentEncoding(withAllowedCharacters: unreserved)!
                if spaceAsPlus { text = text.replacingOccurrences(of: "%20", with: "+") }
                return "v=" + text
            }.joined(separator: "&")
            let fromQuery = try SubsonicParameters(rawQuery: encoded)
            XCTAssertEqual(fromQuery.all("v"), values)
            let fromBody = try SubsonicParameters(rawQuery: nil, body: Array(encoded.utf8), contentType: form)
            XCTAssertEqual(fromBody.all("v"), values)
        }
    }

    func testMalformedPercentEncodingFailsInTheFormatAlreadyRead() {
        XCTAssertThrowsError(try SubsonicRequest(path: "/rest/getSong", rawQuery: "f=json&id=%zz")) { error in
            let failure = error as! SubsonicRequestFailure
            XCTAssertEqual(failure.error.code, .generic)
            XCTAssertEqual(failure.format, .json, "the f read before the bad pair decides the error's format")
        }
        XCTAssertThrowsError(try SubsonicRequest(path: "/rest/getSong", rawQuery: "id=%4")) { error in
            XCTAssertEqual((error as! SubsonicRequestFailure).format, .xml)
        }
        // %FF alone is not UTF-8.
        XCTAssertThrowsError(try SubsonicRequest(path: "/rest/getSong", rawQuery: "id=%FF")) { error in
            XCTAssertTrue((error as! SubsonicRequestFailure).error.message.contains("UTF-8"))
        }
    }

    func testFormatSelection() throws {
        XCTAssertEqual(try SubsonicRequest(path: "ping", rawQuery: nil).format, .xml)
        XCTAssertEqual(try SubsonicRequest(path: "ping", rawQuery: "f=xml").format, .xml)
        XCTAssertEqual(try SubsonicRequest(path: "ping", rawQuery: "f=JSON").format, .json)
        XCTAssertEqual(try SubsonicRequest(path: "ping", rawQuery: "f=jsonp&callback=app.handle_1").format,
                       .jsonp(callback: "app.handle_1"))
    }

    func testUnusableFormatsFailWithCodeZero() {
        for (query, expectedFormat) in [("f=yaml", SubsonicFormat.xml), ("f=jsonp", .json),
                                        ("f=jsonp&callback=alert(1)//", .json), ("f=jsonp&callback=1abc", .json)] {
            XCTAssertThrowsError(try SubsonicRequest(path: "ping", rawQuery: query), query) { error in
                let failure = error as! SubsonicRequestFailure
                XCTAssertEqual(failure.error.code, .generic, query)
                XCTAssertEqual(failure.format, expectedFormat, query)
            }
        }
    }

    func testContentTypesPerFormat() {
        XCTAssertEqual(SubsonicFormat.xml.contentType, "text/xml; charset=utf-8")
        XCTAssertEqual(SubsonicFormat.json.contentType, "application/json; charset=utf-8")
        XCTAssertEqual(SubsonicFormat.jsonp(callback: "f").contentType, "application/javascript; charset=utf-8")
    }

    func testBodyAndParameterCountAreBounded() {
        let limits = SubsonicRequestLimits(maxBodyBytes: 64, maxParameterCount: 5)
        let bigBody = Array(String(repeating: "id=1&", count: 20).utf8)
        XCTAssertThrowsError(try SubsonicRequest(path: "star", rawQuery: nil, body: bigBody, contentType: form, limits: limits)) {
            XCTAssertTrue(($0 as! SubsonicRequestFailure).error.message.contains("larger than 64 bytes"))
        }
        XCTAssertThrowsError(try SubsonicRequest(path: "star", rawQuery: "a=1&b=2&c=3&d=4&e=5&f=json", limits: limits)) {
            XCTAssertTrue(($0 as! SubsonicRequestFailure).error.message.contains("Too many parameters"))
        }
        XCTAssertNoThrow(try SubsonicRequest(path: "star", rawQuery: "a=1&b=2&c=3&d=4&e=5", limits: limits))
    }

    func testClientIdentificationIsRequired() throws {
        let missing = try SubsonicRequest(path: "ping", rawQuery: "u=ann&p=x&v=1.16.1")
        XCTAssertThrowsError(try missing.requireClientIdentification()) {
            XCTAssertEqual($0 as? SubsonicError, .missingParameter("c"))
        }
        let present = try SubsonicRequest(path: "ping", rawQuery: "v=1.16.1&c=DSub")
        XCTAssertNoThrow(try present.requireClientIdentification())
    }

    func testBinaryAndPublicEndpoints() {
        XCTAssertEqual(SubsonicEndpoint.allCases.filter(\.answersWithBinary), [.stream, .download, .getCoverArt])
        XCTAssertEqual(SubsonicEndpoint.allCases.filter { !$0.requiresAuthentication }, [.getOpenSubsonicExtensions])
    }
}

/// OpenSubsonic's rules on which credentials may appear together.
final class CredentialsTests: XCTestCase {
    private func credentials(_ query: String) throws -> SubsonicCredentials {
        try SubsonicRequest(path: "ping", rawQuery: query).credentials()
    }

    private func assertError(_ query: String, _ expected: SubsonicErrorCode, naming name: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try credentials(query), file: file, line: line) { error in
            let error = error as! SubsonicError
            XCTAssertEqual(error.code, expected, query, file: file, line: line)
            if let name {
                XCTAssertTrue(error.message.contains("'\(name)'"), error.message, file: file, line: line)
            }
        }
    }

    func testTokenAndSalt() throws {
        // The spec's example: md5("sesame" + "c19b2d").
        XCTAssertEqual(try credentials("u=joe&t=26719a1196d2a940705a59634eb18eab&s=c19b2d"),
                       .token(username: "joe", token: "26719a1196d2a940705a59634eb18eab", salt: "c19b2d"))
    }

    func testPlainAndHexEncodedPasswords() throws {
        XCTAssertEqual(try credentials("u=joe&p=sesame"), .password(username: "joe", password: "sesame"))
        XCTAssertEqual(try credentials("u=joe&p=enc:736573616d65"), .password(username: "joe", password: "sesame"))
        XCTAssertEqual(try credentials("u=joe&p=enc:736573616D65"), .password(username: "joe", password: "sesame"))
        XCTAssertEqual(try credentials("u=j%C3%B6&p=enc:c3a9"), .password(username: "jö", password: "é"))
        assertError("u=joe&p=enc:7365737", .generic, naming: "p")
        assertError("u=joe&p=enc:zz", .generic, naming: "p")
        assertError("u=joe&p=enc:ff", .generic, naming: "p")
    }

    func testAPIKeyAlone() throws {
        XCTAssertEqual(try credentials("apiKey=k3y&v=1.16.1&c=x"), .apiKey("k3y"))
        XCTAssertNil(try credentials("apiKey=k3y").username)
    }

    func testConflictingMechanismsAreCode43() {
        assertError("apiKey=k3y&u=joe", .conflictingAuthenticationMechanisms)
        assertError("apiKey=k3y&p=x", .conflictingAuthenticationMechanisms)
        assertError("apiKey=k3y&t=a&s=b", .conflictingAuthenticationMechanisms)
        assertError("u=joe&p=x&t=a&s=b", .conflictingAuthenticationMechanisms)
    }

    func testMissingPiecesAreCode10NamingThem() {
        assertError("", .missingParameter, naming: "u")
        assertError("p=x", .missingParameter, naming: "u")
        assertError("u=joe", .missingParameter, naming: "t")
        assertError("u=joe&t=abc", .missingParameter, naming: "s")
        assertError("u=joe&s=abc", .missingParameter, naming: "t")
        assertError("u=&p=x", .missingParameter, naming: "u")
    }
}
