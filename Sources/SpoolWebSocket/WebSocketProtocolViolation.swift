/// The client broke RFC 6455; the connection must be failed with `closeCode`.
///
/// The caller sends `WebSocketFrameEncoder.closeFrame(code: closeCode, reason: reason)`, stops
/// reading, and closes the TCP connection once that frame is written (RFC 6455 §7.1.7).
public struct WebSocketProtocolViolation: Error, Hashable, Sendable, CustomStringConvertible {
    /// The code to put in the close frame: 1002, 1007 or 1009.
    public let closeCode: WebSocketCloseCode
    /// A short, fixed explanation; safe to send as the close reason (always ≤ 123 bytes).
    public let reason: String

    /// Creates a violation; `reason` should stay short, it travels in a control frame.
    public init(closeCode: WebSocketCloseCode, reason: String) {
        self.closeCode = closeCode
        self.reason = reason
    }

    public var description: String { "WebSocket protocol violation \(closeCode): \(reason)" }
}
