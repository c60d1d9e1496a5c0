import Foundation

/// Which names a request's `Host` may give: the defence against DNS rebinding.
///
/// A page of another site can make the browser send requests to Spool by pointing its own DNS
/// name at 127.0.0.1 (or a LAN address) after the page has loaded. The browser then sends that
/// site's name as `Host` (and as `Origin`), treats the answers as same-origin, and lets the
/// page read them: without this check any page could list the library, add channels (making
/// the machine run yt-dlp on URLs of its choosing) and delete tracks.
///
/// Allowed:
/// - any IP address literal (`127.0.0.1`, `192.168.1.5`, `[::1]`): a page cannot be served
///   under an address it does not own, so a literal cannot be rebound;
/// - `localhost` and names under `.localhost` (RFC 6761: they never leave the machine);
/// - the name the server listens on (`HOST`, when it is a name);
/// - the names listed in `allowedHosts` (`ALLOWED_HOSTS`): `spool.example.org`, a
///   `*.example.org` wildcard, or `*` for any (only behind a proxy that checks `Host` itself).
///
/// Ports are not compared: the port does not change who controls a name.
public struct HostPolicy: Sendable {
    public enum Verdict: Sendable, Equatable {
        case allowed
        /// A well-formed name the server is not known by (421).
        case unknownName(String)
        /// Not a host at all (400).
        case malformed
    }

    /// Normalized entries: lowercase, no trailing dot, no port.
    public let allowedHosts: [String]

    /// - Parameters:
    ///   - listeningHost: the address or name the server binds (`HOST`).
    ///   - allowedHosts: extra names, as in `ALLOWED_HOSTS`.
    public init(listeningHost: String, allowedHosts: [String] = []) {
        var names = allowedHosts.compactMap(Self.normalizedEntry)
        if IPAddress(listeningHost) == nil, let name = Self.normalizedEntry(listeningHost) {
            names.append(name)
        }
        self.allowedHosts = names
    }

    public func verdict(forHostHeader value: String?) -> Verdict {
        // HTTP/1.0 without Host: there is no name to rebind.
        guard let value else { return .allowed }
        guard let authority = Authority(value) else { return .malformed }
        if IPAddress(authority.host) != nil { return .allowed }
        guard let name = Self.normalizedName(authority.host) else { return .malformed }
        if Self.isLoopbackName(name) { return .allowed }
        for entry in allowedHosts {
            if entry == "*" || entry == name { return .allowed }
            if entry.hasPrefix("*.") && name.hasSuffix(entry.dropFirst()) { return .allowed }
        }
        return .unknownName(name)
    }

    /// `localhost` and names under it, which resolve to this machine by definition.
    public static func isLoopbackName(_ host: String) -> Bool {
        guard let name = normalizedName(host) else { return false }
        return name == "localhost" || name.hasSuffix(".localhost")
    }

    /// A DNS name in lowercase without its trailing dot; nil when it is not one (letters,
    /// digits, `-` and `_` in dot-separated labels).
    private static func normalizedName(_ host: String) -> String? {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= 253,
              labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 && $0.utf8.allSatisfy(isLabelByte) })
        else { return nil }
        return name
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// An `ALLOWED_HOSTS` entry: a name, `*.name` or `*`; a port given with it is dropped.
    private static func normalizedEntry(_ entry: String) -> String? {
        let trimmed = entry.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return "*" }
        if trimmed.hasPrefix("*.") {
            return normalizedName(String(trimmed.dropFirst(2))).map { "*." + $0 }
        }
        guard let authority = Authority(trimmed) else { return nil }
        return normalizedName(authority.host)
    }
}
