import Foundation
import Logging
import Synchronization
@testable import SpoolHTTP

/// Log lines captured from a server under test, with their metadata.
final class CapturedLog: Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])

    var all: [Line] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    fileprivate func append(_ line: Line) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append(Line(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// A server on a free loopback port, stopped by `stop()`.
func startServer(
    router: Router, log: CapturedLog = CapturedLog(), hub: WebSocketHub? = nil,
    configuration: HTTPServerConfiguration = HTTPServerConfiguration(port: 0),
    headFilter: (@Sendable (HTTPRequest) throws -> Void)? = nil,
    filter: (@Sendable (HTTPRequest) throws -> Void)? = nil
) throws -> HTTPServer {
    let server = try HTTPServer(configuration: configuration, router: router, logger: log.logger,
                                headFilter: headFilter, requestFilter: filter, webSocketHub: hub)
    try server.start()
    return server
}

extension HTTPServer {
    func stop() {
        shutdown()
        waitUntilStopped()
    }
}

/// A blocking TCP client that speaks raw bytes, for what a library client would not send.
final class RawClient {
    private let descriptor: Int32

    init(port: Int, timeout: Double = 5) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything until the server closes (or the timeout passes).
    func readAll() -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Everything until `marker` has arrived (or the server closes, or the timeout passes).
    func read(until marker: String) -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads at most `count` bytes of what has arrived.
    func read(atMost count: Int) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: count)
        let got = recv(descriptor, &chunk, count, 0)
        return got > 0 ? Array(chunk[0..<got]) : []
    }

    /// One response: its head and a body of `Content-Length` bytes.
    func readResponse() -> (head: String, body: String)? {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = String(text[..<end.lowerBound])
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                let bodyStart = received.count - text[end.upperBound...].utf8.count
                if received.count - bodyStart >= length {
                    return (head, String(decoding: received[bodyStart..<(bodyStart + length)], as: UTF8.self))
                }
            }
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            received += chunk[0..<count]
        }
    }
}
