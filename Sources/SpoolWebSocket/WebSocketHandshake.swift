#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server side of the RFC 6455 opening handshake, independent of the HTTP library.
///
/// Given the request's method and headers, either produces the headers of the
/// `101 Switching Protocols` reply or says, as a `WebSocketHandshakeRejection`, which HTTP error
/// to send instead. The caller owns the actual reply and the switch of the connection.
public enum WebSocketHandshake {
    /// The fixed GUID RFC 6455 §1.3 appends to the client's key before hashing.
    public static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Validates an upgrade request and returns the `101` response headers
    /// (`Upgrade`, `Connection`, `Sec-WebSocket-Accept`).
    ///
    /// - Parameters:
    ///   - method: the request method, e.g. `GET`.
    ///   - headers: request headers; names are matched case-insensitively, and names that differ
    ///     only in case are joined with `, ` as repeated header lines would be.
    ///   - allowsOrigin: who may connect, given the `Origin` and `Host` values (nil when absent);
    ///     asked only once the request is known to be a WebSocket upgrade, so that plain bad
    ///     requests get 400, not 403. The policy is the caller's: this codec has no opinion on
    ///     which sites may connect (as in swift-nio's `NIOWebSocket`, where `shouldUpgrade` decides).
    /// - Throws: the rejection that says which status, message and headers to reply with.
    public static func acceptUpgrade(
        method: String,
        headers: [String: String],
        allowsOrigin: (_ origin: String?, _ host: String?) -> Bool = { _, _ in true }
    ) throws(WebSocketHandshakeRejection) -> [String: String] {
        guard method == "GET" else { throw .methodIsNotGET(method: method) }
        // Token lists, not exact values: browsers send `Connection: keep-alive, Upgrade`.
        guard let upgrade = headerValue("Upgrade", in: headers),
              HTTPHeaderSyntax.tokenList(upgrade, contains: "websocket")
        else { throw .upgradeIsNotWebSocket }
        guard let connection = headerValue("Connection", in: headers),
              HTTPHeaderSyntax.tokenList(connection, contains: "upgrade")
        else { throw .connectionDoesNotRequestUpgrade }
        // A missing version is treated like a wrong one: the 426 tells the client what to use.
        let version = headerValue("Sec-WebSocket-Version", in: headers)
        guard let version, HTTPHeaderSyntax.trimmingWhitespace(version) == "13" else {
            throw .versionIsNotSupported(version: version)
        }
        guard let rawKey = headerValue("Sec-WebSocket-Key", in: headers) else { throw .keyIsMissingOrMalformed }
        let key = HTTPHeaderSyntax.trimmingWhitespace(rawKey)
        guard isWellFormedKey(key) else { throw .keyIsMissingOrMalformed }
        let origin = headerValue("Origin", in: headers)
        guard allowsOrigin(origin, headerValue("Host", in: headers)) else {
            throw .originIsNotAllowed(origin: origin ?? "")
        }
        return [
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Accept": acceptValue(forKey: key),
        ]
    }

    /// `Sec-WebSocket-Accept` for a client key: base64(SHA-1(key + GUID)).
    public static func acceptValue(forKey key: String) -> String {
        Data(WebSocketSHA1.digest(of: Array((key + acceptGUID).utf8))).base64EncodedString()
    }

    /// The key must be base64 of 16 bytes, which is always 24 characters ending in `==`;
    /// requiring the padded form keeps odd decoders' leniency out of the decision.
    private static func isWellFormedKey(_ key: String) -> Bool {
        key.utf8.count == 24 && Data(base64Encoded: key)?.count == 16
    }

    /// The value of a header, matching the name case-insensitively.
    private static func headerValue(_ name: String, in headers: [String: String]) -> String? {
        let lowercasedName = name.lowercased()
        // Sorted so that the joined value does not depend on dictionary order.
        let matches = headers.keys.filter { $0.lowercased() == lowercasedName }.sorted()
        guard !matches.isEmpty else { return nil }
        return matches.map { headers[$0]! }.joined(separator: ", ")
    }
}
