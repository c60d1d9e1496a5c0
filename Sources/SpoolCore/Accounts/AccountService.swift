import Foundation
import GRDB
import Logging
import SpoolAuth
import SpoolStore

/// The household's accounts, and the only writer of `users` rows: names, roles, passwords
/// (Argon2id, parameters stored per hash and raised at the next sign-in), the owner's first
/// password, and removal. At least one admin with a password always remains once one exists.
///
/// ```swift
/// let user = try accounts.create(name: "sam", role: .listener, password: "correct horse")
/// let principal = try accounts.signIn(name: "sam", password: "correct horse")   // nil: refused
/// ```
public final class AccountService: Sendable {
    /// NIST SP 800-63B's floor for memorised secrets chosen by users.
    public static let minimumPasswordLength = 8
    public static let maximumNameLength = 64

    let database: SpoolDatabase
    let hasher: PasswordHasher
    private let logger: Logger
    /// Argon2id holds 64 MiB and a core for ~0.2 s: at most two run at once, so sign-ins can
    /// never take the machine (and a flood of guesses waits here, not on request threads of
    /// other users: the HTTP layer hands sign-ins to their own queue).
    private let hashing = DispatchSemaphore(value: 2)

    public init(database: SpoolDatabase, hasher: PasswordHasher = .standard, logger: Logger) {
        self.database = database
        self.hasher = hasher
        self.logger = logger
    }

    // MARK: - Reading

    public func users() throws -> [User] {
        try database.read { try User.order(Column("id")).fetchAll($0) }
    }

    public func user(_ id: Int64) throws -> User {
        guard let user = try database.read({ try User.fetchOne($0, key: id) }) else {
            throw DomainError.notFound("No user with id \(id).")
        }
        return user
    }

    public func user(named name: String) throws -> User? {
        try database.read { try User.filter(Column("name") == name).fetchOne($0) }
    }

    public func principal(of user: User) -> Principal {
        Principal(userId: user.id!, name: user.name, role: user.role)
    }

    /// True while no account can sign in: the owner (created by the migration) has no password
    /// yet. Spool then serves only the first-start page (or, on a loopback address, runs as
    /// the owner without a sign-in, as a single-user install always did).
    public func needsOwnerPassword() throws -> Bool {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE password_hash IS NOT NULL") == 0
        }
    }

    // MARK: - Writing

    /// Creates an account. The password is hashed before the write, outside any transaction.
    public func create(name: String, role: UserRole, password: String) throws -> User {
        let name = try Self.validName(name)
        let hash = try hashPassword(password)
        return try database.write { db in
            try ensureFreeName(name, except: nil, db)
            var user = User(name: name, role: role, passwordHash: hash)
            try user.insert(db)
            return user
        }
    }

    /// Sets a password (the user's own, or an admin's reset); every session of the user ends,
    /// so a stolen session does not outlive the change.
    public func setPassword(of id: Int64, to password: String) throws {
        let hash = try hashPassword(password)
        try database.write { db in
            guard var user = try User.fetchOne(db, key: id) else { throw DomainError.notFound("No user with id \(id).") }
            user.passwordHash = hash
            user.updatedAt = Date()
            try user.update(db)
            try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [id])
        }
    }

    /// Stores a user's Subsonic password as sealed by the server key (nil removes it); only
    /// `SubsonicPasswords` seals and opens it.
    func setSealedSubsonicPassword(of id: Int64, to sealed: Data?) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE users SET subsonic_password = ?, updated_at = ? WHERE id = ?",
                           arguments: [sealed, Date().timeIntervalSince1970, id])
            guard db.changesCount > 0 else { throw DomainError.notFound("No user with id \(id).") }
        }
    }

    /// Changes a name or a role. The last admin cannot become a listener.
    public func update(_ id: Int64, name: String?, role: UserRole?) throws -> User {
        let name = try name.map(Self.validName)
        return try database.write { db in
            guard var user = try User.fetchOne(db, key: id) else { throw DomainError.notFound("No user with id \(id).") }
            if let name {
                try ensureFreeName(name, except: id, db)
                user.name = name
            }
            if let role, role != user.role {
                if user.role == .admin { try ensureAnotherAdmin(besides: id, db) }
                user.role = role
            }
            user.updatedAt = Date()
            try user.update(db)
            return user
        }
    }

    /// Removes an account with its sessions, keys and listening state (the shared tracks stay).
    /// The last admin cannot be removed.
    public func remove(_ id: Int64) throws {
        try database.write { db in
            guard let user = try User.fetchOne(db, key: id) else { throw DomainError.notFound("No user with id \(id).") }
            if user.role == .admin { try ensureAnotherAdmin(besides: id, db) }
            try User.deleteOne(db, key: id)
        }
    }

    /// The first start: the owner account (user 1, created by the migration without a
    /// password) gets its name and password, once. Refused once any account has a password.
    public func claimOwner(name: String, password: String) throws -> User {
        let name = try Self.validName(name)
        let hash = try hashPassword(password)
        return try database.write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE password_hash IS NOT NULL") == 0 else {
                throw DomainError.conflict("Spool already has an account with a password; sign in instead.")
            }
            guard var owner = try User.fetchOne(db, key: Principal.ownerId) else {
                var user = User(name: name, role: .admin, passwordHash: hash)
                try user.insert(db)
                return user
            }
            try ensureFreeName(name, except: owner.id, db)
            owner.name = name
            owner.role = .admin
            owner.passwordHash = hash
            owner.updatedAt = Date()
            try owner.update(db)
            return owner
        }
    }

    // MARK: - Signing in

    /// The account of `name` if `password` is its password; nil otherwise. An unknown name
    /// costs the same Argon2id work, so the answer's timing does not tell which names exist. A
    /// hash with old parameters is replaced by one with the current parameters.
    public func signIn(name: String, password: String) throws -> Principal? {
        let user = try self.user(named: name)
        let verified: Bool = try withHashing {
            guard let hash = user?.passwordHash else {
                _ = try? hasher.verifyUnknownAccount(password)
                return false
            }
            return (try? hasher.verify(password, against: hash)) ?? false
        }
        guard verified, let user, let hash = user.passwordHash else { return nil }
        if (try? hasher.needsRehash(hash)) == true, let fresh = try? withHashing({ try hasher.hash(password) }) {
            try database.write { db in
                try db.execute(sql: "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?",
                               arguments: [fresh, Date().timeIntervalSince1970, user.id, hash])
            }
            logger.info("Raised the password hash's parameters", metadata: ["user": "\(user.id!)"])
        }
        return principal(of: user)
    }

    // MARK: - Rules

    /// A name: 1 to 64 characters after trimming, no control characters, no `/` (names appear
    /// in playlist file names and Subsonic URLs).
    static func validName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maximumNameLength).contains(name.count) else {
            throw DomainError.invalid(field: "name", "must be 1 to \(maximumNameLength) characters.")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" }) else {
            throw DomainError.invalid(field: "name", "must not contain control characters or \"/\".")
        }
        return name
    }

    private func hashPassword(_ password: String) throws -> String {
        guard password.count >= Self.minimumPasswordLength else {
            throw DomainError.invalid(field: "password", "must be at least \(Self.minimumPasswordLength) characters.")
        }
        guard password.utf8.count <= PasswordHasher.maximumPasswordBytes else {
            throw DomainError.invalid(field: "password", "must be at most \(PasswordHasher.maximumPasswordBytes) bytes.")
        }
        do {
            return try withHashing { try hasher.hash(password) }
        } catch let error as PasswordHashError {
            throw DomainError.invalid(field: "password", "\(error)")
        }
    }

    private func withHashing<T>(_ work: () throws -> T) throws -> T {
        hashing.wait()
        defer { hashing.signal() }
        return try work()
    }

    private func ensureFreeName(_ name: String, except id: Int64?, _ db: Database) throws {
        let taken = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE name = ?", arguments: [name])
        if let taken, taken != id { throw DomainError.conflict("The name '\(name)' is taken.") }
    }

    private func ensureAnotherAdmin(besides id: Int64, _ db: Database) throws {
        let others = try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE role = 'admin' AND id <> ?", arguments: [id]) ?? 0
        guard others > 0 else { throw DomainError.conflict("Spool needs at least one admin; make another user an admin first.") }
    }
}
