import Foundation
import SpoolAuth
import SpoolCore
import SpoolHTTP
import SpoolStore

/// Signing in and out, the first start, and each user's own account.
///
/// - `POST /api/login {"name", "password"}` starts a server-side session and sets it as an
///   HttpOnly, SameSite=Strict cookie (Secure under HTTPS); `{"token"}` with `AUTH_TOKEN` signs
///   in as the owner, as before accounts. `POST /api/logout` ends the session.
/// - `POST /api/setup {"code", "name", "password"}`: the first start. The owner account (which
///   holds everything the single-user Spool recorded) gets its name and password; the one-time
///   code is printed at start-up, so only someone who can read the server's output can claim it.
/// - `/api/me…`: who I am, my password, my sessions and my API keys.
///
/// Wrong tokens and passwords are throttled (`LoginThrottle`) per client address and per user
/// name: each wrong answer is delayed by the loop, not by a sleeping thread, and a run of them
/// locks the address (or the name) out with 429 — before the password is even hashed.
struct LoginAPI: RouteCollection {
    let accounts: AccountService
    let credentials: CredentialService
    let authentication: Authentication
    /// The first-start code, while the owner has no password.
    let setupCode: SetupCode
    let secureCookies: Bool
    let site: StaticSite
    let sessionLifetime: TimeInterval
    var throttle = LoginThrottle()

    struct Login: Decodable {
        let name: String?
        let password: String?
        let token: String?
    }

    struct Setup: Decodable {
        let code: String
        let name: String
        let password: String
    }

    func register(on routes: inout Routes) {
        routes.get("/login", .open) { request in try page("/login.html", request) }
        routes.get("/setup", .open) { request in try page("/setup.html", request) }
        routes.post("/api/login", .open) { request in try login(request) }
        routes.post("/api/logout", .open) { request in
            if let cookie = AccessControl.cookie(Authentication.sessionCookie, in: request.headers["Cookie"]) {
                try credentials.endSession(secret: cookie)
            }
            var response = HTTPResponse.json(["signed_in": false])
            response.headers.add("Set-Cookie", cookie(Authentication.sessionCookie, value: "", maxAge: 0))
            response.headers.add("Set-Cookie", cookie(Authentication.tokenCookie, value: "", maxAge: 0))
            return response
        }
        routes.post("/api/setup", .open) { request in
            let body = try request.decodeJSON(Setup.self)
            guard setupCode.matches(body.code) else {
                throw HTTPError(status: 403, code: "invalid_code", message: "That is not the code Spool printed at start-up.")
            }
            let owner = try accounts.claimOwner(name: body.name, password: body.password)
            setupCode.consume()
            return try signedIn(accounts.principal(of: owner), request, status: 201)
        }
        routes.get("/api/me", .listener) { _, user in .json(MeRepresentation(user)) }
        routes.put("/api/me/password", .listener) { request, user in
            let body = try request.decodeJSON(PasswordChange.self)
            guard try accounts.signIn(name: user.name, password: body.current) != nil else {
                throw HTTPError(status: 403, code: "wrong_password", message: "'current': that is not your current password.")
            }
            try accounts.setPassword(of: user.userId, to: body.new)
            // Every session ended with the change; this browser gets a new one.
            return try signedIn(user, request, status: 200)
        }
        routes.get("/api/me/sessions", .listener) { request, user in
            let current = AccessControl.cookie(Authentication.sessionCookie, in: request.headers["Cookie"])
            return .json(["sessions": try credentials.sessions(of: user.userId).map { SessionRepresentation($0, current: current) }])
        }
        routes.delete("/api/me/sessions/{id}", .listener) { request, user in
            try credentials.endSession(try request.idParameter(), by: user)
            return .json(["deleted": true])
        }
        routes.get("/api/me/keys", .listener) { _, user in
            .json(["keys": try credentials.keys(of: user.userId).map { KeyRepresentation($0, secret: String?.none) }])
        }
        routes.post("/api/me/keys", .listener) { request, user in
            let body = try request.decodeJSON(KeyRequest.self)
            let (secret, key) = try credentials.createKey(for: user, label: body.label, scope: body.scope ?? .all)
            return .json(KeyRepresentation(key, secret: secret), status: 201)
        }
        routes.delete("/api/me/keys/{id}", .listener) { request, user in
            try credentials.revokeKey(try request.idParameter(), by: user)
            return .json(["deleted": true])
        }
    }

    private func page(_ file: String, _ request: HTTPRequest) throws -> HTTPResponse {
        try site.respond(to: HTTPRequest(method: request.method, path: file, query: request.query, headers: request.headers))
    }

    private func login(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try request.decodeJSON(Login.self)
        let address = LoginThrottle.Subject.client(request.remoteAddress)
        var subjects = [address]
        if body.token == nil, let name = body.name { subjects.append(.user(named: name)) }
        // A name locked out by guesses stays open to addresses that have not guessed wrong
        // themselves: the right user still signs in from home while someone hammers the
        // account from elsewhere (issue 17). An address that guessed is held by both.
        let checked = throttle.hasRecentFailures(address) ? subjects : [address]
        if case .lockedOut(let seconds) = throttle.verdict(for: checked) {
            throw Self.lockedOut(seconds)
        }
        if let token = body.token {
            guard let owner = try authentication.principalForToken(token) else {
                return try wrong(subjects, message: "That is not this server's access token.")
            }
            throttle.recordSuccess(for: subjects)
            return try signedIn(owner, request, status: 200)
        }
        guard let name = body.name, let password = body.password else {
            throw DomainError.invalid(field: "name", "and 'password' are required.")
        }
        guard name.utf8.count <= 256, password.utf8.count <= 4096,
              let user = try accounts.signIn(name: name, password: password) else {
            return try wrong(subjects, message: "Wrong name or password.")
        }
        throttle.recordSuccess(for: subjects)
        return try signedIn(user, request, status: 200)
    }

    /// A wrong token or password: answered later by the loop, or refused as a lock-out.
    private func wrong(_ subjects: [LoginThrottle.Subject], message: String) throws -> HTTPResponse {
        switch throttle.recordFailure(for: subjects) {
        case .lockedOut(let seconds):
            throw Self.lockedOut(seconds)
        case .delay(let seconds):
            return HTTPError(status: 401, code: "unauthorized", message: message).response.delayed(by: seconds)
        }
    }

    private static func lockedOut(_ seconds: Int) -> HTTPError {
        HTTPError(status: 429, code: "too_many_attempts",
                  message: "Too many wrong sign-ins; try again in \(seconds) s.",
                  headers: ["Retry-After": String(seconds)])
    }

    private func signedIn(_ user: Principal, _ request: HTTPRequest, status: Int) throws -> HTTPResponse {
        let (secret, _) = try credentials.startSession(for: user, address: request.remoteAddress, userAgent: request.headers["User-Agent"])
        var response = HTTPResponse.json(MeRepresentation(user), status: status)
        response.headers.add("Set-Cookie", cookie(Authentication.sessionCookie, value: secret, maxAge: Int(sessionLifetime)))
        return response
    }

    private func cookie(_ name: String, value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    private struct PasswordChange: Decodable {
        let current: String
        let new: String
    }

    private struct KeyRequest: Decodable {
        let label: String
        /// `feeds`: a key for podcast feed URLs only (issue 18).
        let scope: ApiKeyScope?
    }
}

/// The signed-in user, as `/api/me` shows them.
struct MeRepresentation: Encodable, Sendable {
    let id: Int64
    let name: String
    let role: String

    init(_ user: Principal) {
        id = user.userId
        name = user.name
        role = user.role.rawValue
    }
}

/// A session, without its secret.
struct SessionRepresentation: Encodable, Sendable {
    let id: Int64
    let createdAt: Date
    let lastSeenAt: Date
    let expiresAt: Date
    let address: String?
    let userAgent: String?
    /// The session of the browser that asks.
    let current: Bool

    init(_ session: UserSession, current secret: String?) {
        id = session.id ?? 0
        createdAt = session.createdAt
        lastSeenAt = session.lastSeenAt
        expiresAt = session.expiresAt
        address = session.address
        userAgent = session.userAgent
        current = secret.map { Data(TokenDigest(of: $0).bytes) == session.digest } ?? false
    }
}

/// An API key; `key` (the secret) only in the answer that created it.
struct KeyRepresentation: Encodable, Sendable {
    let id: Int64
    let label: String
    let createdAt: Date
    let lastUsedAt: Date?
    let scope: String
    let key: String?

    init(_ key: ApiKey, secret: String?) {
        id = key.id ?? 0
        label = key.label
        scope = key.scope.rawValue
        createdAt = key.createdAt
        lastUsedAt = key.lastUsedAt
        self.key = secret
    }
}
