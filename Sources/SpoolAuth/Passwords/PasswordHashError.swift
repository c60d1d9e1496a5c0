/// Why a password could not be hashed or checked. The messages are fit for a log line or, for
/// the two password cases, for the 400 a sign-in form shows; none contains the password or hash.
public enum PasswordHashError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An empty password: refused outright, never hashed.
    case emptyPassword
    /// Longer than `PasswordHasher.maximumPasswordBytes` in UTF-8.
    case passwordTooLong(byteCount: Int, limit: Int)
    /// The stored string is not a PHC string of Argon2id (a damaged or foreign database value).
    case malformedHash(reason: String)
    /// A PHC string of another algorithm (`argon2i`, `argon2d`, `bcrypt`, …).
    case unsupportedAlgorithm(String)
    /// An Argon2id string of a version other than 19 (0x13, the one RFC 9106 defines).
    case unsupportedVersion(String)
    /// Parameters outside what this server computes (stored) or accepts as settings (new).
    case parametersOutOfRange(reason: String)
    /// libargon2 refused (for example it could not allocate the memory).
    case argon2Failed(code: Int32, message: String)

    public var description: String {
        switch self {
        case .emptyPassword: "the password is empty"
        case .passwordTooLong(let count, let limit): "the password is \(count) bytes long; at most \(limit) bytes (UTF-8) are accepted"
        case .malformedHash(let reason): "the stored password hash is not an Argon2id PHC string: \(reason)"
        case .unsupportedAlgorithm(let name): "the stored password hash uses '\(name)'; only argon2id is supported"
        case .unsupportedVersion(let version): "the stored password hash has Argon2 version '\(version)'; only v=19 is supported"
        case .parametersOutOfRange(let reason): "Argon2id parameters out of range: \(reason)"
        case .argon2Failed(let code, let message): "libargon2 failed (\(code)): \(message)"
        }
    }
}
