import Foundation

/// Account passwords: Argon2id (RFC 9106) through libargon2, stored as PHC strings
/// (`Argon2idHash`) that carry their own parameters.
///
/// At sign-in:
///
///     guard try hasher.verify(password, against: user.passwordHash) else { → 401 }
///     if try hasher.needsRehash(user.passwordHash) { store try hasher.hash(password) }
///
/// and for a user name that does not exist, `verifyUnknownAccount(password)`, which costs the
/// same, so the response time does not tell which names exist.
///
/// Each call takes about as long as the benchmark says (docs/features/accounts.md) and holds
/// `parameters.memoryKiB` of memory meanwhile: run it off the event loop, on a queue whose width
/// bounds the memory (2 at once on a 2-core server).
///
/// Passwords are Unicode-normalized (NFC) before hashing, so "é" typed as one code point on one
/// device and as "e" + combining accent on another is the same password (NIST SP 800-63B §5.1.1.2
/// asks for normalization). ASCII passwords are unchanged by it.
public struct PasswordHasher: Sendable {
    /// The longest password accepted, in UTF-8 bytes after normalization.
    ///
    /// Why there is a limit at all: Argon2 reads the password once, through BLAKE2b, so a long
    /// password costs little inside Argon2 itself (the benchmark measures 10 MB); the cost is
    /// everything around it — an attacker-chosen 10 MB field is buffered, normalized and copied on
    /// every sign-in attempt, at no cost to the attacker, on the route that must stay cheap while
    /// it is being guessed at. 1,024 bytes is eight times a password manager's longest password
    /// (128 characters) and leaves room for passphrases in any script.
    public static let maximumPasswordBytes = 1024

    public let parameters: Argon2Parameters

    /// A hasher with `parameters`; throws when this server would not compute them.
    public init(parameters: Argon2Parameters) throws(PasswordHashError) {
        try parameters.validate()
        self.parameters = parameters
    }

    /// The hasher with `Argon2Parameters.default`.
    public static let standard = PasswordHasher(validated: .default)

    private init(validated parameters: Argon2Parameters) {
        self.parameters = parameters
    }

    /// The PHC string of `password` with a fresh random salt and the current parameters.
    public func hash(_ password: String) throws(PasswordHashError) -> String {
        let bytes = try Self.normalizedBytes(password)
        let salt = RandomBytes.generate(parameters.saltLength)
        let tag = try Self.compute(bytes, salt: salt, parameters: parameters)
        return Argon2idHash(parameters: parameters, salt: salt, hash: tag).encoded
    }

    /// Whether `password` is the one `encoded` was made from, computed with the parameters stored
    /// in `encoded` (not the current ones) and compared in constant time.
    ///
    /// Throws for an empty or too long password (the caller answers 400) and for a stored value
    /// that is not a usable Argon2id hash (a server-side fault: log it, answer as for a wrong
    /// password).
    public func verify(_ password: String, against encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try Argon2idHash(parsing: encoded)
        let bytes = try Self.normalizedBytes(password)
        let tag = try Self.compute(bytes, salt: stored.salt, parameters: stored.parameters)
        return ConstantTime.equals(tag, stored.hash)
    }

    /// The same work as `verify` for a user name with no account, always false: one Argon2id
    /// with the current parameters, so a guesser cannot tell unknown names by a faster refusal.
    public func verifyUnknownAccount(_ password: String) throws(PasswordHashError) -> Bool {
        let bytes = try Self.normalizedBytes(password)
        _ = try Self.compute(bytes, salt: [UInt8](repeating: 0, count: parameters.saltLength), parameters: parameters)
        return false
    }

    /// Whether `encoded` was made with parameters other than the current ones, so the caller
    /// should store a new hash after the next successful `verify`. Any difference counts: a
    /// weaker stored hash (the reason this exists: parameters raised since) and a stronger one
    /// (parameters lowered because sign-in was too slow on a small machine) both converge on the
    /// setting.
    public func needsRehash(_ encoded: String) throws(PasswordHashError) -> Bool {
        try Argon2idHash(parsing: encoded).parameters != parameters
    }

    static func normalizedBytes(_ password: String) throws(PasswordHashError) -> [UInt8] {
        // Checked before normalizing too, so a 10 MB field is refused without being normalized.
        let rawCount = password.utf8.count
        guard rawCount <= maximumPasswordBytes else { throw .passwordTooLong(byteCount: rawCount, limit: maximumPasswordBytes) }
        let bytes = Array(password.precomposedStringWithCanonicalMapping.utf8)
        guard !bytes.isEmpty else { throw .emptyPassword }
        guard bytes.count <= maximumPasswordBytes else { throw .passwordTooLong(byteCount: bytes.count, limit: maximumPasswordBytes) }
        return bytes
    }

    private static func compute(_ password: [UInt8], salt: [UInt8], parameters: Argon2Parameters) throws(PasswordHashError) -> [UInt8] {
        try Argon2id.hash(
            password: password, salt: salt,
            memoryKiB: parameters.memoryKiB, iterations: parameters.iterations, parallelism: parameters.parallelism,
            tagLength: parameters.hashLength
        ).get()
    }
}
