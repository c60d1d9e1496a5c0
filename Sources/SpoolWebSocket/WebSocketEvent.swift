/// Something a WebSocket client said: a complete message or a control frame.
///
/// Fragmented messages are reassembled by the decoder, so `.text` and `.binary` are always whole.
public enum WebSocketEvent: Hashable, Sendable {
    /// A complete text message, already checked to be valid UTF-8.
    case text(String)
    /// A complete binary message.
    case binary([UInt8])
    /// A ping; the server should answer with a pong carrying the same payload (≤ 125 bytes).
    case ping([UInt8])
    /// A pong, solicited or not; used for keep-alive.
    case pong([UInt8])
    /// The client started or answered the closing handshake. `code` is nil when the frame had no
    /// payload (reported locally as 1005); `reason` is empty when none was given. Nothing after a
    /// close frame is decoded.
    case close(code: UInt16?, reason: String)
}
