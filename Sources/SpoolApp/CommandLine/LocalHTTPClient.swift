import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Just enough HTTP/1.1 for the command line to talk to the Spool server on this machine
/// (`spool library import` while a server runs): one request per connection, a JSON body, the
/// bearer token, a time limit. Foundation's URLSession is not used because FoundationNetworking
/// links libcurl, which the statically linked container binary does not carry.
struct LocalHTTPClient {
    let host: String
    let port: Int
    let token: String?
    var timeoutSeconds = 30

    struct Response {
        let status: Int
        let body: Data

        func json() -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        }

        /// The message of Spool's error shape `{"error": {"code", "message"}}`, else the body.
        var errorMessage: String {
            if let error = json()?["error"] as? [String: Any], let message = error["message"] as? String { return message }
            return String(decoding: body.prefix(300), as: UTF8.self)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// Nothing listens on the port (the server is not running).
        var refused = false
    }

    func get(_ path: String) throws -> Response {
        try request("GET", path, body: nil)
    }

    func post(_ path: String, json: [String: Any]) throws -> Response {
        try request("POST", path, body: try JSONSerialization.data(withJSONObject: json))
    }

    func request(_ method: String, _ path: String, body: Data?) throws -> Response {
        let socket = try connect()
        defer { close(socket) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\n"
            + "Accept: application/json\r\nConnection: close\r\nUser-Agent: spool-cli\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = [UInt8](head.utf8)
        if let body { bytes += body }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "Sending to the server failed: \(String(cString: strerror(errno)))") }
            sent += count
        }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else {
                if errno == EINTR { continue }
                throw Failure(description: "The server did not answer within \(timeoutSeconds) s: \(String(cString: strerror(errno)))")
            }
            received += buffer[0..<count]
        }
        return try Self.parse(received)
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "Cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            let socket = Glibc.socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            if socket >= 0 {
                var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                if Glibc.connect(socket, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return socket }
                lastError = errno
                close(socket)
            }
            entry = current.pointee.ai_next
        }
        throw Failure(description: "Cannot connect to \(host):\(port): \(String(cString: strerror(lastError)))",
                      refused: lastError == ECONNREFUSED)
    }

    /// Status line, headers, and a body delimited by the connection's end, `Content-Length` or
    /// chunked transfer coding.
    static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else { throw Failure(description: "The server's answer is not HTTP.") }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw Failure(description: "The server's answer is not HTTP.")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), length <= body.count {
            body = Array(body.prefix(length))
        }
        return Response(status: status, body: Data(body))
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw Failure(description: "The server's chunked answer is malformed.")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard start + size <= bytes.count else { throw Failure(description: "The server's answer was cut short.") }
            result += bytes[start..<(start + size)]
            index = start + size + 2
        }
        return result
    }
}
