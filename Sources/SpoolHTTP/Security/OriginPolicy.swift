import SpoolWebSocket

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
        guard let hostAuthority = Authority(host) else { return false }
        return originAuthority.host == hostAuthority.host
            && originAuthority.port == (hostAuthority.port ?? originAuthority.defaultPort)
    }

    private static func normalize(_ origin: String) -> String {
        var value = HTTPHeaderSyntax.trimmingWhitespace(origin).lowercased()
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
        let rest = origin[separator.upperBound...]
        // An origin never has a path, query or userinfo; anything like that is not a real origin.
        guard !rest.contains("/"), !rest.contains("@"), !rest.contains("?"), !rest.contains("#"),
              let parsed = Authority(rest) else { return nil }
        return (parsed.host, parsed.port ?? defaultPort, defaultPort)
    }
}
