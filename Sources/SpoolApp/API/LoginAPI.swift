import Foundation
import SpoolHTTP

/// The browser's way in when `AUTH_TOKEN` is set: `/login` shows a small form, and
/// `POST /api/login {"token"}` checks the token and sets it as an HttpOnly, SameSite=Strict
/// cookie (Secure under HTTPS). `POST /api/logout` clears it.
struct LoginAPI {
    let token: String?
    let secureCookies: Bool
    let site: StaticSite

    struct Credentials: Decodable { let token: String }
    struct Session: Encodable { let authenticated: Bool; let authRequired: Bool }

    func register(on router: inout Router) {
        router.get("/login") { request in
            try site.respond(to: HTTPRequest(method: request.method, path: "/login.html", query: request.query, headers: request.headers))
        }
        router.post("/api/login") { request in
            let credentials = try request.decodeJSON(Credentials.self)
            guard let token else {
                return .json(Session(authenticated: true, authRequired: false))
            }
            guard AccessControl.matches(credentials.token, token) else {
                // A pause makes guessing slow without holding anything else up (handlers run on the work queue).
                Thread.sleep(forTimeInterval: 0.25)
                throw HTTPError(status: 401, code: "unauthorized", message: "That is not this server's access token.")
            }
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

    private func cookie(value: String, maxAge: Int) -> String {
        "\(AccessControl.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }
}
