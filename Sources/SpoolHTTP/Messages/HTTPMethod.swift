import CLibEvent

/// The request methods Spool's routes can serve. Other tokens (TRACE, CONNECT, anything) reach
/// the router too and get a 405 naming the methods that are served.
public enum HTTPMethod: String, Sendable, CaseIterable {
    case GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH

    init?(command: evhttp_cmd_type) {
        switch command {
        case EVHTTP_REQ_GET: self = .GET
        case EVHTTP_REQ_HEAD: self = .HEAD
        case EVHTTP_REQ_POST: self = .POST
        case EVHTTP_REQ_PUT: self = .PUT
        case EVHTTP_REQ_DELETE: self = .DELETE
        case EVHTTP_REQ_OPTIONS: self = .OPTIONS
        case EVHTTP_REQ_PATCH: self = .PATCH
        default: return nil
        }
    }

    /// True for methods that change server state (and so need origin checks).
    public var isStateChanging: Bool {
        switch self {
        case .POST, .PUT, .DELETE, .PATCH: true
        default: false
        }
    }
}
