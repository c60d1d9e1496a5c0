import Foundation
import GRDB
import SpoolAuth
import SpoolStore

/// Sessions (a browser's sign-in) and API keys (scripts, Subsonic apps, podcast feeds), and the
/// only writer of their rows. Only SHA-256 digests of the secrets are stored: a copy of the
/// database opens nothing. A secret is checked with one indexed read (~20 µs), so a revoked
/// session or key is refused by the very next request; nothing is cached.
///
/// ```swift
/// let (cookie, _) = try credentials.startSession(for: principal, address: "192.0.2.7", userAgent: ua)
/// let who = try credentials.principal(forSession: cookie)      // nil: unknown, expired, revoked
/// let (key, _) = try credentials.createKey(for: principal, label: "Symfonium on the phone")
/// ```
public struct CredentialService: Sendable {
    let database: SpoolDatabase
    /// How long a session lives without use; each use (noted at most every 5 minutes) extends it.
    let sessionLifetime: TimeInterval
    /// `last_seen_at` is written at most this often per session or key: a request must not
    /// cost a write.
    static let touchInterval: TimeInterval = 300
    /// Sessions per user: the oldest ones end when a user signs in more often than this.
    static let maximumSessionsPerUser = 50
    static let maximumKeysPerUser = 50

    // MARK: - Sessions

    /// Starts a session and returns the cookie's value (shown to the browser only) and the row.
    public func startSession(for user: Principal, address: String?, userAgent: String?) throws -> (String, UserSession) {
        let secret = Secrets.newSessionID()
        let now = Date()
        var session = UserSession(digest: Data(TokenDigest(of: secret).bytes), userId: user.userId, createdAt: now,
                                  expiresAt: now.addingTimeInterval(sessionLifetime), address: address,
                                  userAgent: userAgent.map { String($0.prefix(300)) })
        try database.write { db in
            try session.insert(db)
            try db.execute(sql: """
                DELETE FROM sessions WHERE user_id = ? AND id NOT IN
                    (SELECT id FROM sessions WHERE user_id = ? ORDER BY id DESC LIMIT ?)
                """, arguments: [user.userId, user.userId, Self.maximumSessionsPerUser])
        }
        return (secret, session)
    }

    /// Who a session cookie belongs to; nil when it is malformed, unknown, expired or revoked.
    public func principal(forSession secret: String, now: Date = Date()) throws -> Principal? {
        guard Secrets.isWellFormedSessionID(secret) else { return nil }
        let digest = Data(TokenDigest(of: secret).bytes)
        guard let row = try database.read({ db in
            try Row.fetchOne(db, sql: """
                SELECT sessions.id, sessions.expires_at, sessions.last_seen_at, users.id AS user_id, users.name, users.role
                FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.digest = ?
                """, arguments: [digest])
        }) else { return nil }
        let expires: Double = row["expires_at"]
        guard expires > now.timeIntervalSince1970 else { return nil }
        let lastSeen: Double = row["last_seen_at"]
        if now.timeIntervalSince1970 - lastSeen > Self.touchInterval {
            let id: Int64 = row["id"]
            try database.write(priority: .background) { db in
                try db.execute(sql: "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
                               arguments: [now.timeIntervalSince1970, now.addingTimeInterval(sessionLifetime).timeIntervalSince1970, id])
            }
        }
        return Self.principal(row)
    }

    /// A user's sessions, newest first.
    public func sessions(of userId: Int64) throws -> [UserSession] {
        try database.read { db in
            try UserSession.filter(Column("user_id") == userId && Column("expires_at") > Date().timeIntervalSince1970)
                .order(Column("id").desc).fetchAll(db)
        }
    }

    /// Ends one session. `by` may end their own; an admin may end anyone's.
    public func endSession(_ id: Int64, by user: Principal) throws {
        try database.write { db in
            guard let session = try UserSession.fetchOne(db, key: id), session.userId == user.userId || user.isAdmin else {
                throw DomainError.notFound("No session with id \(id).")
            }
            try UserSession.deleteOne(db, key: id)
        }
    }

    /// Signing out: the session of this cookie ends.
    public func endSession(secret: String) throws {
        guard Secrets.isWellFormedSessionID(secret) else { return }
        let digest = Data(TokenDigest(of: secret).bytes)
        try database.write { db in try db.execute(sql: "DELETE FROM sessions WHERE digest = ?", arguments: [digest]) }
    }

    /// Removes expired sessions (housekeeping).
    public func pruneExpiredSessions(now: Date = Date()) throws -> Int {
        try database.write(priority: .background) { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    // MARK: - API keys

    /// Creates a key; the key itself is returned once and never stored. A `feeds` key opens
    /// only the user's podcast feeds (`principal(forFeedKey:)`), never the API.
    public func createKey(for user: Principal, label: String, scope: ApiKeyScope = .all) throws -> (String, ApiKey) {
        let label = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(label.count), !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DomainError.invalid(field: "label", "must be 1 to 100 characters without control characters.")
        }
        let secret = Secrets.newAPIKey()
        var key = ApiKey(digest: Data(TokenDigest(of: secret).bytes), userId: user.userId, label: label, createdAt: Date(), scope: scope)
        try database.write { db in
            let count = try ApiKey.filter(Column("user_id") == user.userId).fetchCount(db)
            guard count < Self.maximumKeysPerUser else {
                throw DomainError.conflict("A user may have \(Self.maximumKeysPerUser) API keys; revoke one first.")
            }
            try key.insert(db)
        }
        return (secret, key)
    }

    /// Who an API key belongs to; nil when it is malformed, unknown or revoked.
    public func principal(forKey secret: String, now: Date = Date()) throws -> Principal? {
        guard Secrets.isWellFormedAPIKey(secret) else { return nil }
        return try principal(forKeyDigest: TokenDigest(of: secret), now: now)
    }

    /// Who the key with this digest belongs to (Subsonic's `apiKey` arrives as a digest); nil
    /// for a `feeds` key, which opens nothing but feeds.
    public func principal(forKeyDigest digest: TokenDigest, now: Date = Date()) throws -> Principal? {
        try principal(forKeyDigest: digest, scopes: [.all], now: now)
    }

    /// Who a podcast feed URL's key belongs to: a `feeds` key or a full one; nil when it is
    /// malformed, unknown or revoked (the feed answers 404).
    public func principal(forFeedKey secret: String, now: Date = Date()) throws -> Principal? {
        guard Secrets.isWellFormedAPIKey(secret) else { return nil }
        return try principal(forKeyDigest: TokenDigest(of: secret), scopes: [.all, .feeds], now: now)
    }

    private func principal(forKeyDigest digest: TokenDigest, scopes: Set<ApiKeyScope>, now: Date) throws -> Principal? {
        let bytes = Data(digest.bytes)
        guard let row = try database.read({ db in
            try Row.fetchOne(db, sql: """
                SELECT api_keys.id, api_keys.last_used_at, api_keys.scope, users.id AS user_id, users.name, users.role
                FROM api_keys JOIN users ON users.id = api_keys.user_id WHERE api_keys.digest = ?
                """, arguments: [bytes])
        }) else { return nil }
        guard let scope = ApiKeyScope(rawValue: row["scope"]), scopes.contains(scope) else { return nil }
        let lastUsed: Double? = row["last_used_at"]
        if lastUsed.map({ now.timeIntervalSince1970 - $0 > Self.touchInterval }) ?? true {
            let id: Int64 = row["id"]
            try database.write(priority: .background) { db in
                try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
            }
        }
        return Self.principal(row)
    }

    public func keys(of userId: Int64) throws -> [ApiKey] {
        try database.read { try ApiKey.filter(Column("user_id") == userId).order(Column("id").desc).fetchAll($0) }
    }

    /// Revokes a key. `by` may revoke their own; an admin anyone's.
    public func revokeKey(_ id: Int64, by user: Principal) throws {
        try database.write { db in
            guard let key = try ApiKey.fetchOne(db, key: id), key.userId == user.userId || user.isAdmin else {
                throw DomainError.notFound("No API key with id \(id).")
            }
            try ApiKey.deleteOne(db, key: id)
        }
    }

    private static func principal(_ row: Row) -> Principal? {
        guard let role = UserRole(rawValue: row["role"]) else { return nil }
        return Principal(userId: row["user_id"], name: row["name"], role: role)
    }
}
