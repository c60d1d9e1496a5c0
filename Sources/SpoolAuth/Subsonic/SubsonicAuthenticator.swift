/// The `/rest/*` credential check: parameters in, an account or a Subsonic error out.
///
/// The database stays with the caller, behind two lookups:
/// - `account(username)`: the account with that name and its Subsonic password, opened from its
///   sealed form (`SecretBox.openText`), or nil for no such account;
/// - `apiKeyOwner(digest)`: the account owning the live API key with that SHA-256, or nil.
///
/// Mechanisms (OpenSubsonic API reference, `apiKeyAuthentication` extension):
/// - `apiKey` → SHA-256 → owner, else 44;
/// - `u` + `t` + `s` → `md5(subsonicPassword + s)` compared with `t`, else 40;
/// - `u` + `p` → `p` compared with the Subsonic password; or, when `p` has the shape of an API
///   key (`spool_…`), that key's owner must be `u` — for apps that speak only `u`/`p` — else 40.
///
/// Never the account password: it exists only as an Argon2id hash, and checking one costs
/// 64 MiB and ~0.2 s, which Subsonic apps — re-authenticating on every request, dozens a minute
/// while browsing — would multiply.
///
/// Lookup errors (the database) are rethrown; answer them as error 0, never as 40.
public struct SubsonicAuthenticator<Account: Sendable & Equatable>: Sendable {
    /// Which mechanisms the server accepts. All three by default: most Subsonic apps (DSub,
    /// Ultrasonic, play:Sub, Symfonium) still send `t`/`s`. The extension recommends dropping
    /// token authentication once keys are available; a server that does answers 41 (token) and
    /// 42 (password) as it requires.
    public struct Policy: Sendable, Hashable {
        public var allowsTokenAuthentication: Bool
        public var allowsPasswordAuthentication: Bool

        public init(allowsTokenAuthentication: Bool = true, allowsPasswordAuthentication: Bool = true) {
            self.allowsTokenAuthentication = allowsTokenAuthentication
            self.allowsPasswordAuthentication = allowsPasswordAuthentication
        }
    }

    /// An account as the check needs it: who, and their Subsonic password if they made one.
    public struct SubsonicAccount: Sendable {
        public var account: Account
        public var subsonicPassword: String?

        public init(account: Account, subsonicPassword: String?) {
            self.account = account
            self.subsonicPassword = subsonicPassword
        }
    }

    public let policy: Policy
    private let account: @Sendable (_ username: String) throws -> SubsonicAccount?
    private let apiKeyOwner: @Sendable (_ digest: TokenDigest) throws -> Account?

    public init(
        policy: Policy = Policy(),
        account: @escaping @Sendable (_ username: String) throws -> SubsonicAccount?,
        apiKeyOwner: @escaping @Sendable (_ digest: TokenDigest) throws -> Account?
    ) {
        self.policy = policy
        self.account = account
        self.apiKeyOwner = apiKeyOwner
    }

    /// Parses the request's credentials (`parameter` returns a parameter's value or nil) and
    /// checks them.
    public func authenticate(_ parameter: (String) -> String?) throws -> Result<SubsonicAuthentication<Account>, SubsonicAuthError> {
        let credentials: SubsonicCredentials
        do {
            credentials = try SubsonicCredentials.parse(parameter)
        } catch {
            return .failure(error)
        }
        return try authenticate(credentials)
    }

    public func authenticate(_ credentials: SubsonicCredentials) throws -> Result<SubsonicAuthentication<Account>, SubsonicAuthError> {
        switch credentials {
        case .apiKey(let key):
            guard let owner = try apiKeyOwner(TokenDigest(of: key)) else { return .failure(.invalidAPIKey) }
            return .success(SubsonicAuthentication(account: owner, mechanism: .apiKey))

        case .token(let username, _, _):
            guard policy.allowsTokenAuthentication else { return .failure(.tokenAuthenticationNotSupported) }
            return try checkSubsonicPassword(credentials, username: username, mechanism: .token)

        case .password(let username, let password):
            guard policy.allowsPasswordAuthentication else { return .failure(.authenticationMechanismNotSupported) }
            if let key = String(validating: password, as: UTF8.self), Secrets.isWellFormedAPIKey(key) {
                return try checkAPIKeyAsPassword(key, username: username)
            }
            return try checkSubsonicPassword(credentials, username: username, mechanism: .password)
        }
    }

    private func checkSubsonicPassword(
        _ credentials: SubsonicCredentials, username: String, mechanism: SubsonicAuthMechanism
    ) throws -> Result<SubsonicAuthentication<Account>, SubsonicAuthError> {
        guard let found = try account(username), let password = found.subsonicPassword,
              credentials.matches(subsonicPassword: password)
        else { return .failure(.wrongCredentials) }
        return .success(SubsonicAuthentication(account: found.account, mechanism: mechanism))
    }

    /// `u=alice&p=spool_…`: the key must be live and belong to alice; a key of another user is
    /// refused like a wrong password.
    private func checkAPIKeyAsPassword(_ key: String, username: String) throws -> Result<SubsonicAuthentication<Account>, SubsonicAuthError> {
        guard let owner = try apiKeyOwner(TokenDigest(of: key)), let named = try account(username), named.account == owner else {
            return .failure(.wrongCredentials)
        }
        return .success(SubsonicAuthentication(account: owner, mechanism: .apiKeyAsPassword))
    }
}

/// A request that passed: whose it is and how it signed in (for logs and metrics).
public struct SubsonicAuthentication<Account: Sendable>: Sendable {
    public let account: Account
    public let mechanism: SubsonicAuthMechanism

    public init(account: Account, mechanism: SubsonicAuthMechanism) {
        self.account = account
        self.mechanism = mechanism
    }
}

extension SubsonicAuthentication: Equatable where Account: Equatable {}

public enum SubsonicAuthMechanism: String, Sendable, Hashable {
    case apiKey, token, password, apiKeyAsPassword
}
