import CLibEvent

/// The request methods Spool's server accepts; anything else gets 501 from evhttp.
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

    /// The evhttp bit mask of every accepted method.
    static var allowedMask: UInt16 {
        UInt16(EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_HEAD.rawValue | EVHTTP_REQ_POST.rawValue
            | EVHTTP_REQ_PUT.rawValue | EVHTTP_REQ_DELETE.rawValue | EVHTTP_REQ_OPTIONS.rawValue
            | EVHTTP_REQ_PATCH.rawValue)
    }

    /// True for methods that change server state (and so need origin checks).
    public var isStateChanging: Bool {
        switch self {
        case .POST, .PUT, .DELETE, .PATCH: true
        default: false
        }
    }
}
