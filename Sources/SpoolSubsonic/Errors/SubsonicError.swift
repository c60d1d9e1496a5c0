/// The error codes of the Subsonic API and of OpenSubsonic (41–44), as clients map them to
/// exceptions: py-opensonic raises `ParameterError` for 10, `CredentialError` for 40 and
/// `DataNotFoundError` for 70, so the number matters more than the message.
public enum SubsonicErrorCode: Int, Sendable, Hashable, CaseIterable {
    case generic = 0
    case missingParameter = 10
    case clientMustUpgrade = 20
    case serverMustUpgrade = 30
    case wrongCredentials = 40
    case tokenAuthenticationNotSupported = 41
    case authenticationMechanismNotSupported = 42
    case conflictingAuthenticationMechanisms = 43
    case invalidAPIKey = 44
    case notAuthorized = 50
    case trialExpired = 60
    case notFound = 70

    /// The spec's wording for the code, used when a caller has nothing more precise to say.
    public var standardMessage: String {
        switch self {
        case .generic: "A generic error."
        case .missingParameter: "Required parameter is missing."
        case .clientMustUpgrade: "Incompatible Subsonic REST protocol version. Client must upgrade."
        case .serverMustUpgrade: "Incompatible Subsonic REST protocol version. Server must upgrade."
        case .wrongCredentials: "Wrong username or password."
        case .tokenAuthenticationNotSupported: "Token authentication not supported for LDAP users."
        case .authenticationMechanismNotSupported: "Provided authentication mechanism not supported."
        case .conflictingAuthenticationMechanisms: "Multiple conflicting authentication mechanisms provided."
        case .invalidAPIKey: "Invalid API key."
        case .notAuthorized: "User is not authorized for the given operation."
        case .trialExpired: "The trial period for the Subsonic server is over."
        case .notFound: "The requested data was not found."
        }
    }
}

/// A failed Subsonic call: rendered as `<error code=".." message=".."/>` inside a
/// `status="failed"` envelope, never as an HTTP error page, because every Subsonic client reads
/// the failure from the body (py-opensonic calls `raise_for_status()` first, so a 4xx/5xx would
/// lose the code).
public struct SubsonicError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: SubsonicErrorCode
    /// Always present: py-opensonic reads `error['message']` unconditionally.
    public var message: String
    /// OpenSubsonic's `helpUrl`: where a user learns how to fix it (e.g. how to get an API key).
    public var helpURL: String?

    public init(_ code: SubsonicErrorCode, _ message: String? = nil, helpURL: String? = nil) {
        self.code = code
        self.message = message ?? code.standardMessage
        self.helpURL = helpURL
    }

    public var description: String { "Subsonic error \(code.rawValue): \(message)" }

    /// Code 10 naming the parameter, so a user reading a client's error dialog knows what to send.
    public static func missingParameter(_ name: String) -> SubsonicError {
        SubsonicError(.missingParameter, "Required parameter '\(name)' is missing.")
    }

    /// Code 0 naming the parameter and what was expected; Subsonic has no "bad value" code.
    public static func invalidParameter(_ name: String, _ expectation: String) -> SubsonicError {
        SubsonicError(.generic, "Invalid value for parameter '\(name)': \(expectation).")
    }

    /// Code 70 for an id that names nothing (the "unknown id → 70").
    public static func notFound(_ what: String) -> SubsonicError {
        SubsonicError(.notFound, "\(what) not found.")
    }
}
