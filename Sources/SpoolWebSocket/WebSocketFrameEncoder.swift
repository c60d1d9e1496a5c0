/// Builds the frames a server sends: unmasked (RFC 6455 §5.1), unfragmented, with the
/// shortest length encoding (7, 16 or 64 bits).
///
/// Returns plain byte arrays so the caller can queue, coalesce or drop them before they reach
/// the socket; nothing here touches I/O.
public enum WebSocketFrameEncoder {
    /// The most a control frame (close, ping, pong) may carry.
    public static let maximumControlPayloadSize = 125

    /// A text message in one frame.
    public static func textFrame(_ text: String) -> [UInt8] {
        frame(opcode: .text, payload: Array(text.utf8))
    }

    /// A binary message in one frame.
    public static func binaryFrame(_ bytes: some Collection<UInt8>) -> [UInt8] {
        frame(opcode: .binary, payload: bytes)
    }

    /// A ping; `payload` must be at most 125 bytes (a programming error otherwise).
    public static func pingFrame(payload: [UInt8] = []) -> [UInt8] {
        precondition(payload.count <= maximumControlPayloadSize, "ping payload over 125 bytes")
        return frame(opcode: .ping, payload: payload)
    }

    /// A pong; to answer a ping, pass the ping's payload (the decoder guarantees ≤ 125 bytes).
    public static func pongFrame(payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= maximumControlPayloadSize, "pong payload over 125 bytes")
        return frame(opcode: .pong, payload: payload)
    }

    /// A close frame. With `code` nil the frame is empty and `reason` is ignored (the protocol
    /// has no room for a reason without a code); that is the right echo for an empty close.
    ///
    /// `reason` is cut at a character boundary to fit the 123 bytes left after the code, because
    /// reasons often come from error messages of arbitrary length. `code` must be one that may
    /// be sent (`isAllowedInCloseFrame`); 1005/1006/1015 are local-only.
    public static func closeFrame(code: WebSocketCloseCode?, reason: String = "") -> [UInt8] {
        guard let code else { return frame(opcode: .close, payload: []) }
        precondition(code.isAllowedInCloseFrame, "close code \(code) may not be sent")
        var payload: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        for scalar in reason.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard payload.count + encoded.count <= maximumControlPayloadSize else { break }
            payload.append(contentsOf: encoded)
        }
        return frame(opcode: .close, payload: payload)
    }

    /// One final, unmasked frame.
    static func frame(opcode: WebSocketOpcode, payload: some Collection<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10 + payload.count)
        bytes.append(0x80 | opcode.rawValue)
        let count = payload.count
        switch count {
        case 0...125:
            bytes.append(UInt8(count))
        case 126...0xFFFF:
            bytes.append(126)
            bytes.append(UInt8(count >> 8))
            bytes.append(UInt8(count & 0xFF))
        default:
            bytes.append(127)
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift)))
            }
        }
        bytes.append(contentsOf: payload)
        return bytes
    }
}
