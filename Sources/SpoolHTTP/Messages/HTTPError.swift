/// An error a handler throws to answer with a status and the JSON error shape
/// `{"error": {"code": "...", "message": "..."}}`.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var message: String
    /// Extra headers, e.g. `Allow` for a 405.
    public var headers: [String: String]
    /// Ties a 500 to its log line (`request_id` in both); nil for errors the client can act on.
    public var requestId: String?

    public init(status: Int, code: String, message: String, headers: [String: String] = [:], requestId: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.requestId = requestId
    }

    /// What a client learns of a failure inside the server: nothing but the id under which the
    /// details were logged. SQLite messages, paths and error descriptions stay in the log.
    public static func internalError(requestId: String) -> HTTPError {
        HTTPError(status: 500, code: "internal_error", message: "internal error",
                  headers: ["X-Request-Id": requestId], requestId: requestId)
    }

    public static func badRequest(_ message: String, code: String = "bad_request") -> HTTPError {
        HTTPError(status: 400, code: code, message: message)
    }

    public static func notFound(_ message: String) -> HTTPError {
        HTTPError(status: 404, code: "not_found", message: message)
    }

    public static func conflict(_ message: String) -> HTTPError {
        HTTPError(status: 409, code: "conflict", message: message)
    }

    public static func payloadTooLarge(_ message: String) -> HTTPError {
        HTTPError(status: 413, code: "payload_too_large", message: message)
    }

    /// The error as a JSON response.
    public var response: HTTPResponse {
        struct Envelope: Encodable {
            struct Body: Encodable { let code: String; let message: String; let requestId: String? }
            let error: Body
        }
        var response = HTTPResponse.json(Envelope(error: .init(code: code, message: message, requestId: requestId)), status: status)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            response.headers.add(name, value)
        }
        return response
    }
}
