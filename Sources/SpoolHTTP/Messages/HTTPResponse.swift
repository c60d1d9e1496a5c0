import Foundation

/// What a handler answers; the loop thread turns it into an evhttp reply.
public struct HTTPResponse: Sendable {
    /// The body of a response.
    public enum Body: Sendable {
        case empty
        case bytes([UInt8])
        /// A range of an open file, sent with sendfile; the descriptor is closed after sending.
        case file(descriptor: Int32, offset: Int64, length: Int64)
        /// Bytes a producer makes while they are sent (chunked transfer encoding unless the
        /// headers carry a `Content-Length`); see `HTTPBodyStream`.
        case stream(HTTPBodyStream)
    }

    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body
    /// Seconds the loop waits before sending the response (a libevent timer; no thread waits).
    /// For answers that must be slow without costing anything, such as a wrong password.
    public var delay: Double = 0

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// This response, sent `seconds` later by the loop.
    public func delayed(by seconds: Double) -> HTTPResponse {
        var response = self
        response.delay = max(0, seconds)
        return response
    }

    /// The number of body bytes.
    public var bodyLength: Int64 {
        switch body {
        case .empty: 0
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, _, let length): length
        case .stream: 0
        }
    }

    /// A JSON response of an `Encodable` value; one that writes itself (`JSONWritable`) skips
    /// `JSONEncoder` (the same bytes at a fraction of the cost) unless `JSONCoding.writer` is off.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        if let writable = value as? any JSONWritable, JSONCoding.writer.load(ordering: .relaxed) {
            return jsonBytes(JSONWriter.encode(writable), status: status)
        }
        do {
            let data = try JSONCoding.encoder.encode(value)
            return jsonBytes(Array(data), status: status)
        } catch {
            // The server turns any 500 into the opaque internal error and logs this text.
            return .text("The response could not be encoded: \(error)", status: 500)
        }
    }

    /// A JSON response of already-encoded bytes.
    public static func jsonBytes(_ bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json; charset=utf-8")
        headers.add("Cache-Control", "no-store")
        return HTTPResponse(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A plain-text response.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", contentType)
        return HTTPResponse(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }

    /// Closes a file body that will not be sent (a HEAD request, a failed hand-off), and stops
    /// the producer of a stream.
    func discardBody() {
        switch body {
        case .file(let descriptor, _, _): close(descriptor)
        case .stream(let stream): stream.cancel()
        case .empty, .bytes: break
        }
    }
}
