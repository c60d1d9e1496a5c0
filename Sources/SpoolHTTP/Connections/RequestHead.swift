/// A request's head as the framer read it off the wire: method, target, version and fields,
/// and how its body is delimited. Everything the server decides before reading a body is
/// decided from this.
struct RequestHead: Sendable {
    enum Version: Sendable, Equatable {
        case http10, http11
    }

    /// How the body that follows the head is delimited.
    enum BodyFraming: Sendable, Equatable {
        case none
        case length(Int)
        case chunked
    }

    /// The method token as sent (`GET`, `TRACE`, `FOO`…): unknown methods still get a 405.
    let method: String
    /// The origin-form target, e.g. `/api/tracks?limit=5`.
    let target: String
    let version: Version
    let headers: HTTPHeaders
    let bodyFraming: BodyFraming
    /// A body on a method evhttp reads without one (HEAD, TRACE, any unknown token): evhttp would
    /// take the body for the next request, a proxy would not. Never read; the connection closes.
    let bodyIsAmbiguous: Bool

    /// Whether a body follows the head.
    var hasBody: Bool {
        switch bodyFraming {
        case .none, .length(0): false
        default: true
        }
    }

    /// The declared length, or nil for no body and chunked bodies.
    var declaredLength: Int? {
        if case .length(let length) = bodyFraming { return length }
        return nil
    }
}

/// A request the framer refuses to pass on: ambiguous framing, bad syntax, a head or body
/// over its limit. The connection is answered with `status` and closed, because after a
/// framing error nobody can say where the next request would begin.
struct HTTPFramingError: Error, Equatable, CustomStringConvertible {
    let status: Int
    let code: String
    let message: String

    static func malformed(_ message: String) -> HTTPFramingError {
        HTTPFramingError(status: 400, code: "bad_request", message: message)
    }

    var httpError: HTTPError { HTTPError(status: status, code: code, message: message) }
    var description: String { "\(status) \(code): \(message)" }
}
