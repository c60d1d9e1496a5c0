import Foundation
import SpoolHTTP

/// Runs before every request (the server's request filter), before any route:
///
/// - State-changing requests from a browser page of another site are refused (403), signed in
///   or not: a page on the internet must not be able to drive a LAN server.
/// - The live feed (`/ws`) needs a signed-in user (the routes check their own `Access`).
/// - The app's pages send a visitor who is not signed in to `/login` (or to `/setup` while no
///   account has a password); its scripts and styles are public.
struct AccessControl: Sendable {
    /// Pages and calls open to a visitor who is not signed in.
    static let publicPaths: Set<String> = ["/login", "/setup", "/api/login", "/api/logout", "/api/setup"]

    let authentication: Authentication
    let origins: OriginPolicy

    /// Paths whose requests carry their own credentials (Subsonic parameters, a feed key in the
    /// path) and never a cookie: a cross-site page gains nothing by sending them, and browser
    /// Subsonic players on other origins must be able to POST.
    static let ownCredentialPrefixes = ["/rest/", "/feeds/"]

    func check(_ request: HTTPRequest) throws {
        if Self.ownCredentialPrefixes.contains(where: { request.path.hasPrefix($0) }) { return }
        if request.method.isStateChanging {
            try refuseCrossSite(request)
        }
        if request.path == "/ws" {
            guard try authentication.principal(for: request) != nil else { throw HTTPError.signInRequired }
            return
        }
        guard isPage(request.path), !request.path.hasPrefix("/api/"), !request.path.hasPrefix("/media/"),
              request.path != "/metrics", !Self.publicPaths.contains(request.path),
              try authentication.principal(for: request) == nil else { return }
        let next = Self.nextParameter(for: request.path)
        // Before the first account exists, the way in is the first-start page, unless the
        // owner can sign in with AUTH_TOKEN on the login page.
        let page = try authentication.authToken == nil && authentication.accounts.needsOwnerPassword() ? "/setup" : "/login"
        throw HTTPError(status: 303, code: "login_required", message: "Sign in first.", headers: ["Location": "\(page)?next=\(next)"])
    }

    /// The cheap part of the check, on a request's head before its body is read (on the event
    /// loop: no database): cross-site writes are refused before a byte of their body is kept.
    func checkHead(_ request: HTTPRequest) throws {
        if request.method.isStateChanging {
            try refuseCrossSite(request)
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
