/// Authenticated encryption of small secrets at rest: AES-256-GCM with a random 96-bit nonce per
/// seal, bound to a `context` the caller names (for example `"user/42"`).
///
/// What it is for: the Subsonic password, which the server must be able to read back because
/// Subsonic's token check is `md5(password + salt)` with a salt the client picks per request;
/// a one-way hash of it could never be checked. Get one from `ServerKey.secretBox(purpose:)`.
///
/// Sealed form (store it as a BLOB): `version (1 byte, 1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`,
/// 29 bytes more than the plaintext. The version byte and the context are authenticated too, so
/// a sealed value copied into another user's row (another context) does not open, and a changed
/// byte anywhere is refused rather than decrypted to garbage.
///
/// Random nonces are safe here: the 2^32 seals NIST SP 800-38D allows per key under random
/// nonces are about 4 billion password changes.
public struct SecretBox: Sendable {
    static let version: UInt8 = 1
    static let overhead = 1 + AES256GCM.nonceByteCount + AES256GCM.tagByteCount

    private let key: [UInt8]

    init(key: [UInt8]) {
        precondition(key.count == AES256GCM.keyByteCount, "a SecretBox key has 32 bytes")
        self.key = key
    }

    public func seal(_ plaintext: [UInt8], context: String) -> [UInt8] {
        let nonce = RandomBytes.generate(AES256GCM.nonceByteCount)
        let (ciphertext, tag) = AES256GCM.seal(key: key, nonce: nonce, plaintext: plaintext, associatedData: Self.associatedData(context))
        return [Self.version] + nonce + ciphertext + tag
    }

    public func seal(_ text: String, context: String) -> [UInt8] {
        seal(Array(text.utf8), context: context)
    }

    public func open(_ sealed: [UInt8], context: String) throws(SecretBoxError) -> [UInt8] {
        guard sealed.count >= Self.overhead else { throw .truncated(byteCount: sealed.count) }
        guard sealed[0] == Self.version else { throw .unknownVersion(sealed[0]) }
        let nonce = Array(sealed[1..<(1 + AES256GCM.nonceByteCount)])
        let ciphertext = Array(sealed[(1 + AES256GCM.nonceByteCount)..<(sealed.count - AES256GCM.tagByteCount)])
        let tag = Array(sealed.suffix(AES256GCM.tagByteCount))
        guard let plaintext = AES256GCM.open(key: key, nonce: nonce, ciphertext: ciphertext, tag: tag, associatedData: Self.associatedData(context)) else {
            throw .authenticationFailed
        }
        return plaintext
    }

    /// The sealed text, which must be UTF-8 (as `seal(_: String, context:)` wrote it).
    public func openText(_ sealed: [UInt8], context: String) throws(SecretBoxError) -> String {
        let bytes = try open(sealed, context: context)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notText }
        return text
    }

    private static func associatedData(_ context: String) -> [UInt8] {
        [version] + Array(context.utf8)
    }
}

public enum SecretBoxError: Error, Equatable, CustomStringConvertible {
    /// Shorter than the 29 bytes of version, nonce and tag.
    case truncated(byteCount: Int)
    /// Sealed by a format this build does not know.
    case unknownVersion(UInt8)
    /// Wrong server key (the key file was replaced), wrong context, or changed bytes.
    case authenticationFailed
    /// Opened, but not the UTF-8 text `openText` expects.
    case notText

    public var description: String {
        switch self {
        case .truncated(let count): "sealed secret is truncated (\(count) bytes, at least \(SecretBox.overhead) expected)"
        case .unknownVersion(let version): "sealed secret has unknown format version \(version)"
        case .authenticationFailed: "sealed secret does not open: the server key changed, it belongs to another record, or it was altered"
        case .notText: "sealed secret is not UTF-8 text"
        }
    }
}
