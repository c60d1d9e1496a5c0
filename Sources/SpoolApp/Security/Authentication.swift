import Foundation
import SpoolAuth
import SpoolCore
import SpoolHTTP
import SpoolStore

/// Who a request comes from, in this order:
/// 1. `Authorization: Bearer <secret>`: `AUTH_TOKEN` (the owner, an admin: existing set-ups,
///    Prometheus and the container's health check keep working) or an API key (`spool_…`);
/// 2. the `spool_session` cookie the sign-in page sets;
/// 3. the old `spool_token` cookie holding `AUTH_TOKEN`;
/// 4. `?token=` or `?key=` on `GET`/`HEAD` (media players and WebSocket clients that cannot set
///    headers): `AUTH_TOKEN` or an API key;
/// 5. the single-user mode: while no account has a password, a server that only loopback
///    clients can reach (or one behind an authenticating proxy, `ALLOW_NO_AUTH=1`) treats every
///    request as the owner's, as Spool always did. A server reachable from the LAN without any
///    password answers only the first-start page (`/setup`).
///
/// A secret that is present but wrong is refused outright (401), never downgraded to the
/// single-user mode: a revoked key must fail loudly.
struct Authentication: Sendable {
    static let sessionCookie = "spool_session"
    static let tokenCookie = "spool_token"

    let accounts: AccountService
    let credentials: CredentialService
    let authToken: String?
    /// Loopback-only, or an authenticating proxy in front (`ALLOW_NO_AUTH`).
    let singleUserAllowed: Bool

    func principal(for request: HTTPRequest) throws -> Principal? {
        if let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") {
            return try principal(forSecret: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), refuseUnknown: true)
        }
        if let cookie = AccessControl.cookie(Self.sessionCookie, in: request.headers["Cookie"]),
           let principal = try credentials.principal(forSession: cookie) {
            return principal
        }
        if let token = authToken, let cookie = AccessControl.cookie(Self.tokenCookie, in: request.headers["Cookie"]),
           TokenDigest(of: token).matches(cookie) {
            return try owner()
        }
        if request.method == .GET || request.method == .HEAD, let secret = request.query["key"] ?? request.query["token"] {
            return try principal(forSecret: secret, refuseUnknown: true)
        }
        if singleUserAllowed, authToken == nil, try accounts.needsOwnerPassword() {
            return try owner()
        }
        return nil
    }

    /// The owner, when `token` is `AUTH_TOKEN`.
    func principalForToken(_ token: String) throws -> Principal? {
        guard let authToken, TokenDigest(of: authToken).matches(token) else { return nil }
        return try owner()
    }

    private func principal(forSecret secret: String, refuseUnknown: Bool) throws -> Principal? {
        if let token = authToken, TokenDigest(of: token).matches(secret) { return try owner() }
        if let principal = try credentials.principal(forKey: secret) { return principal }
        if refuseUnknown {
            throw HTTPError(status: 401, code: "unauthorized", message: "This key or token is not valid (revoked, mistyped, or of another server).",
                            headers: ["WWW-Authenticate": "Bearer realm=\"spool\", error=\"invalid_token\""])
        }
        return nil
    }

    /// The owner account (user 1), or the first admin if the owner was removed.
    private func owner() throws -> Principal {
        let users = try accounts.users()
        guard let owner = users.first(where: { $0.id == Principal.ownerId }) ?? users.first(where: { $0.role == .admin }) else {
            throw HTTPError(status: 503, code: "no_admin", message: "Spool has no admin account; create one with `spool user add NAME --role admin`.")
        }
        return accounts.principal(of: owner)
    }
}
