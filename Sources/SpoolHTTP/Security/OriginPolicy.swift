/// Decides whether a browser page from a given `Origin` may open a WebSocket or send a
/// state-changing request.
///
/// Browsers do not apply the same-origin policy to WebSockets or to simple cross-site POSTs,
/// and they attach cookies, so without this check any site the user visits could act with the
/// user's session (cross-site WebSocket hijacking, CSRF). Non-browser clients send no `Origin`,
/// and they cannot be used for that attack, so an absent header is allowed.
public struct OriginPolicy: Sendable {
    /// Extra origins allowed besides the server's own, e.g. `https://app.example.com`.
    /// Compared case-insensitively, ignoring a trailing `/`.
    public var allowedOrigins: [String]

    /// Allows the server's own origin plus `allowedOrigins`.
    public init(allowedOrigins: [String] = []) {
        self.allowedOrigins = allowedOrigins
    }

    /// Whether a request with this `Origin` and `Host` header is allowed.
    ///
    /// Allowed when `origin` is nil, names the same host and port as `host` (ports defaulted
    /// from the origin's scheme, so `https://spool.example` matches `Host: spool.example`), or is
    /// in `allowedOrigins`. Everything else is refused, including `Origin: null` (sandboxed
    /// frames, `file:` pages) unless `null` is allow-listed.
    public func allows(origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        let normalizedOrigin = Self.normalize(origin)
        if allowedOrigins.contains(where: { Self.normalize($0) == normalizedOrigin }) { return true }
        guard let host, let originAuthority = Self.authority(ofOrigin: normalizedOrigin) else { return false }
        guard let hostAuthority = Self.authority(hostHeader: host.lowercased(), defaultPort: originAuthority.defaultPort)
        else { return false }
        return originAuthority.host == hostAuthority.host && originAuthority.port == hostAuthority.port
    }

    private static func normalize(_ origin: String) -> String {
        var value = WebSocketHeaderSyntax.trimmingWhitespace(origin).lowercased()
        if value.hasSuffix("/") { value.removeLast() }
        return value
    }

    /// Splits a normalized `scheme://host[:port]` into host and effective port.
    private static func authority(ofOrigin origin: String) -> (host: String, port: Int, defaultPort: Int)? {
        guard let separator = origin.firstRange(of: "://") else { return nil }
        let scheme = origin[..<separator.lowerBound]
        let defaultPort: Int
        switch scheme {
        case "http", "ws": defaultPort = 80
        case "https", "wss": defaultPort = 443
        default: return nil
        }
        let rest = String(origin[separator.upperBound...])
        // An origin never has a path, query or userinfo; anything like that is not a real origin.
        guard !rest.contains("/"), !rest.contains("@"), !rest.contains("?"), !rest.contains("#") else { return nil }
        guard let parsed = authority(hostHeader: rest, defaultPort: defaultPort) else { return nil }
        return (parsed.host, parsed.port, defaultPort)
    }

    /// Parses `host`, `host:port`, `[v6]` or `[v6]:port`; a missing port becomes `defaultPort`.
    private static func authority(hostHeader: String, defaultPort: Int) -> (host: String, port: Int)? {
        let value = WebSocketHeaderSyntax.trimmingWhitespace(hostHeader)
        let hostPart: Substring
        let portPart: Substring?
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            hostPart = value[...close]
            let after = value[value.index(after: close)...]
            if after.isEmpty {
                portPart = nil
            } else if after.hasPrefix(":") {
                portPart = after.dropFirst()
            } else {
                return nil
            }
        } else if let colon = value.lastIndex(of: ":") {
            hostPart = value[..<colon]
            portPart = value[value.index(after: colon)...]
        } else {
            hostPart = value[...]
            portPart = nil
        }
        guard !hostPart.isEmpty else { return nil }
        guard let portPart else { return (String(hostPart), defaultPort) }
        guard let port = Int(portPart), (1...65535).contains(port) else { return nil }
        return (String(hostPart), port)
    }
}
