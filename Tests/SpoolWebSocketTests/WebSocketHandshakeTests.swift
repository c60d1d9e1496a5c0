import XCTest
import SpoolWebSocket

final class WebSocketHandshakeTests: XCTestCase {
    /// The client handshake from RFC 6455 §1.2 (minus `Sec-WebSocket-Protocol`, which Spool ignores).
    private let rfcRequest: [String: String] = [
        "Host": "server.example.com",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Origin": "http://example.com",
        "Sec-WebSocket-Version": "13",
    ]

    private func rejection(
        method: String = "GET",
        _ headers: [String: String],
        allowsOrigin: (String?, String?) -> Bool = sameSiteOnly
    ) -> WebSocketHandshakeRejection? {
        do {
            _ = try WebSocketHandshake.acceptUpgrade(method: method, headers: headers, allowsOrigin: allowsOrigin)
            return nil
        } catch {
            return error
        }
    }

    private func replacing(_ name: String, with value: String?) -> [String: String] {
        var headers = rfcRequest
        headers["Origin"] = nil
        headers[name] = value
        return headers
    }

    func testRFCExampleAcceptValue() {
        XCTAssertEqual(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testRFCExampleIsAcceptedWhenItsOriginIsAllowListed() throws {
        let headers = try WebSocketHandshake.acceptUpgrade(
            method: "GET", headers: rfcRequest,
            allowsOrigin: { origin, _ in origin == "http://example.com" })
        XCTAssertEqual(headers, [
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ])
    }

    /// A stand-in for the server's origin policy: scripts (no `Origin`) and the page's own host.
    private static func sameSiteOnly(origin: String?, host: String?) -> Bool {
        origin == nil || origin == host.map { "http://\($0)" }
    }

    func testTheCodecHasNoOriginPolicyOfItsOwn() throws {
        XCTAssertNoThrow(try WebSocketHandshake.acceptUpgrade(method: "GET", headers: rfcRequest))
    }

    func testThePolicySeesOriginAndHost() throws {
        var seen: [String?] = []
        _ = try? WebSocketHandshake.acceptUpgrade(method: "GET", headers: rfcRequest) { origin, host in
            seen = [origin, host]
            return false
        }
        XCTAssertEqual(seen, ["http://example.com", "server.example.com"])
    }

    func testRFCExampleIsForbiddenForAForeignOrigin() {
        let rejection = rejection(rfcRequest)
        XCTAssertEqual(rejection, .originIsNotAllowed(origin: "http://example.com"))
        XCTAssertEqual(rejection?.status, 403)
        XCTAssertEqual(rejection?.reasonPhrase, "Forbidden")
    }

    func testHeaderNamesAndUpgradeValueAreCaseInsensitive() {
        let headers = [
            "host": "server.example.com",
            "UPGRADE": "WebSocket",
            "connection": "upgrade",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            "SEC-WEBSOCKET-VERSION": "13",
        ]
        XCTAssertNil(rejection(headers))
    }

    func testBrowserConnectionHeaderListIsAccepted() {
        XCTAssertNil(rejection(replacing("Connection", with: "keep-alive, Upgrade")))
        XCTAssertNil(rejection(replacing("Connection", with: "Upgrade,keep-alive")))
        XCTAssertNil(rejection(replacing("Connection", with: "keep-alive,\tupgrade ")))
    }

    func testConnectionWithoutTheUpgradeTokenIsRejected() {
        for value: String? in [nil, "keep-alive", "upgrade2", "keep-alive upgrade", ""] {
            let rejection = rejection(replacing("Connection", with: value))
            XCTAssertEqual(rejection, .connectionDoesNotRequestUpgrade, "\(value ?? "nil")")
            XCTAssertEqual(rejection?.status, 400)
        }
    }

    func testUpgradeOtherThanWebSocketIsRejected() {
        for value: String? in [nil, "h2c", "websockets", ""] {
            XCTAssertEqual(rejection(replacing("Upgrade", with: value)), .upgradeIsNotWebSocket, "\(value ?? "nil")")
        }
    }

    func testMethodOtherThanGETIsRejected() {
        let rejection = rejection(method: "POST", replacing("Origin", with: nil))
        XCTAssertEqual(rejection, .methodIsNotGET(method: "POST"))
        XCTAssertEqual(rejection?.status, 400)
        XCTAssertEqual(rejection?.reasonPhrase, "Bad Request")
    }

    func testWrongOrMissingVersionGets426NamingVersion13() {
        for value: String? in ["8", "12", "13, 8", nil] {
            let rejection = rejection(replacing("Sec-WebSocket-Version", with: value))
            XCTAssertEqual(rejection, .versionIsNotSupported(version: value))
            XCTAssertEqual(rejection?.status, 426)
            XCTAssertEqual(rejection?.reasonPhrase, "Upgrade Required")
            XCTAssertEqual(rejection?.responseHeaders, ["Sec-WebSocket-Version": "13"])
        }
    }

    func testKeyMustBeBase64OfSixteenBytes() {
        let malformed: [String?] = [
            nil, "", "abc",
            "AAAAAAAAAAAAAAAAAAAA",      // 15 bytes
            "AAAAAAAAAAAAAAAAAAAAAAA=",  // 17 bytes
            "dGhlIHNhbXBsZSBub25jZQ",    // 16 bytes, padding missing
            "dGhlIHNhbXBsZSBub25jZ!==",  // not base64
        ]
        for key in malformed {
            let rejection = rejection(replacing("Sec-WebSocket-Key", with: key))
            XCTAssertEqual(rejection, .keyIsMissingOrMalformed, "\(key ?? "nil")")
            XCTAssertEqual(rejection?.status, 400)
            XCTAssertEqual(rejection?.responseHeaders, [:])
        }
    }

    func testAcceptValueUsesTheKeyWithoutSurroundingWhitespace() throws {
        let headers = try WebSocketHandshake.acceptUpgrade(
            method: "GET", headers: replacing("Sec-WebSocket-Key", with: " dGhlIHNhbXBsZSBub25jZQ== "))
        XCTAssertEqual(headers["Sec-WebSocket-Accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testBadRequestIsReportedBeforeAForbiddenOrigin() {
        var headers = rfcRequest
        headers["Upgrade"] = nil
        XCTAssertEqual(rejection(headers)?.status, 400)
    }

    func testEveryRejectionHasAMessage() {
        let all: [WebSocketHandshakeRejection] = [
            .methodIsNotGET(method: "PUT"), .upgradeIsNotWebSocket, .connectionDoesNotRequestUpgrade,
            .versionIsNotSupported(version: nil), .keyIsMissingOrMalformed, .originIsNotAllowed(origin: "x"),
        ]
        for rejection in all { XCTAssertFalse(rejection.message.isEmpty) }
    }
}
