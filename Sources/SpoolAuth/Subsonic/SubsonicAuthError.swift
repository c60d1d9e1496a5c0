/// Why a Subsonic request is not authenticated, with its Subsonic error code.
///
/// The codes are those of the OpenSubsonic error table
/// (https://opensubsonic.netlify.app/docs/responses/error/): 10 required parameter missing,
/// 40 wrong username or password, 41 token authentication not supported, 42 provided
/// authentication mechanism not supported, 43 multiple conflicting authentication mechanisms
/// provided, 44 invalid API key. 42–44 come from the `apiKeyAuthentication` extension
/// (https://opensubsonic.netlify.app/docs/extensions/apikeyauth/). The response is the usual
/// `subsonic-response` with `status="failed"` and `error: {code, message}` (HTTP 200, as every
/// Subsonic server answers); a `helpUrl` may be added for 41 and 42, as the extension recommends.
public enum SubsonicAuthError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 10: no credentials at all, `t` without `s` or the reverse. `parameter` names what is missing.
    case missingParameter(String)
    /// 40: unknown user, no Subsonic password, or a token or password that does not match. One
    /// case and one message for all of them, so a refusal does not tell which user names exist.
    case wrongCredentials
    /// 40 as well: `p=enc:` followed by something other than hex digits.
    case malformedEncodedPassword
    /// 41: token authentication (`t`, `s`) is switched off on this server. The extension says a
    /// server that removes token authentication must answer 41.
    case tokenAuthenticationNotSupported
    /// 42: password authentication (`p`) is switched off on this server.
    case authenticationMechanismNotSupported
    /// 43: `apiKey` together with `u`, `p`, `t` or `s` ("passing in `u` must be treated as an
    /// error 43"), or `p` together with `t`/`s`. `parameters` lists what was sent.
    case conflictingMechanisms([String])
    /// 44: an `apiKey` that is not a live key (unknown, revoked, or too long to be one).
    case invalidAPIKey

    public var code: Int {
        switch self {
        case .missingParameter: 10
        case .wrongCredentials, .malformedEncodedPassword: 40
        case .tokenAuthenticationNotSupported: 41
        case .authenticationMechanismNotSupported: 42
        case .conflictingMechanisms: 43
        case .invalidAPIKey: 44
        }
    }

    public var message: String {
        switch self {
        case .missingParameter(let parameter):
            "Required parameter is missing: \(parameter)."
        case .wrongCredentials:
            "Wrong username or password. Subsonic apps sign in with the Subsonic password or an API key from Spool's settings, not with the account password."
        case .malformedEncodedPassword:
            "Wrong username or password: 'p=enc:' must be followed by the password's bytes as hex digits."
        case .tokenAuthenticationNotSupported:
            "Token authentication is not supported on this server: use an API key (apiKey=…)."
        case .authenticationMechanismNotSupported:
            "Password authentication is not supported on this server: use an API key (apiKey=…)."
        case .conflictingMechanisms(let parameters):
            "Multiple conflicting authentication mechanisms provided: \(parameters.joined(separator: ", ")). Send either apiKey alone, or u with p, or u with t and s."
        case .invalidAPIKey:
            "Invalid API key."
        }
    }

    public var description: String { "Subsonic error \(code): \(message)" }
}
