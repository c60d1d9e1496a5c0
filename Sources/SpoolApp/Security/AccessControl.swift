import Foundation
import SpoolHTTP

/// Who may use Spool: runs before every request (the server's request filter).
///
/// - State-changing requests from a browser page of another site are refused (403), whether or
///   not a token is set: a page on the internet must not be able to drive a LAN server.
/// - With `AUTH_TOKEN` set, the API, media, the live feed and metrics need the token: an
///   `Authorization: Bearer` header (scripts, Prometheus), the `spool_token` cookie the login
///   page sets (the browser), or `?token=` on `GET` (media players and WebSocket clients that
///   cannot set headers). The app's pages redirect to `/login`; its scripts and styles are public.
struct AccessControl: Sendable {
    static let cookieName = "spool_token"
    /// Paths that stay open with a token set: the login page and the call it makes.
    static let publicPaths: Set<String> = ["/login", "/api/login", "/api/logout"]
    static let protectedPrefixes = ["/api/", "/media/", "/thumbnails/"]
    static let protectedPaths: Set<String> = ["/ws", "/metrics"]

    let token: String?
    let origins: OriginPolicy

    func check(_ request: HTTPRequest) throws {
        if request.method.isStateChanging {
            try refuseCrossSite(request)
        }
        guard let token, !Self.publicPaths.contains(request.path), !isAuthenticated(request, token: token) else { return }
        if Self.protectedPaths.contains(request.path) || Self.protectedPrefixes.contains(where: request.path.hasPrefix) {
            throw HTTPError(
                status: 401, code: "unauthorized",
                message: "This server needs its access token: sign in at /login, or send 'Authorization: Bearer <AUTH_TOKEN>'.",
                headers: ["WWW-Authenticate": "Bearer realm=\"spool\""])
        }
        if isPage(request.path) {
            throw HTTPError(status: 303, code: "login_required", message: "Sign in first.",
                            headers: ["Location": "/login?next=\(Self.nextParameter(for: request.path))"])
        }
    }

    /// The page to come back to after signing in, as a `next` value that can only name a path
    /// of this server: one leading `/` (a `//host` path would be read as another site), and
    /// everything but letters, digits and `/_-` percent-encoded. The login page resolves it
    /// against its own origin all the same.
    static func nextParameter(for path: String) -> String {
        let single = "/" + path.drop { $0 == "/" || $0 == "\\" }
        return single.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/_-"))) ?? "/"
    }

    /// Whether `candidate` is the token, in time independent of where they differ.
    static func matches(_ candidate: String, _ token: String) -> Bool {
        let a = Array(candidate.utf8), b = Array(token.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<b.count {
            difference |= (index < a.count ? a[index] : 0) ^ b[index]
        }
        return difference == 0
    }

    private func refuseCrossSite(_ request: HTTPRequest) throws {
        let origin = request.headers["Origin"]
        let crossSiteFetch = origin == nil && request.headers["Sec-Fetch-Site"]?.lowercased() == "cross-site"
        guard crossSiteFetch || !origins.allows(origin: origin, host: request.headers["Host"]) else { return }
        throw HTTPError(
            status: 403, code: "cross_origin",
            message: "Requests that change data must come from Spool's own pages (Origin \(origin ?? "cross-site") is not allowed; see ALLOWED_ORIGINS).")
    }

    private func isAuthenticated(_ request: HTTPRequest, token: String) -> Bool {
        if let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") {
            return Self.matches(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), token)
        }
        if let cookie = Self.cookie(Self.cookieName, in: request.headers["Cookie"]), Self.matches(cookie, token) {
            return true
        }
        if request.method == .GET || request.method == .HEAD, let query = request.query["token"] {
            return Self.matches(query, token)
        }
        return false
    }

    /// The app's HTML pages: paths without a file extension outside the API.
    private func isPage(_ path: String) -> Bool {
        !(path.split(separator: "/").last?.contains(".") ?? false) || path.hasSuffix(".html")
    }

    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
