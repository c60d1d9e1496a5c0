/// Who may receive a broadcast. The hub sends each message only to the sessions whose
/// ``WebSocketViewer`` it includes, so one household member never sees another's likes and a
/// listener never sees the download queue (the events say which audience they are for; the
/// hub only matches).
public enum WebSocketAudience: Sendable, Hashable {
    case everyone
    case admins
    case user(Int64)

    /// Whether `viewer` receives messages meant for this audience.
    public func includes(_ viewer: WebSocketViewer) -> Bool {
        switch self {
        case .everyone: true
        case .admins: viewer.isAdmin
        case .user(let id): viewer.userId == id
        }
    }
}

/// Who is on the other end of a session, as the server's authentication said at the upgrade.
/// A session keeps the identity it connected with: signing out closes nothing, but a new
/// session cookie needs a new connection (the web app reconnects on sign-in).
public struct WebSocketViewer: Sendable, Hashable {
    public var userId: Int64?
    public var isAdmin: Bool

    public init(userId: Int64?, isAdmin: Bool) {
        self.userId = userId
        self.isAdmin = isAdmin
    }

    /// Sees every message: the hub's default when the server names no one (no accounts).
    public static let everything = WebSocketViewer(userId: nil, isAdmin: true)
}
