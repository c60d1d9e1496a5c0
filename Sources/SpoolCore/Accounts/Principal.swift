import SpoolStore

/// Who makes a request: a user with a role, however they proved it (a session cookie, an API
/// key, `AUTH_TOKEN`, or the single-user mode of a loopback install without passwords). Every
/// per-user read and write takes one, so the domain never guesses whose state it touches.
public struct Principal: Sendable, Equatable {
    public let userId: Int64
    public let name: String
    public let role: UserRole

    public init(userId: Int64, name: String, role: UserRole) {
        self.userId = userId
        self.name = name
        self.role = role
    }

    public var isAdmin: Bool { role == .admin }

    /// The owner account the migration creates (user 1): `AUTH_TOKEN` and the single-user mode
    /// act as it.
    public static let ownerId: Int64 = 1
}
