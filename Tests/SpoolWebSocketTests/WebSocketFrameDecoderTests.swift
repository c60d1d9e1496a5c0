import XCTest
@testable import SpoolWebSocket

final class WebSocketFrameDecoderTests: XCTestCase {
    private let hello = Array("Hello".utf8)

    private func assertViolation(
        _ bytes: [UInt8],
        _ code: WebSocketCloseCode,
        maximumMessageSize: Int = 1 << 20,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        for chunkSize in [nil, 1] {
            let outcome = decode(bytes, chunkSize: chunkSize, maximumMessageSize: maximumMessageSize)
            XCTAssertEqual(outcome.violation?.closeCode, code, "chunk size \(chunkSize ?? 0)", file: file, line: line)
        }
    }

    // MARK: RFC 6455 §5.7 examples

    func testRFCMaskedHello() {
        let frame: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        XCTAssertEqual(decode(frame), DecodeOutcome(events: [.text("Hello")]))
    }

    func testRFCFragmentedHello() {
        // The RFC's frames (0x01 0x03 "Hel", 0x80 0x02 "lo") with the mask a client must add.
        let bytes = TestClientFrame.bytes(opcode: 0x1, payload: Array("Hel".utf8), isFinal: false)
            + TestClientFrame.bytes(opcode: 0x0, payload: Array("lo".utf8))
        XCTAssertEqual(Array(bytes.prefix(2)), [0x01, 0x83])
        XCTAssertEqual(decode(bytes), DecodeOutcome(events: [.text("Hello")]))
    }

    func testRFCPingAndMaskedPong() {
        let ping = TestClientFrame.bytes(opcode: 0x9, payload: hello)
        let pong: [UInt8] = [0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        XCTAssertEqual(decode(ping + pong), DecodeOutcome(events: [.ping(hello), .pong(hello)]))
    }

    func testRFC256ByteBinaryUses16BitLength() {
        let payload = (0..<256).map { UInt8($0 & 0xFF) }
        let frame = TestClientFrame.bytes(opcode: 0x2, payload: payload)
        XCTAssertEqual(Array(frame.prefix(4)), [0x82, 0xFE, 0x01, 0x00])
        XCTAssertEqual(decode(frame), DecodeOutcome(events: [.binary(payload)]))
    }

    func testRFC64KiBBinaryUses64BitLength() {
        let payload = (0..<65536).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let frame = TestClientFrame.bytes(opcode: 0x2, payload: payload)
        XCTAssertEqual(Array(frame.prefix(10)), [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertEqual(decode(frame), DecodeOutcome(events: [.binary(payload)]))
    }

    // MARK: Incremental feeding

    func testByteAtATimeMatchesAllAtOnce() {
        let stream = TestClientFrame.text("Hé", isFinal: false)
            + TestClientFrame.bytes(opcode: 0x9, payload: [1, 2, 3])
            + TestClientFrame.bytes(opcode: 0x0, payload: Array("llo €".utf8))
            + TestClientFrame.bytes(opcode: 0x2, payload: [UInt8](repeating: 0xAB, count: 300))
            + TestClientFrame.bytes(opcode: 0x2, payload: [UInt8](repeating: 0xCD, count: 70_000))
            + TestClientFrame.bytes(opcode: 0xA, payload: [])
            + TestClientFrame.text("")
            + TestClientFrame.close(code: 1000, reason: Array("bye".utf8))
        let whole = decode(stream)
        XCTAssertEqual(whole.events.count, 7)
        XCTAssertNil(whole.violation)
        for chunkSize in [1, 2, 3, 7, 125, 4096] {
            XCTAssertEqual(decode(stream, chunkSize: chunkSize), whole, "chunk size \(chunkSize)")
        }
    }

    func testPartialFrameProducesNothingUntilComplete() throws {
        let frame = TestClientFrame.text("Hello")
        var decoder = WebSocketFrameDecoder()
        decoder.append(frame.dropLast())
        XCTAssertNil(try decoder.nextEvent())
        XCTAssertEqual(decoder.bufferedByteCount, frame.count - 1)
        decoder.append(frame.suffix(1))
        XCTAssertEqual(try decoder.nextEvent(), .text("Hello"))
        XCTAssertNil(try decoder.nextEvent())
    }

    func testControlFrameInsideAFragmentedMessage() {
        let bytes = TestClientFrame.text("Hel", isFinal: false)
            + TestClientFrame.bytes(opcode: 0x9, payload: Array("are you there".utf8))
            + TestClientFrame.bytes(opcode: 0x0, payload: Array("l".utf8), isFinal: false)
            + TestClientFrame.bytes(opcode: 0xA, payload: [])
            + TestClientFrame.bytes(opcode: 0x0, payload: Array("o".utf8))
        XCTAssertEqual(
            decode(bytes),
            DecodeOutcome(events: [.ping(Array("are you there".utf8)), .pong([]), .text("Hello")]))
    }

    func testFragmentedBinaryAndEmptyFragments() {
        let bytes = TestClientFrame.bytes(opcode: 0x2, payload: [], isFinal: false)
            + TestClientFrame.bytes(opcode: 0x0, payload: [1, 2], isFinal: false)
            + TestClientFrame.bytes(opcode: 0x0, payload: [])
        XCTAssertEqual(decode(bytes), DecodeOutcome(events: [.binary([1, 2])]))
    }

    func testUTF8SequenceSplitAcrossFragmentsIsValid() {
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        let bytes = TestClientFrame.bytes(opcode: 0x1, payload: [euro[0]], isFinal: false)
            + TestClientFrame.bytes(opcode: 0x0, payload: Array(euro[1...]))
        XCTAssertEqual(decode(bytes), DecodeOutcome(events: [.text("€")]))
    }

    func testNothingIsDecodedAfterAClose() throws {
        var decoder = WebSocketFrameDecoder()
        decoder.append(TestClientFrame.bytes(opcode: 0x8, payload: []) + TestClientFrame.text("late"))
        XCTAssertEqual(try decoder.nextEvent(), .close(code: nil, reason: ""))
        XCTAssertTrue(decoder.hasReceivedCloseFrame)
        XCTAssertNil(try decoder.nextEvent())
        decoder.append(TestClientFrame.text("later"))
        XCTAssertNil(try decoder.nextEvent())
    }

    func testViolationIsStickyAndFreesTheBuffer() {
        var decoder = WebSocketFrameDecoder()
        decoder.append([0x81, 0x05] + hello + TestClientFrame.text("fine"))
        XCTAssertThrowsError(try decoder.nextEvent())
        decoder.append(TestClientFrame.text("more"))
        XCTAssertEqual(decoder.bufferedByteCount, 0)
        XCTAssertThrowsError(try decoder.nextEvent()) { error in
            XCTAssertEqual((error as? WebSocketProtocolViolation)?.closeCode, .protocolError)
        }
    }

    func testEventsBeforeAViolationAreDelivered() {
        let bytes = TestClientFrame.text("ok") + [0x81, 0x05] + hello
        let outcome = decode(bytes)
        XCTAssertEqual(outcome.events, [.text("ok")])
        XCTAssertEqual(outcome.violation?.closeCode, .protocolError)
    }

    // MARK: Violations

    func testUnmaskedClientFrameIs1002() {
        assertViolation([0x81, 0x05] + hello, .protocolError)  // the RFC's unmasked "Hello"
    }

    func testReservedBitsAre1002() {
        for bits: UInt8 in [1, 2, 4, 7] {
            assertViolation(TestClientFrame.bytes(opcode: 0x1, payload: hello, reservedBits: bits), .protocolError)
        }
    }

    func testUnknownOpcodesAre1002() {
        for opcode: UInt8 in [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assertViolation(TestClientFrame.bytes(opcode: opcode, payload: []), .protocolError)
        }
    }

    func testControlFrameOver125BytesIs1002() {
        for opcode: UInt8 in [0x8, 0x9, 0xA] {
            assertViolation(TestClientFrame.bytes(opcode: opcode, payload: [UInt8](repeating: 0x30, count: 126)), .protocolError)
        }
        XCTAssertNil(decode(TestClientFrame.bytes(opcode: 0x9, payload: [UInt8](repeating: 0, count: 125))).violation)
    }

    func testFragmentedControlFrameIs1002() {
        for opcode: UInt8 in [0x8, 0x9, 0xA] {
            assertViolation(TestClientFrame.bytes(opcode: opcode, payload: [], isFinal: false), .protocolError)
        }
    }

    func testContinuationWithoutAStartIs1002() {
        assertViolation(TestClientFrame.bytes(opcode: 0x0, payload: hello), .protocolError)
        assertViolation(TestClientFrame.text("done") + TestClientFrame.bytes(opcode: 0x0, payload: hello), .protocolError)
    }

    func testNewDataFrameInsideAFragmentedMessageIs1002() {
        let start = TestClientFrame.text("Hel", isFinal: false)
        assertViolation(start + TestClientFrame.text("lo"), .protocolError)
        assertViolation(start + TestClientFrame.bytes(opcode: 0x2, payload: [1], isFinal: false), .protocolError)
    }

    func testSixtyFourBitLengthWithTopBitSetIs1002() {
        assertViolation([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1] + TestClientFrame.rfcMask, .protocolError)
    }

    func testMessageOverTheLimitIs1009() {
        assertViolation(TestClientFrame.bytes(opcode: 0x2, payload: [UInt8](repeating: 0, count: 11)), .messageTooBig, maximumMessageSize: 10)
        XCTAssertEqual(
            decode(TestClientFrame.bytes(opcode: 0x2, payload: [UInt8](repeating: 0, count: 10)), maximumMessageSize: 10),
            DecodeOutcome(events: [.binary([UInt8](repeating: 0, count: 10))]))
        // The limit applies to the reassembled message, not each fragment.
        let fragments = TestClientFrame.text("123456", isFinal: false) + TestClientFrame.bytes(opcode: 0x0, payload: Array("78901".utf8))
        assertViolation(fragments, .messageTooBig, maximumMessageSize: 10)
        // A huge 64-bit length is refused from the header alone: nothing of the payload needed.
        assertViolation([0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .messageTooBig)
    }

    func testInvalidUTF8TextIs1007() {
        let invalid: [[UInt8]] = [
            [0xC0, 0x80],              // overlong NUL
            [0xE0, 0x80, 0xAF],        // overlong "/"
            [0xED, 0xA0, 0x80],        // UTF-16 surrogate
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xE2, 0x82],              // truncated
            [0x80],                    // lone continuation byte
            [0xFF],
            Array("ok".utf8) + [0xCE, 0xBA, 0xE1],
        ]
        for payload in invalid {
            assertViolation(TestClientFrame.bytes(opcode: 0x1, payload: payload), .invalidPayloadData)
        }
        // Validated on the reassembled message, so a fragment that is invalid on its own is fine
        // (see testUTF8SequenceSplitAcrossFragmentsIsValid) and a truncated end is not.
        assertViolation(
            TestClientFrame.text("ok", isFinal: false) + TestClientFrame.bytes(opcode: 0x0, payload: [0xE2, 0x82]),
            .invalidPayloadData)
        // Binary messages are never checked.
        XCTAssertNil(decode(TestClientFrame.bytes(opcode: 0x2, payload: [0xFF])).violation)
    }

    func testCloseFramePayloads() {
        XCTAssertEqual(decode(TestClientFrame.bytes(opcode: 0x8, payload: [])).events, [.close(code: nil, reason: "")])
        XCTAssertEqual(decode(TestClientFrame.close(code: 1000)).events, [.close(code: 1000, reason: "")])
        XCTAssertEqual(
            decode(TestClientFrame.close(code: 4001, reason: Array("done ✓".utf8))).events,
            [.close(code: 4001, reason: "done ✓")])
        assertViolation(TestClientFrame.bytes(opcode: 0x8, payload: [0x03]), .protocolError)
        assertViolation(TestClientFrame.close(code: 1000, reason: [0xC0, 0x80]), .invalidPayloadData)
    }

    func testCloseCodesAcceptedAndRefused() {
        let accepted: [UInt16] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
        for code in accepted {
            XCTAssertEqual(decode(TestClientFrame.close(code: code)).events, [.close(code: code, reason: "")], "\(code)")
        }
        let refused: [UInt16] = [0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535]
        for code in refused {
            assertViolation(TestClientFrame.close(code: code), .protocolError)
        }
    }

    func testCloseCodeNames() {
        XCTAssertEqual(WebSocketCloseCode.normalClosure.rawValue, 1000)
        XCTAssertEqual(WebSocketCloseCode.goingAway.rawValue, 1001)
        XCTAssertEqual(WebSocketCloseCode.protocolError.rawValue, 1002)
        XCTAssertEqual(WebSocketCloseCode.unsupportedData.rawValue, 1003)
        XCTAssertEqual(WebSocketCloseCode.noStatusReceived.rawValue, 1005)
        XCTAssertEqual(WebSocketCloseCode.abnormalClosure.rawValue, 1006)
        XCTAssertEqual(WebSocketCloseCode.invalidPayloadData.rawValue, 1007)
        XCTAssertEqual(WebSocketCloseCode.policyViolation.rawValue, 1008)
        XCTAssertEqual(WebSocketCloseCode.messageTooBig.rawValue, 1009)
        XCTAssertEqual(WebSocketCloseCode.mandatoryExtensionMissing.rawValue, 1010)
        XCTAssertEqual(WebSocketCloseCode.internalError.rawValue, 1011)
        XCTAssertEqual(WebSocketCloseCode.tlsHandshakeFailure.rawValue, 1015)
        XCTAssertFalse(WebSocketCloseCode.noStatusReceived.isAllowedInCloseFrame)
        XCTAssertTrue(WebSocketCloseCode(rawValue: 3000).isAllowedInCloseFrame)
    }

    func testViolationReasonsFitInACloseFrame() {
        let samples: [[UInt8]] = [
            [0x81, 0x05] + hello,
            [0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            TestClientFrame.bytes(opcode: 0x1, payload: [0xFF]),
        ]
        for bytes in samples {
            let violation = decode(bytes).violation
            XCTAssertNotNil(violation)
            XCTAssertLessThanOrEqual(violation?.reason.utf8.count ?? 0, 123)
        }
    }
}
