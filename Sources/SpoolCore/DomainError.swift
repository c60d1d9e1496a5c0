/// What the domain refuses, by kind, so the HTTP face maps each kind to one status (404, 400,
/// 409, 503) in one place and every message names what is wrong.
public enum DomainError: Error, Equatable, CustomStringConvertible {
    /// The thing asked for does not exist.
    case notFound(String)
    /// A value the user gave is not acceptable; `field` names it (`url`, `value`, `events[3]`).
    case invalid(field: String, String)
    /// The request makes no sense in the current state (retry a completed job).
    case conflict(String)
    /// Spool cannot do it right now for a reason outside the request (a read-only library
    /// folder, a full disk); nothing was changed.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let message), .conflict(let message), .unavailable(let message): message
        case .invalid(let field, let message): "\(field): \(message)"
        }
    }
}
