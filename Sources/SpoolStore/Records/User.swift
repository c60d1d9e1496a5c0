import Foundation
import GRDB

/// An account. `passwordHash` is an Argon2id PHC string (its parameters inside, so they can be
/// raised later); nil until the owner account gets its password at first start.
public struct User: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "users"

    public var id: Int64?
    public var name: String
    public var role: UserRole
    public var passwordHash: String?
    /// The Subsonic password, sealed with the server key (`SecretBox`, context `user/<id>`).
    public var subsonicPassword: Data?
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, role: UserRole, passwordHash: String?, now: Date = Date()) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = now
        self.updatedAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A signed-in browser. Only the SHA-256 digest of the cookie's value is stored.
public struct UserSession: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "sessions"

    public var id: Int64?
    public var digest: Data
    public var userId: Int64
    public var createdAt: Date
    public var expiresAt: Date
    public var lastSeenAt: Date
    public var address: String?
    public var userAgent: String?

    public init(digest: Data, userId: Int64, createdAt: Date, expiresAt: Date, address: String?, userAgent: String?) {
        self.digest = digest
        self.userId = userId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = createdAt
        self.address = address
        self.userAgent = userAgent
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A key for scripts, Subsonic apps and podcast feeds. Only its SHA-256 digest is stored; the
/// key itself is shown once.
public struct ApiKey: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "api_keys"

    public var id: Int64?
    public var digest: Data
    public var userId: Int64
    public var label: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    /// What the key opens.
    public var scope: ApiKeyScope

    public init(digest: Data, userId: Int64, label: String, createdAt: Date, scope: ApiKeyScope = .all) {
        self.digest = digest
        self.userId = userId
        self.label = label
        self.createdAt = createdAt
        self.scope = scope
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One user's state of one track: what used to be the whole server's.
public struct UserTrack: SpoolRecord, Equatable {
    public static let databaseTableName = "user_tracks"

    public var userId: Int64
    public var trackId: Int64
    /// −1 dislike, 0 none, +1 like.
    public var rating: Int
    public var likedAt: Date?
    public var playCount: Int
    public var skipCount: Int
    public var lastPosition: Double?
    public var lastPlayedAt: Date?
    /// The user deleted it for themselves (a listener's delete): hidden from their lists.
    public var hiddenAt: Date?

    public init(userId: Int64, trackId: Int64) {
        self.userId = userId
        self.trackId = trackId
        self.rating = 0
        self.playCount = 0
        self.skipCount = 0
    }
}
