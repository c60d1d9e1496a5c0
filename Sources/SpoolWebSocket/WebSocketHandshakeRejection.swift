/// Why an HTTP request was not upgraded to a WebSocket, and the HTTP reply that says so.
///
/// The messages are fixed text on purpose: they go into a response body, and echoing request
/// values there would reflect attacker-chosen content. The associated values are for logs.
public enum WebSocketHandshakeRejection: Error, Hashable, Sendable {
    /// The method was not `GET` (RFC 6455 §4.2.1 allows nothing else).
    case methodIsNotGET(method: String)
    /// `Upgrade` was missing or did not name `websocket`.
    case upgradeIsNotWebSocket
    /// `Connection` was missing or did not contain the `upgrade` token.
    case connectionDoesNotRequestUpgrade
    /// `Sec-WebSocket-Version` was missing or not `13`; nil when missing.
    case versionIsNotSupported(version: String?)
    /// `Sec-WebSocket-Key` was missing or not base64 of exactly 16 bytes.
    case keyIsMissingOrMalformed
    /// `Origin` was present, not the server's own host:port, and not allow-listed.
    case originIsNotAllowed(origin: String)

    /// The HTTP status to reply with: 400, 426 for an unsupported version, 403 for the origin.
    public var status: Int {
        switch self {
        case .versionIsNotSupported: 426
        case .originIsNotAllowed: 403
        default: 400
        }
    }

    /// The standard reason phrase for `status`.
    public var reasonPhrase: String {
        switch status {
        case 426: "Upgrade Required"
        case 403: "Forbidden"
        default: "Bad Request"
        }
    }

    /// A short plain-text explanation suitable for the response body.
    public var message: String {
        switch self {
        case .methodIsNotGET: "A WebSocket upgrade must use GET."
        case .upgradeIsNotWebSocket: "The Upgrade header must be \"websocket\"."
        case .connectionDoesNotRequestUpgrade: "The Connection header must contain \"Upgrade\"."
        case .versionIsNotSupported: "Only WebSocket version 13 is supported."
        case .keyIsMissingOrMalformed: "Sec-WebSocket-Key must be the base64 encoding of 16 bytes."
        case .originIsNotAllowed: "This origin may not open a WebSocket here."
        }
    }

    /// Extra headers the rejection must carry: RFC 6455 §4.4 requires a 426 to say which
    /// version the server speaks, so the client can retry with it.
    public var responseHeaders: [String: String] {
        switch self {
        case .versionIsNotSupported: ["Sec-WebSocket-Version": "13"]
        default: [:]
        }
    }
}
