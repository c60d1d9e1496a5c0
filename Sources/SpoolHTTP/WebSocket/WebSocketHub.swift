import CLibEvent
import Foundation
import Synchronization

/// The server side of a one-way live feed over WebSocket: upgrades requests on the loop,
/// keeps the sessions, broadcasts text messages to all of them, and pings them. Knows nothing
/// of what the messages mean.
public final class WebSocketHub: @unchecked Sendable {
    /// Messages a new client receives first (a replay of what it missed), from its query.
    public typealias Greeting = @Sendable (_ query: [String: String]) -> [String]

    public let path: String
    let originPolicy: OriginPolicy
    let maximumQueue: Int
    let pingSeconds: Double
    private let greeting: Greeting
    private var loop: EventLoop?
    // Loop only.
    private var sessions: [Int: WebSocketSession] = [:]
    private var nextId = 0
    private var closingAll = false
    // Any thread.
    private let counters = Mutex((clients: 0, dropped: 0, sent: 0))

    public init(path: String = "/ws", allowedOrigins: [String] = [], maximumQueue: Int = 2048, pingSeconds: Double = 30,
                greeting: @escaping Greeting = { _ in [] }) {
        self.path = path
        self.originPolicy = OriginPolicy(allowedOrigins: allowedOrigins)
        self.maximumQueue = maximumQueue
        self.pingSeconds = pingSeconds
        self.greeting = greeting
    }

    /// Connected clients, clients dropped for being too slow, messages handed to sockets.
    public var statistics: (clients: Int, dropped: Int, sent: Int) { counters.withLock { $0 } }

    /// Sends `text` to every client; `key` coalesces queued messages (e.g. a job's progress).
    /// Safe from any thread.
    public func broadcast(_ text: String, coalescingKey key: String? = nil) {
        guard let loop else { return }
        let frame = WebSocketFrameEncoder.textFrame(text)
        loop.execute { [self] in
            for session in sessions.values { session.send(frame, key: key) }
            counters.withLock { $0.sent += sessions.count }
        }
    }

    // MARK: - Loop thread

    func attach(to loop: EventLoop) {
        self.loop = loop
        schedulePing()
    }

    private func schedulePing() {
        loop?.schedule(after: pingSeconds) { [self] in
            guard !closingAll else { return }
            for session in sessions.values { session.ping() }
            schedulePing()
        }
    }

    /// Completes the upgrade of `request`, or answers it with the handshake's error.
    func upgrade(_ request: OpaquePointer, method: HTTPMethod, headers: HTTPHeaders, query: [String: String]) -> Int {
        var fields: [String: String] = [:]
        for (name, value) in headers {
            fields[name] = fields[name].map { "\($0), \(value)" } ?? value
        }
        if closingAll {
            let response = HTTPError(status: 503, code: "busy", message: "The server is shutting down.").response
            send(response, to: request)
            return response.status
        }
        let accept: [String: String]
        do throws(WebSocketHandshakeRejection) {
            accept = try WebSocketHandshake.acceptUpgrade(method: method.rawValue, headers: fields, originPolicy: originPolicy)
        } catch {
            var response = HTTPError(status: error.status, code: error.status == 403 ? "forbidden" : "bad_request",
                                     message: error.message).response
            for (name, value) in error.responseHeaders { response.headers.add(name, value) }
            send(response, to: request)
            return response.status
        }
        let output = evhttp_request_get_output_headers(request)
        for (name, value) in accept.sorted(by: { $0.key < $1.key }) { evhttp_add_header(output, name, value) }
        evhttp_send_reply_start(request, 101, "Switching Protocols")
        guard let connection = evhttp_request_get_connection(request),
              let bufferEvent = evhttp_connection_get_bufferevent(connection) else { return 500 }
        nextId += 1
        let session = WebSocketSession(id: nextId, connection: connection, bufferEvent: bufferEvent, hub: self,
                                       maximumQueue: maximumQueue, maximumMessageSize: 64 * 1024)
        sessions[nextId] = session
        counters.withLock { $0.clients = sessions.count }
        session.attach()
        for message in greeting(query) where !session.isClosing {
            session.send(WebSocketFrameEncoder.textFrame(message), key: nil)
        }
        return 101
    }

    func sessionDidClose(_ id: Int) {
        sessions.removeValue(forKey: id)
        counters.withLock { $0.clients = sessions.count }
    }

    func noteDropped() {
        counters.withLock { $0.dropped += 1 }
    }

    /// Graceful shutdown: every client gets 1001 Going Away.
    func closeAll() {
        closingAll = true
        for session in Array(sessions.values) { session.close(code: .goingAway, reason: "Server shutting down") }
    }

    private func send(_ response: HTTPResponse, to request: OpaquePointer) {
        let headers = evhttp_request_get_output_headers(request)
        for (name, value) in response.headers { evhttp_add_header(headers, name, value) }
        let buffer = evbuffer_new()
        if case .bytes(let bytes) = response.body {
            bytes.withUnsafeBytes { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
        }
        evhttp_send_reply(request, Int32(response.status), nil, buffer)
        evbuffer_free(buffer)
    }
}
