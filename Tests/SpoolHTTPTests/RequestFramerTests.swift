import XCTest
@testable import SpoolHTTP

final class RequestFramerTests: XCTestCase {
    /// What a framer made of a byte stream.
    private struct Outcome {
        var heads: [RequestHead] = []
        var bodiesEnded = 0
        var error: HTTPFramingError?
    }

    /// Feeds `text` in chunks of `chunkSize` bytes (all at once when nil), as a socket would.
    private func frame(_ text: String, chunkSize: Int? = nil, bodyLimit: Int = .max) -> Outcome {
        frameBytes(Array(text.utf8), chunkSize: chunkSize, bodyLimit: bodyLimit)
    }

    private func frameBytes(_ bytes: [UInt8], chunkSize: Int? = nil, bodyLimit: Int = .max) -> Outcome {
        var framer = RequestFramer(limits: .init(maximumHeadSize: 1024, maximumFieldCount: 10))
        var outcome = Outcome()
        let size = max(1, chunkSize ?? bytes.count)
        var start = 0
        while start < bytes.count {
            let chunk = Array(bytes[start..<min(bytes.count, start + size)])
            start += size
            do {
                try chunk.withUnsafeBytes { buffer in
                    var rest = buffer
                    while !rest.isEmpty {
                        let step = try framer.parse(rest)
                        rest = UnsafeRawBufferPointer(rebasing: rest[step.consumed...])
                        switch step.event {
                        case .head(let head)?:
                            outcome.heads.append(head)
                            framer.limitBody(to: bodyLimit)
                        case .bodyEnded?: outcome.bodiesEnded += 1
                        case .headBegan?, nil: break
                        }
                    }
                }
            } catch let error as HTTPFramingError {
                outcome.error = error
                return outcome
            } catch {
                XCTFail("unexpected \(error)")
            }
        }
        return outcome
    }

    private func assertRefused(_ text: String, status: Int = 400, _ message: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) {
        for chunkSize in [nil, 1] {
            let outcome = frame(text, chunkSize: chunkSize)
            XCTAssertEqual(outcome.error?.status, status, "chunks of \(chunkSize ?? 0): \(outcome.error?.message ?? "accepted")",
                           file: file, line: line)
            if let message { XCTAssertTrue(outcome.error?.message.contains(message) ?? false, file: file, line: line) }
        }
    }

    // MARK: - What passes

    func testPipelinedRequestsWithBodiesAreFramedWhateverTheSplit() {
        let text = "POST /api/events HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /api/tracks?limit=5 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\na\r\n0123456789\r\n0\r\n\r\n"
        for chunkSize in [nil, 1, 2, 3, 7, 64] {
            let outcome = frame(text, chunkSize: chunkSize)
            XCTAssertNil(outcome.error, "\(chunkSize ?? 0)")
            XCTAssertEqual(outcome.heads.map(\.method), ["POST", "GET", "PUT"])
            XCTAssertEqual(outcome.heads.map(\.target), ["/api/events", "/api/tracks?limit=5", "/x"])
            XCTAssertEqual(outcome.heads.map(\.bodyFraming), [.length(5), .none, .chunked])
            XCTAssertEqual(outcome.bodiesEnded, 2)
        }
    }

    func testHeaderValuesAreTrimmedAndHTTP10NeedsNoHost() {
        let outcome = frame("GET / HTTP/1.0\r\nX-A: \t spaced value \t\r\nX-B:\r\n\r\n")
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.heads.first?.version, .http10)
        XCTAssertEqual(outcome.heads.first?.headers["X-A"], "spaced value")
        XCTAssertEqual(outcome.heads.first?.headers["X-B"], "")
    }

    func testUnknownMethodsAreFramedForTheRouterToRefuse() {
        XCTAssertEqual(frame("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n").heads.first?.method, "TRACE")
        XCTAssertEqual(frame("FOO / HTTP/1.1\r\nHost: a\r\n\r\n").heads.first?.method, "FOO")
    }

    // MARK: - Smuggling shapes (issue 12, item 7)

    func testASpaceBeforeTheColonIsRefused() {
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", "whitespace")
    }

    func testTwoContentLengthsAreRefused() {
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n", "more than one Content-Length")
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello")
    }

    func testContentLengthMustBeDigitsOnly() {
        for value in ["+2", "-1", " 2 2", "0x10", "2,2", "", "1e3", "99999999999999999999"] {
            assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\n", "Content-Length")
        }
    }

    func testABareLFIsRefusedEvenWhenPipelined() {
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /admin HTTP/1.1\nHost: a\n\n", "bare LF")
        assertRefused("GET / HTTP/1.1\nHost: a\r\n\r\n", "bare LF")
        assertRefused("GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", "CR without LF")
    }

    func testANulByteInAHeaderValueIsRefused() {
        var bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Name: before".utf8)
        bytes += [0] + Array("after\r\n\r\n".utf8)
        let outcome = frameBytes(bytes)
        XCTAssertEqual(outcome.error?.status, 400)
        XCTAssertTrue(outcome.error?.message.contains("NUL") ?? false)
    }

    func testTransferEncodingMustBeChunkedAloneAndNotWithALength() {
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "both")
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "only Transfer-Encoding")
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")
        assertRefused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1")
    }

    func testObsoleteLineFoldingIsRefused() {
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n", "folding")
    }

    func testABodyOnAMethodEvhttpReadsWithoutOneIsMarkedAmbiguous() {
        // evhttp would read the body as the next request: the server answers and closes.
        XCTAssertEqual(frame("HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").heads.first?.bodyIsAmbiguous, true)
        XCTAssertEqual(frame("TRACE / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").heads.first?.bodyIsAmbiguous, true)
        XCTAssertEqual(frame("HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").heads.first?.bodyIsAmbiguous, false)
        XCTAssertEqual(frame("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").heads.first?.bodyIsAmbiguous, false)
    }

    func testChunkFramingIsStrict() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        assertRefused(head + "5;ext=1\r\nhello\r\n0\r\n\r\n", "no extensions")
        assertRefused(head + "5 \r\nhello\r\n0\r\n\r\n")
        assertRefused(head + "+5\r\nhello\r\n0\r\n\r\n")
        assertRefused(head + "5\r\nhelloX\r\n0\r\n\r\n", "followed by CRLF")
        assertRefused(head + "5\nhello\r\n0\r\n\r\n")
        assertRefused(head + "0\r\nX-Trailer: 1\r\n\r\n", "trailers")
        assertRefused(head + "1000000000000000\r\n", "hexadecimal")
    }

    func testAChunkedBodyOverTheRoutesLimitIs413() {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"
        XCTAssertEqual(frame(text, bodyLimit: 15).error?.status, 413)
        XCTAssertNil(frame(text, bodyLimit: 16).error)
    }

    // MARK: - Edge errors (item 19)

    func testHTTP11WithoutHostOrWithTwoIsRefused() {
        assertRefused("GET / HTTP/1.1\r\n\r\n", "Host")
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "more than one Host")
    }

    func testRequestLineShapes() {
        assertRefused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "single spaces")
        assertRefused("GET / HTTP/1.1 \r\nHost: a\r\n\r\n")
        assertRefused("GET http://evil.example/ HTTP/1.1\r\nHost: a\r\n\r\n", "beginning with '/'")
        assertRefused("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        assertRefused("GET //evil.example/x HTTP/1.1\r\nHost: a\r\n\r\n", "'//'")
        assertRefused("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", "percent-encoded")
        assertRefused("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "token")
        assertRefused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505)
        assertRefused("GET / FTP/1.1\r\nHost: a\r\n\r\n", "HTTP version")
        assertRefused("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "empty line")
    }

    func testHeadsOverTheLimitsAre431() {
        assertRefused("GET /" + String(repeating: "a", count: 2000) + " HTTP/1.1\r\nHost: a\r\n\r\n", status: 431)
        let fields = (0..<11).map { "X-\($0): 1\r\n" }.joined()
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n", status: 431)
    }

    func testOnlyTheContinueExpectationIsMet() {
        XCTAssertNil(frame("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx").error)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n", status: 417)
    }

    func testTheFirstErrorIsFinal() {
        var framer = RequestFramer(limits: .init(maximumHeadSize: 1024, maximumFieldCount: 10))
        let bad = Array("GET / HTTP/1.1\nHost: a\n\n".utf8)
        let good = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        XCTAssertThrowsError(try bad.withUnsafeBytes { buffer in
            var rest = buffer
            while !rest.isEmpty { rest = UnsafeRawBufferPointer(rebasing: rest[try framer.parse(rest).consumed...]) }
        })
        XCTAssertThrowsError(try good.withUnsafeBytes { try framer.parse($0) })
    }
}
