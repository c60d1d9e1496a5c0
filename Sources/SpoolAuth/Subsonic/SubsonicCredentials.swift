/// The credentials of one Subsonic request, read from its parameters (query string or form body).
///
/// Per the OpenSubsonic API reference (https://opensubsonic.netlify.app/docs/api-reference/):
/// - `u` with `p`: the password in clear text or as `enc:` + its bytes in hex (`enc:736573616d65`
///   is "sesame");
/// - `u` with `t` and `s`: `t = md5(password + salt)` in lower-case hex, a fresh salt `s` per
///   request (password "sesame", salt "c19b2d" → t=26719a1196d2a940705a59634eb18eab);
/// - `apiKey` alone (`apiKeyAuthentication` extension): "If `apiKey` is specified, then none of
///   `p`, `t`, `s`, nor `u` can be specified". The reference's own example URL sends `u` with
///   `apiKey`; the extension is normative and says that is error 43, so it is.
///
/// An empty parameter counts as absent: `u=&p=x` lacks a user name.
public enum SubsonicCredentials: Sendable, Hashable {
    case apiKey(String)
    case token(username: String, token: String, salt: String)
    /// `password` is the decoded bytes of `p` (`enc:` is not necessarily UTF-8).
    case password(username: String, password: [UInt8])

    /// The longest credential parameter examined. The extension bounds API keys at 2,048
    /// URL-encoded characters; nothing legitimate is longer, and a longer value is refused before
    /// any lookup or hashing.
    public static let maximumParameterBytes = 2048

    public var username: String? {
        switch self {
        case .apiKey: nil
        case .token(let username, _, _), .password(let username, _): username
        }
    }

    /// Reads `apiKey`, `u`, `p`, `t` and `s` through `parameter`, which returns a parameter's
    /// value or nil when the request has none. Only the syntax is checked here; whether the
    /// credentials are right is `SubsonicAuthenticator`'s question.
    public static func parse(_ parameter: (String) -> String?) throws(SubsonicAuthError) -> SubsonicCredentials {
        func value(_ name: String) -> String? {
            guard let value = parameter(name), !value.isEmpty else { return nil }
            return value
        }
        let apiKey = value("apiKey"), username = value("u"), password = value("p"), token = value("t"), salt = value("s")

        if let apiKey {
            let others = [("u", username), ("p", password), ("t", token), ("s", salt)].compactMap { $0.1 == nil ? nil : $0.0 }
            guard others.isEmpty else { throw .conflictingMechanisms(["apiKey"] + others) }
            guard apiKey.utf8.count <= maximumParameterBytes else { throw .invalidAPIKey }
            return .apiKey(apiKey)
        }
        guard let username else {
            throw .missingParameter(password == nil && token == nil && salt == nil ? "'u' with 'p' or with 't' and 's', or 'apiKey'" : "'u'")
        }
        if let password {
            let others = [("t", token), ("s", salt)].compactMap { $0.1 == nil ? nil : $0.0 }
            guard others.isEmpty else { throw .conflictingMechanisms(["p"] + others) }
            guard username.utf8.count <= maximumParameterBytes, password.utf8.count <= maximumParameterBytes else {
                throw .wrongCredentials
            }
            return .password(username: username, password: try decodePassword(password))
        }
        guard let token, let salt else {
            throw .missingParameter(token == nil && salt == nil ? "'p', or 't' and 's'" : token == nil ? "'t'" : "'s'")
        }
        guard [username, token, salt].allSatisfy({ $0.utf8.count <= maximumParameterBytes }) else { throw .wrongCredentials }
        return .token(username: username, token: token, salt: salt)
    }

    /// Whether these token or password credentials match `subsonicPassword` (always false for an
    /// API key), compared in constant time.
    public func matches(subsonicPassword: String) -> Bool {
        switch self {
        case .apiKey:
            return false
        case .password(_, let password):
            return ConstantTime.equals(password, Array(subsonicPassword.utf8))
        case .token(_, let token, let salt):
            let expected = Array(Hex.encode(Digest.md5(Array(subsonicPassword.utf8) + Array(salt.utf8))).utf8)
            // The reference asks for lower-case hex; upper case from a lax client is the same token.
            let given = token.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") ? $0 + 32 : $0 }
            return ConstantTime.equals(given, expected)
        }
    }

    private static func decodePassword(_ value: String) throws(SubsonicAuthError) -> [UInt8] {
        guard value.hasPrefix("enc:") else { return Array(value.utf8) }
        guard let bytes = Hex.decode(value.dropFirst(4)), !bytes.isEmpty else { throw .malformedEncodedPassword }
        return bytes
    }
}
