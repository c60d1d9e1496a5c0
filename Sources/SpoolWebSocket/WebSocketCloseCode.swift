/// A WebSocket close status code (RFC 6455 §7.4), with the registered codes named.
///
/// A struct rather than an enum because peers may send any code in 3000–4999 (registered
/// libraries and applications); an enum would have to lose those or wrap them.
public struct WebSocketCloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code as it travels in the first two bytes of a close frame's payload.
    public let rawValue: UInt16

    /// Wraps any code; use `isAllowedInCloseFrame` to check one received from a peer.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// 1000: the purpose of the connection has been fulfilled.
    public static let normalClosure = WebSocketCloseCode(rawValue: 1000)
    /// 1001: the endpoint is going away (server shutdown, page navigated away).
    public static let goingAway = WebSocketCloseCode(rawValue: 1001)
    /// 1002: the peer broke the framing protocol.
    public static let protocolError = WebSocketCloseCode(rawValue: 1002)
    /// 1003: the endpoint received a data type it cannot accept.
    public static let unsupportedData = WebSocketCloseCode(rawValue: 1003)
    /// 1005: reserved — reported locally when a close frame carried no code; never sent.
    public static let noStatusReceived = WebSocketCloseCode(rawValue: 1005)
    /// 1006: reserved — reported locally when the connection dropped without a close frame; never sent.
    public static let abnormalClosure = WebSocketCloseCode(rawValue: 1006)
    /// 1007: a message's data did not match its type (e.g. a text message that is not UTF-8).
    public static let invalidPayloadData = WebSocketCloseCode(rawValue: 1007)
    /// 1008: a message violated the endpoint's policy (generic code when nothing fits better).
    public static let policyViolation = WebSocketCloseCode(rawValue: 1008)
    /// 1009: a message was larger than the endpoint is willing to process.
    public static let messageTooBig = WebSocketCloseCode(rawValue: 1009)
    /// 1010: (client → server) the server did not negotiate an extension the client requires.
    public static let mandatoryExtensionMissing = WebSocketCloseCode(rawValue: 1010)
    /// 1011: the server hit an unexpected condition.
    public static let internalError = WebSocketCloseCode(rawValue: 1011)
    /// 1015: reserved — reported locally when the TLS handshake failed; never sent.
    public static let tlsHandshakeFailure = WebSocketCloseCode(rawValue: 1015)

    /// Whether this code may appear in a close frame on the wire.
    ///
    /// Accepted: 1000–1003, 1007–1011 and the private/registered range 3000–4999. Everything else
    /// is refused with 1002: 1004 is reserved, 1005/1006/1015 are local-only by definition, and the
    /// rest of 1000–2999 is unassigned for this endpoint (1012–1014 were registered with IANA
    /// later; RFC 6455 endpoints, like this one, treat them as unknown).
    public var isAllowedInCloseFrame: Bool {
        switch rawValue {
        case 1000...1003, 1007...1011, 3000...4999: true
        default: false
        }
    }

    public var description: String { String(rawValue) }
}
