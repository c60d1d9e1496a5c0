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

/// What a connecting client is sent before the broadcasts: the events it missed, and the
/// number of the last event they cover (broadcasts numbered up to it are then skipped, so an
/// event is never sent twice nor lost between the replay and the live broadcasts).
public struct WebSocketReplay: Sendable {
    public var messages: [String]
    /// The sequence number the replay covers through; nil when the client asked for none.
    public var through: Int64?

    public init(messages: [String], through: Int64?) {
        self.messages = messages
        self.through = through
    }

    public static let none = WebSocketReplay(messages: [], through: nil)
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

    /// A client the server did not identify (a hub without an `identify` closure): it sees what
    /// an admin sees, and no user's own events.
    public static let unidentified = WebSocketViewer(userId: nil, isAdmin: true)
}
