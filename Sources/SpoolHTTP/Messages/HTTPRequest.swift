import Foundation

/// A request as a handler sees it: copied out of evhttp on the loop thread, so it can travel
/// to the work queue.
public struct HTTPRequest: Sendable {
    public let method: HTTPMethod
    /// The percent-decoded path, e.g. `/api/jobs/12`.
    public let path: String
    /// The decoded query parameters (the last value wins for a repeated name).
    public let query: [String: String]
    /// The query string as sent (still percent-encoded, without `?`), for protocols that repeat
    /// names (Subsonic's `id=1&id=2`); nil when the URL has none.
    public let rawQuery: String?
    public let headers: HTTPHeaders
    /// The body; filled in once evhttp has read it (the head is decided on before that).
    public internal(set) var body: [UInt8]
    public let remoteAddress: String
    /// Values of the route pattern's `{name}` segments.
    public internal(set) var pathParameters: [String: String] = [:]
    /// The pattern that matched, e.g. `/api/jobs/{id}` (for metrics and logs).
    public internal(set) var routePattern: String?

    public init(
        method: HTTPMethod, path: String, query: [String: String] = [:], rawQuery: String? = nil,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], remoteAddress: String = ""
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The value of a path parameter, or a 400 naming it.
    public func parameter(_ name: String) throws -> String {
        guard let value = pathParameters[name] else {
            throw HTTPError.badRequest("Missing path parameter '\(name)'.")
        }
        return value
    }

    /// A path parameter that must be a positive integer id; anything else is a 404 (no such
    /// resource can exist) rather than a crash.
    public func idParameter(_ name: String = "id") throws -> Int64 {
        let text = try parameter(name)
        guard let value = Int64(text), value > 0 else {
            throw HTTPError.notFound("No resource with id '\(text)'.")
        }
        return value
    }

    /// Decodes the JSON body, turning decoding failures into a 400 with a readable message.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        guard !body.isEmpty else {
            throw HTTPError(status: 400, code: "invalid_json", message: "The request body is empty; a JSON object was expected.")
        }
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw HTTPError(status: 400, code: "invalid_json", message: JSONCoding.describe(error))
        } catch {
            throw HTTPError(status: 400, code: "invalid_json", message: "The request body is not valid JSON.")
        }
    }
}
