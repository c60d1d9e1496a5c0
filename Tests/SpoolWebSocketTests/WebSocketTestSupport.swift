@testable import SpoolWebSocket

/// Client-side framing for tests, written independently of `WebSocketFrameEncoder` so that
/// round trips check the encoder against a second reading of RFC 6455 rather than itself.
enum TestClientFrame {
    /// The mask key from the RFC 6455 §5.7 examples.
    static let rfcMask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    /// A masked (unless `masked` is false) client frame; `firstByte` overrides FIN/RSV/opcode
    /// for malformed-frame tests.
    static func bytes(
        opcode: UInt8,
        payload: [UInt8],
        isFinal: Bool = true,
        reservedBits: UInt8 = 0,
        masked: Bool = true,
        mask: [UInt8] = rfcMask
    ) -> [UInt8] {
        var frame: [UInt8] = [(isFinal ? 0x80 : 0) | reservedBits << 4 | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count <= 125 {
            frame.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(maskBit | 127)
            frame += (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64($0 * 8)) }
        }
        guard masked else { return frame + payload }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    static func text(_ text: String, isFinal: Bool = true) -> [UInt8] {
        bytes(opcode: 0x1, payload: Array(text.utf8), isFinal: isFinal)
    }

    static func close(code: UInt16, reason: [UInt8] = []) -> [UInt8] {
        bytes(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)] + reason)
    }

    /// Re-encodes a server frame as a client would send it: parses the header the server
    /// wrote, checks it is unmasked, then sets the mask bit and masks the payload.
    static func maskedCopy(ofServerFrame frame: [UInt8], mask: [UInt8] = rfcMask) -> [UInt8]? {
        guard frame.count >= 2, frame[1] & 0x80 == 0 else { return nil }
        var headerLength = 2
        var length = Int(frame[1] & 0x7F)
        if length == 126 {
            headerLength = 4
            length = Int(frame[2]) << 8 | Int(frame[3])
        } else if length == 127 {
            headerLength = 10
            length = frame[2..<10].reduce(0) { $0 << 8 | Int($1) }
        }
        guard frame.count == headerLength + length else { return nil }
        var header = Array(frame[0..<headerLength])
        header[1] |= 0x80
        let payload = frame[headerLength...].enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return header + mask + payload
    }
}

/// What a decoder made of a byte stream: the events, then the violation if one stopped it.
struct DecodeOutcome: Equatable {
    var events: [WebSocketEvent] = []
    var violation: WebSocketProtocolViolation?
}

/// Feeds `bytes` to a fresh decoder in chunks of `chunkSize` (all at once when nil), draining
/// events after every chunk as the socket glue will.
func decode(_ bytes: [UInt8], chunkSize: Int? = nil, maximumMessageSize: Int = 1 << 20) -> DecodeOutcome {
    var decoder = WebSocketFrameDecoder(maximumMessageSize: maximumMessageSize)
    var outcome = DecodeOutcome()
    let size = max(1, chunkSize ?? bytes.count)
    var start = 0
    repeat {
        let end = min(bytes.count, start + size)
        decoder.append(bytes[start..<end])
        start = end
        do {
            while let event = try decoder.nextEvent() { outcome.events.append(event) }
        } catch {
            outcome.violation = error
            return outcome
        }
    } while start < bytes.count
    return outcome
}
