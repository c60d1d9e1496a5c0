import Foundation
import SpoolHTTP

/// The browser's way in when `AUTH_TOKEN` is set: `/login` shows a small form, and
/// `POST /api/login {"token"}` checks the token and sets it as an HttpOnly, SameSite=Strict
/// cookie (Secure under HTTPS). `POST /api/logout` clears it.
///
/// Wrong tokens are throttled per client address (`LoginThrottle`): each answer is delayed by
/// the loop, not by a sleeping thread, and a run of them locks the address out (429).
struct LoginAPI {
    let token: String?
    let secureCookies: Bool
    let site: StaticSite
    var throttle = LoginThrottle()

    struct Credentials: Decodable { let token: String }
    struct Session: Encodable { let authenticated: Bool; let authRequired: Bool }

    func register(on router: inout Router) {
        router.get("/login") { request in
            try site.respond(to: HTTPRequest(method: request.method, path: "/login.html", query: request.query, headers: request.headers))
        }
        router.post("/api/login") { request in
            guard let token else {
                _ = try request.decodeJSON(Credentials.self)
                return .json(Session(authenticated: true, authRequired: false))
            }
            let subjects = [LoginThrottle.Subject.client(request.remoteAddress)]
            if case .lockedOut(let seconds) = throttle.verdict(for: subjects) {
                throw Self.lockedOut(seconds)
            }
            let credentials = try request.decodeJSON(Credentials.self)
            guard AccessControl.matches(credentials.token, token) else {
                switch throttle.recordFailure(for: subjects) {
                case .lockedOut(let seconds):
                    throw Self.lockedOut(seconds)
                case .delay(let seconds):
                    let wrong = HTTPError(status: 401, code: "unauthorized", message: "That is not this server's access token.")
                    return wrong.response.delayed(by: seconds)
                }
            }
            throttle.recordSuccess(for: subjects)
            var response = HTTPResponse.json(Session(authenticated: true, authRequired: true))
            response.headers.add("Set-Cookie", cookie(value: token, maxAge: 365 * 86_400))
            return response
        }
        router.post("/api/logout") { _ in
            var response = HTTPResponse.json(Session(authenticated: false, authRequired: token != nil))
            response.headers.add("Set-Cookie", cookie(value: "", maxAge: 0))
            return response
        }
    }

    private static func lockedOut(_ seconds: Int) -> HTTPError {
        HTTPError(status: 429, code: "too_many_attempts",
                  message: "Too many wrong tokens from this address; try again in \(seconds) s.",
                  headers: ["Retry-After": String(seconds)])
    }

    private func cookie(value: String, maxAge: Int) -> String {
        "\(AccessControl.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }
}
