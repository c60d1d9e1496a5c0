/// Session ids and API keys: 32 random bytes each, in Base64url (43 characters).
///
/// - A session id goes in the session cookie as it is: only the browser ever sees it.
/// - An API key (for scripts, Subsonic clients, podcast feed URLs) is `spool_` + 43 characters.
///   It is shown to its owner once and then pasted into other programs, config files and URLs,
///   so the prefix says what it is: a user or a secret scanner (GitHub's, gitleaks, trufflehog)
///   recognises a leaked key by it; the server tells a key from a session id or the old
///   `AUTH_TOKEN` without a lookup; and a string without it is refused before any database work.
///
/// 32 bytes are 256 bits: guessing one live key among a million by sending requests is hopeless
/// at any request rate, which is what lets the storage form be a fast hash (`TokenDigest`).
public enum Secrets {
    public static let tokenByteCount = 32
    public static let apiKeyPrefix = "spool_"
    /// 43: the Base64url length of 32 bytes.
    public static let tokenTextLength = Base64.encodedLength(of: tokenByteCount)

    /// A new session id for the session cookie; store `TokenDigest(of:)` of it, never the id.
    public static func newSessionID() -> String {
        Base64.encode(RandomBytes.generate(tokenByteCount), alphabet: .url)
    }

    /// A new API key to show its owner once; store `TokenDigest(of:)` of it, never the key.
    public static func newAPIKey() -> String {
        apiKeyPrefix + Base64.encode(RandomBytes.generate(tokenByteCount), alphabet: .url)
    }

    /// Whether `text` has the shape of a session id (43 Base64url characters, canonical): a
    /// malformed cookie is refused without a database lookup.
    public static func isWellFormedSessionID(_ text: some StringProtocol) -> Bool {
        isWellFormedToken(Substring(text))
    }

    /// Whether `text` has the shape of an API key (`spool_` and a well-formed token).
    public static func isWellFormedAPIKey(_ text: some StringProtocol) -> Bool {
        let text = Substring(text)
        return text.hasPrefix(apiKeyPrefix) && isWellFormedToken(text.dropFirst(apiKeyPrefix.count))
    }

    private static func isWellFormedToken(_ text: Substring) -> Bool {
        text.utf8.count == tokenTextLength && Base64.decode(text, alphabet: .url)?.count == tokenByteCount
    }
}
