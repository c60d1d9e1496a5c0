/// The storage form of a session id or API key: its SHA-256 (32 bytes; `hex` is 64 characters).
///
/// Why a digest: whoever reads the database (a backup, a stolen disk, a bug report) must not be
/// able to sign in with what they read; a digest cannot be presented as a token.
///
/// Why a fast hash and not Argon2: Argon2's cost protects low-entropy secrets people choose,
/// whose guesses an attacker enumerates from a dictionary. A 256-bit random token has no
/// dictionary; 2^255 guesses stay 2^255 guesses whether each costs 1 ns or 100 ms. A slow hash
/// would buy nothing and cost 64 MiB and ~0.2 s on *every request* (each request carries its
/// token), and its salt would make the lookup by token impossible: the digest is deterministic,
/// so `WHERE digest = ?` on a unique index finds the row.
///
/// That lookup is not constant-time, and need not be: its timing can at most reveal bits of a
/// digest, and a digest cannot be turned back into a token nor presented as one. Use
/// `matches(_:)` where a token is compared with one known digest (for example `AUTH_TOKEN`).
public struct TokenDigest: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(of token: String) {
        bytes = Digest.sha256(token)
    }

    /// A digest read back from storage (32 bytes), or nil.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Digest.sha256ByteCount else { return nil }
        self.bytes = bytes
    }

    /// A digest read back from storage (64 hex digits), or nil.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == Digest.sha256ByteCount else { return nil }
        self.bytes = bytes
    }

    /// 64 lower-case hex digits, for a TEXT column.
    public var hex: String { Hex.encode(bytes) }

    /// Whether `token` is the token of this digest, in constant time.
    public func matches(_ token: String) -> Bool {
        ConstantTime.equals(Digest.sha256(token), bytes)
    }

    /// Only a prefix: digests end up in log lines, where the whole value has no use.
    public var description: String { "TokenDigest(\(hex.prefix(12))…)" }
}
