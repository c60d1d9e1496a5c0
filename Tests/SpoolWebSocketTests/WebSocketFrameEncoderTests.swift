import XCTest
@testable import SpoolWebSocket

final class WebSocketFrameEncoderTests: XCTestCase {
    private let hello = Array("Hello".utf8)

    /// Masks the server frame as a client would and decodes it back.
    private func roundTrip(_ frame: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> WebSocketEvent? {
        guard let clientFrame = TestClientFrame.maskedCopy(ofServerFrame: frame) else {
            XCTFail("not a well-formed unmasked frame", file: file, line: line)
            return nil
        }
        let outcome = decode(clientFrame)
        XCTAssertNil(outcome.violation, file: file, line: line)
        XCTAssertEqual(outcome.events.count, 1, file: file, line: line)
        return outcome.events.first
    }

    func testRFCUnmaskedExamples() {
        XCTAssertEqual(WebSocketFrameEncoder.textFrame("Hello"), [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        XCTAssertEqual(WebSocketFrameEncoder.pingFrame(payload: hello), [0x89, 0x05] + hello)
        XCTAssertEqual(WebSocketFrameEncoder.pongFrame(payload: hello), [0x8A, 0x05] + hello)
    }

    func testLengthEncodings() {
        let cases: [(count: Int, header: [UInt8])] = [
            (0, [0x82, 0x00]),
            (125, [0x82, 125]),
            (126, [0x82, 126, 0x00, 126]),
            (256, [0x82, 0x7E, 0x01, 0x00]),                       // RFC §5.7
            (65535, [0x82, 126, 0xFF, 0xFF]),
            (65536, [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]),         // RFC §5.7
        ]
        for (count, header) in cases {
            let payload = [UInt8](repeating: 0x5A, count: count)
            let frame = WebSocketFrameEncoder.binaryFrame(payload)
            XCTAssertEqual(Array(frame.prefix(header.count)), header, "\(count)")
            XCTAssertEqual(frame.count, header.count + count)
            XCTAssertEqual(roundTrip(frame), .binary(payload), "\(count)")
        }
    }

    func testRoundTrips() {
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.textFrame("")), .text(""))
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.textFrame("héllo wörld €𝄞")), .text("héllo wörld €𝄞"))
        let long = String(repeating: "progress ", count: 10_000)
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.textFrame(long)), .text(long))
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.binaryFrame([0, 1, 255])), .binary([0, 1, 255]))
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.pingFrame()), .ping([]))
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.pongFrame(payload: hello)), .pong(hello))
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.closeFrame(code: nil)), .close(code: nil, reason: ""))
        XCTAssertEqual(
            roundTrip(WebSocketFrameEncoder.closeFrame(code: .goingAway, reason: "restarting")),
            .close(code: 1001, reason: "restarting"))
        XCTAssertEqual(roundTrip(WebSocketFrameEncoder.closeFrame(code: .normalClosure)), .close(code: 1000, reason: ""))
    }

    func testCloseFrameBytes() {
        XCTAssertEqual(WebSocketFrameEncoder.closeFrame(code: nil, reason: "ignored"), [0x88, 0x00])
        XCTAssertEqual(WebSocketFrameEncoder.closeFrame(code: .protocolError), [0x88, 0x02, 0x03, 0xEA])
    }

    func testLongCloseReasonIsCutAtACharacterBoundary() {
        // 61 two-byte characters = 122 bytes fit; the 62nd would make 124 > 123.
        let reason = String(repeating: "é", count: 100)
        let frame = WebSocketFrameEncoder.closeFrame(code: .internalError, reason: reason)
        XCTAssertEqual(frame[1], 2 + 122)
        XCTAssertEqual(roundTrip(frame), .close(code: 1011, reason: String(repeating: "é", count: 61)))
    }

    func testAViolationCanBeSentBack() throws {
        let violation = try XCTUnwrap(decode([0x81, 0x05] + hello).violation)
        let frame = WebSocketFrameEncoder.closeFrame(code: violation.closeCode, reason: violation.reason)
        XCTAssertEqual(roundTrip(frame), .close(code: 1002, reason: violation.reason))
    }
}
