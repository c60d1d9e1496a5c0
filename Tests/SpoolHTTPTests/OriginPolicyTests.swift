import XCTest
import SpoolHTTP
import SpoolWebSocket

final class OriginPolicyTests: XCTestCase {
    private let sameHostOnly = OriginPolicy()

    func testAbsentOriginIsAllowedForNonBrowserClients() {
        XCTAssertTrue(sameHostOnly.allows(origin: nil, host: "spool.local:8080"))
        XCTAssertTrue(sameHostOnly.allows(origin: nil, host: nil))
    }

    func testSameHostAndPortIsAllowed() {
        XCTAssertTrue(sameHostOnly.allows(origin: "http://localhost:8080", host: "localhost:8080"))
        XCTAssertTrue(sameHostOnly.allows(origin: "http://LocalHost:8080", host: "localhost:8080"))
        XCTAssertTrue(sameHostOnly.allows(origin: "http://192.168.1.5:8080", host: "192.168.1.5:8080"))
        XCTAssertTrue(sameHostOnly.allows(origin: "http://[::1]:8080", host: "[::1]:8080"))
    }

    func testDefaultPortsComeFromTheOriginScheme() {
        XCTAssertTrue(sameHostOnly.allows(origin: "https://spool.example", host: "spool.example"))
        XCTAssertTrue(sameHostOnly.allows(origin: "https://spool.example", host: "spool.example:443"))
        XCTAssertTrue(sameHostOnly.allows(origin: "http://spool.example", host: "spool.example:80"))
        XCTAssertFalse(sameHostOnly.allows(origin: "http://spool.example", host: "spool.example:443"))
        XCTAssertFalse(sameHostOnly.allows(origin: "http://spool.example:8080", host: "spool.example"))
    }

    func testOtherHostOrPortIsRejected() {
        XCTAssertFalse(sameHostOnly.allows(origin: "http://localhost:8081", host: "localhost:8080"))
        XCTAssertFalse(sameHostOnly.allows(origin: "https://evil.example", host: "spool.example"))
        XCTAssertFalse(sameHostOnly.allows(origin: "https://spool.example.evil.example", host: "spool.example"))
        XCTAssertFalse(sameHostOnly.allows(origin: "https://evil.example", host: nil))
    }

    func testThingsThatAreNotOriginsAreRejected() {
        XCTAssertFalse(sameHostOnly.allows(origin: "null", host: "spool.example"))
        XCTAssertFalse(sameHostOnly.allows(origin: "https://spool.example@evil.example", host: "spool.example"))
        XCTAssertFalse(sameHostOnly.allows(origin: "https://spool.example/path", host: "spool.example"))
        XCTAssertFalse(sameHostOnly.allows(origin: "file://spool.example", host: "spool.example"))
        XCTAssertFalse(sameHostOnly.allows(origin: "spool.example", host: "spool.example"))
    }

    func testAllowListedOriginsAreAllowed() {
        let policy = OriginPolicy(allowedOrigins: ["https://App.Example.com/", "null"])
        XCTAssertTrue(policy.allows(origin: "https://app.example.com", host: "spool.example"))
        XCTAssertTrue(policy.allows(origin: "null", host: "spool.example"))
        XCTAssertFalse(policy.allows(origin: "https://app.example.com:8443", host: "spool.example"))
        XCTAssertFalse(policy.allows(origin: "http://app.example.com", host: "spool.example"))
    }

    func testHandshakeRejectsAForbiddenOriginWith403() {
        let headers = [
            "Host": "spool.example", "Origin": "https://evil.example",
            "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13",
        ]
        XCTAssertThrowsError(try WebSocketHandshake.acceptUpgrade(method: "GET", headers: headers, allowsOrigin: sameHostOnly.allows)) { error in
            XCTAssertEqual((error as? WebSocketHandshakeRejection)?.status, 403)
        }
    }
}
