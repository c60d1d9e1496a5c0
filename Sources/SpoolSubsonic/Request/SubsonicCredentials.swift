/// The credentials a call carries, parsed but not checked: checking them against stored secrets
/// is the authentication layer's job. Parsing enforces OpenSubsonic's rules on which parameters
/// may appear together, so every checker sees one unambiguous mechanism.
public enum SubsonicCredentials: Sendable, Hashable {
    /// OpenSubsonic `apiKeyAuthentication`: `apiKey` alone.
    case apiKey(String)
    /// Subsonic 1.13+: `u`, `t` = md5(password + salt) in lower-case hex, and `s` the salt.
    case token(username: String, token: String, salt: String)
    /// Subsonic before 1.13: `u` and `p`, with an `enc:` hex prefix already decoded.
    case password(username: String, password: String)

    /// The user named by the credentials; an API key names its user only once it is looked up.
    public var username: String? {
        switch self {
        case .apiKey: nil
        case .token(let username, _, _), .password(let username, _): username
        }
    }

    /// Reads `apiKey`, `u`, `p`, `t` and `s`.
    ///
    /// - `apiKey` with any of `u`, `p`, `t`, `s` → code 43 (the spec says `u` beside an API key
    ///   "must be treated as an error 43").
    /// - `p` together with `t`/`s` → code 43.
    /// - no `apiKey` and no `u` → code 10 naming `u`; `u` with neither `p` nor `t` → code 10
    ///   naming `t`; `t` without `s` (or `s` without `t`) → code 10 naming the other.
    /// - `p=enc:` followed by anything but an even number of hex digits, or hex that is not
    ///   UTF-8 → code 0 naming `p`.
    public static func parse(_ parameters: SubsonicParameters) throws(SubsonicError) -> SubsonicCredentials {
        let apiKey = parameters.optionalString("apiKey")
        let username = parameters.optionalString("u")
        let password = parameters.optionalString("p")
        let token = parameters.optionalString("t")
        let salt = parameters.optionalString("s")

        if let apiKey {
            guard username == nil, password == nil, token == nil, salt == nil else {
                throw SubsonicError(.conflictingAuthenticationMechanisms,
                                    "Multiple conflicting authentication mechanisms provided: apiKey must be sent without u, p, t or s.")
            }
            return .apiKey(apiKey)
        }
        guard let username else { throw .missingParameter("u") }
        if let password {
            guard token == nil, salt == nil else {
                throw SubsonicError(.conflictingAuthenticationMechanisms,
                                    "Multiple conflicting authentication mechanisms provided: send either p or t and s.")
            }
            return .password(username: username, password: try decodePassword(password))
        }
        switch (token, salt) {
        case let (token?, salt?): return .token(username: username, token: token, salt: salt)
        case (nil, nil): throw .missingParameter("t")
        case (nil, _?): throw .missingParameter("t")
        case (_?, nil): throw .missingParameter("s")
        }
    }

    /// `enc:736573616d65` → `sesame`; anything without the prefix is the password itself.
    static func decodePassword(_ text: String) throws(SubsonicError) -> String {
        guard text.hasPrefix("enc:") else { return text }
        let hex = Array(text.utf8.dropFirst(4))
        guard hex.count % 2 == 0 else {
            throw .invalidParameter("p", "'enc:' must be followed by an even number of hex digits")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = 0
        while index < hex.count {
            guard let high = FormURLDecoding.hexValue(hex[index]), let low = FormURLDecoding.hexValue(hex[index + 1]) else {
                throw .invalidParameter("p", "'enc:' must be followed by hex digits only")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidParameter("p", "the hex after 'enc:' is not UTF-8 text")
        }
        return decoded
    }
}
