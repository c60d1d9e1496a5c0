import Foundation
import Synchronization
import XCTest
@testable import SpoolHTTP

/// The server through real sockets: what is decided on a head, what a 500 shows, deadlines,
/// and delayed answers.
final class HTTPServerTests: XCTestCase {
    private struct DiskFull: Error, CustomStringConvertible {
        var description: String { "SQLite error 13: database or disk is full (/srv/secret/tracks.db)" }
    }

    private func json(_ body: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }

    private func errorObject(_ body: String) -> [String: Any]? {
        json(body)?["error"] as? [String: Any]
    }

    func testA500ShowsNothingButARequestIdAndTheLogHasTheRest() throws {
        var router = Router()
        router.get("/fails") { _ in throw DiskFull() }
        router.get("/fails-by-hand") { _ in throw HTTPError(status: 500, code: "db", message: "database is locked") }
        let log = CapturedLog()
        let server = try startServer(router: router, log: log)
        defer { server.stop() }
        for path in ["/fails", "/fails-by-hand"] {
            let client = try RawClient(port: server.port)
            client.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let response = try XCTUnwrap(client.readResponse())
            XCTAssertTrue(response.head.hasPrefix("HTTP/1.1 500 Internal Server Error"), response.head)
            let error = try XCTUnwrap(errorObject(response.body))
            XCTAssertEqual(error["code"] as? String, "internal_error")
            XCTAssertEqual(error["message"] as? String, "internal error")
            let id = try XCTUnwrap(error["request_id"] as? String)
            XCTAssertFalse(response.body.contains("secret") || response.body.contains("locked"), response.body)
            XCTAssertTrue(response.head.contains("X-Request-Id: \(id)"))
            let line = try XCTUnwrap(log.all.first { $0.metadata["request_id"] == id })
            XCTAssertEqual(line.level, .error)
            XCTAssertEqual(line.metadata["path"], path)
            XCTAssertTrue(line.metadata["error"]!.contains(path == "/fails" ? "/srv/secret/tracks.db" : "database is locked"))
        }
    }

    func testTheAccessChecksFailClosedForRequestsAndTheUpgrade() throws {
        struct Broken: Error {}
        var router = Router()
        router.get("/open") { _ in .text("served") }
        // Either filter, on the loop (the head) or on the work queue (the whole request).
        for (head, full) in [(true, false), (false, true)] {
            let hub = WebSocketHub(path: "/ws")
            let broken: @Sendable (HTTPRequest) throws -> Void = { _ in throw Broken() }
            let server = try startServer(router: router, hub: hub, headFilter: head ? broken : nil, filter: full ? broken : nil)
            defer { server.stop() }
            let plain = try RawClient(port: server.port)
            plain.send("GET /open HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            XCTAssertTrue(try XCTUnwrap(plain.readResponse()).head.hasPrefix("HTTP/1.1 500"))
            let upgrade = try RawClient(port: server.port)
            upgrade.send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            let answer = upgrade.readAll()
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 500"), answer)
            XCTAssertFalse(answer.contains("101"))
            XCTAssertEqual(hub.statistics.clients, 0)
        }
    }

    func testTheRequestFilterRunsOffTheLoopWithTheBody() throws {
        final class Started: @unchecked Sendable { var server: HTTPServer? }  // set before any request
        var router = Router()
        router.post("/echo") { request in .text(String(decoding: request.body, as: UTF8.self)) }
        let started = Started()
        let seen = Mutex<[(onLoop: Bool?, body: Int)]>([])
        let server = try startServer(router: router, filter: { request in
            // A filter may block (a session looked up in the database): never on the loop.
            seen.withLock { $0.append((started.server?.loop.inEventLoop, request.body.count)) }
        })
        started.server = server
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertEqual(try XCTUnwrap(client.readResponse()).body, "hello")
        let call = try XCTUnwrap(seen.withLock { $0.first })
        XCTAssertEqual(call.onLoop, false)
        XCTAssertEqual(call.body, 5)
    }

    func testAWrongHostIsMisdirectedForPagesAndTheFeed() throws {
        var router = Router()
        router.delete("/api/trash") { _ in .text("purged") }
        let hub = WebSocketHub(path: "/ws")
        let server = try startServer(router: router, hub: hub)
        defer { server.stop() }
        let purge = try RawClient(port: server.port)
        purge.send("DELETE /api/trash HTTP/1.1\r\nHost: rebind.example:\(server.port)\r\nOrigin: http://rebind.example:\(server.port)\r\n\r\n")
        let refused = try XCTUnwrap(purge.readResponse())
        XCTAssertTrue(refused.head.hasPrefix("HTTP/1.1 421 Misdirected Request"), refused.head)
        XCTAssertEqual(errorObject(refused.body)?["code"] as? String, "misdirected_request")
        let feed = try RawClient(port: server.port)
        feed.send("GET /ws HTTP/1.1\r\nHost: rebind.example:\(server.port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        XCTAssertTrue(feed.readAll().hasPrefix("HTTP/1.1 421"))
        let own = try RawClient(port: server.port)
        own.send("DELETE /api/trash HTTP/1.1\r\nHost: localhost:\(server.port)\r\n\r\n")
        XCTAssertEqual(try XCTUnwrap(own.readResponse()).body, "purged")
    }

    func testAHeadIsRefusedBeforeItsBodyIsSent() throws {
        var router = Router()
        router.post("/small", maximumBodySize: 1024) { request in .text("\(request.body.count)") }
        router.post("/private") { _ in .text("secret") }
        let server = try startServer(router: router, headFilter: { request in
            if request.path == "/private" { throw HTTPError(status: 401, code: "unauthorized", message: "token") }
        })
        defer { server.stop() }
        // Only the heads are sent: the answers must come without waiting for a body.
        let large = try RawClient(port: server.port, timeout: 2)
        large.send("POST /small HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 16777216\r\n\r\n")
        let tooLarge = large.readAll()
        XCTAssertTrue(tooLarge.hasPrefix("HTTP/1.1 413"), tooLarge)
        XCTAssertTrue(tooLarge.contains("Connection: close"))
        let anonymous = try RawClient(port: server.port, timeout: 2)
        anonymous.send("POST /private HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n")
        XCTAssertTrue(anonymous.readAll().hasPrefix("HTTP/1.1 401"))
        // A body within the limit is read and handed over.
        let fine = try RawClient(port: server.port)
        fine.send("POST /small HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertEqual(try XCTUnwrap(fine.readResponse()).body, "5")
    }

    func testMalformedRequestsGetJSONErrorsNotEvhttpsHTML() throws {
        var router = Router()
        router.get("/api/things") { _ in .text("things") }
        let server = try startServer(router: router)
        defer { server.stop() }
        let cases: [(String, Int)] = [
            ("TRACE /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405),
            ("FOO /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405),
            ("CONNECT /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405),
            ("TRACE /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}", 405),
            ("PATCH /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}", 405),
            ("GET /api/things HTTP/1.1\r\n\r\n", 400),
            ("GET /api/things HTTP/1.1\nHost: 127.0.0.1\n\n", 400),
            ("GET /api/things HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n", 505),
            ("GET /api/things?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: \(String(repeating: "a", count: 20_000))\r\n\r\n", 431),
            ("POST /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: something\r\n\r\n", 417),
            ("GET /%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
            ("POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999\r\n\r\n", 404),
        ]
        for (request, status) in cases {
            let client = try RawClient(port: server.port)
            client.send(request)
            let response = try XCTUnwrap(client.readResponse(), request)
            XCTAssertTrue(response.head.hasPrefix("HTTP/1.1 \(status)"), "\(request.prefix(40)): \(response.head)")
            XCTAssertTrue(response.head.contains("Content-Type: application/json"), response.head)
            XCTAssertNotNil(errorObject(response.body)?["message"] as? String, response.body)
        }
        let trace = try RawClient(port: server.port)
        trace.send("TRACE /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertTrue(try XCTUnwrap(trace.readResponse()).head.contains("Allow: GET"))
    }

    func testAHeadThatTricklesIsCutAtItsDeadline() throws {
        var router = Router()
        router.get("/") { _ in .text("home") }
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.headerTimeoutSeconds = 0.5
        let server = try startServer(router: router, configuration: configuration)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        let started = Date()
        // One byte every 0.1 s: an inactivity timeout would never fire.
        for byte in "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8.prefix(15) {
            client.send([byte])
            Thread.sleep(forTimeInterval: 0.1)
        }
        let answer = client.readAll()
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 408"), answer)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertEqual(server.connections.timedOut, 1)
    }

    func testConnectionsAreCountedFromTheAccept() throws {
        var router = Router()
        router.get("/") { _ in .text("home") }
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.maximumConnections = 2
        let server = try startServer(router: router, configuration: configuration)
        defer { server.stop() }
        // Two connections that have not sent a byte hold both places.
        let first = try RawClient(port: server.port)
        let second = try RawClient(port: server.port)
        Thread.sleep(forTimeInterval: 0.2)
        let third = try RawClient(port: server.port)
        let refused = third.readAll()
        XCTAssertTrue(refused.hasPrefix("HTTP/1.1 503"), refused)
        XCTAssertTrue(refused.contains("too_many_connections"))
        first.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertEqual(try XCTUnwrap(first.readResponse()).body, "home")
        _ = second
    }

    func testADelayedAnswerHoldsNoThread() throws {
        var router = Router()
        router.get("/slow") { _ in HTTPResponse.text("late").delayed(by: 1) }
        router.get("/fast") { _ in .text("now") }
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.workQueueWidth = 1
        let server = try startServer(router: router, configuration: configuration)
        defer { server.stop() }
        let slowClients = try (0..<4).map { _ in try RawClient(port: server.port) }
        let started = Date()
        for client in slowClients { client.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") }
        Thread.sleep(forTimeInterval: 0.1)
        let fast = try RawClient(port: server.port)
        fast.send("GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertEqual(try XCTUnwrap(fast.readResponse()).body, "now")
        // Held, the one thread would have answered only after the 1 s delay.
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.95, "the one work thread was held by a delay")
        for client in slowClients { XCTAssertEqual(try XCTUnwrap(client.readResponse()).body, "late") }
        // libevent's timers use a coarse monotonic clock: a few milliseconds early is on time.
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.95)
    }
}

extension HTTPServerTests {
    /// A reconnecting client's replay is built on the work queue (thousands of events encoded
    /// on the loop once held every other request: issue 12), the events published meanwhile are
    /// topped up on the loop, and a broadcast the replay covered is never sent twice.
    func testAReplayIsBuiltOffTheLoopAndJoinsTheBroadcastsWithoutGapOrRepeat() throws {
        final class Started: @unchecked Sendable { var server: HTTPServer? }  // set before any request
        let started = Started()
        let calls = Mutex<[String]>([])
        let hub = WebSocketHub(
            path: "/ws",
            greeting: { query, _ in
                calls.withLock { $0.append("replay since \(query["since"] ?? "-") on loop: \(started.server?.loop.inEventLoop ?? true)") }
                return WebSocketReplay(messages: ["replayed-1", "replayed-2"], through: 2)
            },
            topUp: { through, _ in
                calls.withLock { $0.append("top-up after \(through) on loop: \(started.server?.loop.inEventLoop ?? false)") }
                return WebSocketReplay(messages: ["topped-3"], through: 3)
            })
        let server = try startServer(router: Router(), hub: hub)
        started.server = server
        defer { server.stop() }
        let client = try RawClient(port: server.port, timeout: 1)
        client.send("GET /ws?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let deadline = Date().addingTimeInterval(5)
        while hub.statistics.clients == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        hub.broadcast("live-2", sequence: 2)
        hub.broadcast("live-3", sequence: 3)
        hub.broadcast("live-4", sequence: 4)
        hub.broadcast("for-user-9", audience: .user(9), sequence: 5)
        hub.broadcast("for-admins", audience: .admins, sequence: 6)
        let received = client.readAll()
        XCTAssertTrue(received.hasPrefix("HTTP/1.1 101"), received)
        let order = ["replayed-1", "replayed-2", "topped-3", "live-4", "for-admins"].map { received.range(of: $0)?.lowerBound }
        XCTAssertFalse(order.contains(nil), received)
        XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted(), received)
        for skipped in ["live-2", "live-3", "for-user-9"] { XCTAssertFalse(received.contains(skipped), skipped) }
        XCTAssertEqual(calls.withLock { $0 }, ["replay since 0 on loop: false", "top-up after 2 on loop: true"])
    }
}
