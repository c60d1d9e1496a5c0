import Foundation
import Synchronization
import XCTest
@testable import SpoolHTTP

/// Streamed bodies (`HTTPBodyStream`) through the real server and its connection guard: sent as
/// chunks while the producer makes them, the connection reused afterwards, the producer held
/// back by a client that does not read, and stopped when the client hangs up.
final class StreamedBodyTests: XCTestCase {
    func testChunksGoOutAsTheyAreMadeAndTheConnectionServesTheNextRequest() throws {
        var router = Router()
        router.get("/stream") { _ in
            let body = HTTPBodyStream()
            Thread {
                body.write(Array("hello ".utf8))
                // Longer than the head deadline below: a pause of the producer is the server's, not the client's.
                Thread.sleep(forTimeInterval: 1.5)
                body.write(Array("world".utf8))
                body.finish()
            }.start()
            return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: .stream(body))
        }
        router.get("/next") { _ in .text("next") }
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.headerTimeoutSeconds = 1
        let server = try startServer(router: router, configuration: configuration)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let first = client.read(until: "hello ")
        XCTAssertTrue(first.hasPrefix("HTTP/1.1 200"), first)
        XCTAssertTrue(first.lowercased().contains("transfer-encoding: chunked"), first)
        // The next request's head begins while the stream pauses: its deadline passes while the
        // server is still sending, which must not cut the stream (408) — the client is not late.
        client.send("GET /next HTTP/1.1\r\n")
        let rest = first + client.read(until: "0\r\n\r\n")
        XCTAssertTrue(rest.contains("6\r\nhello \r\n") && rest.contains("5\r\nworld\r\n") && rest.hasSuffix("0\r\n\r\n"), rest)
        client.send("Host: 127.0.0.1\r\n\r\n")
        XCTAssertEqual(try XCTUnwrap(client.readResponse()).body, "next")
        XCTAssertEqual(server.connections.timedOut, 0)
    }

    func testAClientThatDoesNotReadHoldsTheProducerBackAndHangingUpStopsIt() throws {
        let produced = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
        let cancelled = Atomic<Bool>(false)
        var router = Router()
        router.get("/endless") { _ in
            let body = HTTPBodyStream()
            body.onCancel { cancelled.store(true, ordering: .sequentiallyConsistent) }
            Thread {
                let piece = [UInt8](repeating: 0x61, count: 64 << 10)
                while body.write(piece) { produced.add(piece.count, ordering: .sequentiallyConsistent) }
                stopped.store(true, ordering: .sequentiallyConsistent)
            }.start()
            return HTTPResponse(status: 200, body: .stream(body))
        }
        let server = try startServer(router: router)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /endless HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertFalse(client.read(atMost: 100).isEmpty)
        Thread.sleep(forTimeInterval: 1)
        // The stream's buffer (256 KiB), one chunk and the sockets' buffers; without backpressure
        // the producer makes gigabytes in that second.
        let held = produced.load(ordering: .sequentiallyConsistent)
        XCTAssertLessThan(held, 32 << 20, "the producer was not held back")
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertLessThan(produced.load(ordering: .sequentiallyConsistent) - held, 1 << 20, "still producing for a client that reads nothing")
        XCTAssertFalse(stopped.load(ordering: .sequentiallyConsistent))
        withExtendedLifetime(client) {}
        _ = consume client
        let deadline = Date().addingTimeInterval(5)
        while !stopped.load(ordering: .sequentiallyConsistent) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(stopped.load(ordering: .sequentiallyConsistent), "the producer never learned that the client left")
        XCTAssertTrue(cancelled.load(ordering: .sequentiallyConsistent))
    }
}
