import CLibEvent
import Foundation
import SpoolWebSocket
import Synchronization

/// The server side of a one-way live feed over WebSocket: upgrades requests on the loop,
/// keeps the sessions, broadcasts text messages to all of them, and pings them. Knows nothing
/// of what the messages mean.
public final class WebSocketHub: @unchecked Sendable {
    /// Messages a new client receives first (a replay of what it missed), from its query.
    public typealias Greeting = @Sendable (_ query: [String: String]) -> [String]

    public let path: String
    let originPolicy: OriginPolicy
    let pingSeconds: Double
    private let greeting: Greeting
    private var loop: EventLoop?
    // Loop only.
    private var sessions: [Int: WebSocketSession] = [:]
    /// Broadcasts not yet sent to every client; its capacity is how far (in bytes) a client may
    /// lag before it is dropped with 1008.
    private var log: BroadcastLog
    private var nextId = 0
    private var closingAll = false
    // Any thread.
    private let counters = Mutex((clients: 0, dropped: 0, sent: 0))

    /// - Parameter maximumLagBytes: how many bytes of broadcasts a client may leave unread
    ///   before it is dropped with 1008. 2.5 MiB by default, about 7,000 job events: a burst of
    ///   2,500 jobs (10,000 events, 3.7 MB) left clients that paused reading 1.5–2 MB behind,
    ///   and a browser reads as it goes. The log is held once for all clients: a silent client
    ///   costs its cursor and its socket's buffers (about 200 KiB), whatever this is.
    public init(path: String = "/ws", allowedOrigins: [String] = [], maximumLagBytes: Int = 5 << 19,
                pingSeconds: Double = 30, greeting: @escaping Greeting = { _ in [] }) {
        self.path = path
        self.originPolicy = OriginPolicy(allowedOrigins: allowedOrigins)
        self.log = BroadcastLog(capacity: maximumLagBytes)
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
            loop.assertInEventLoop()
            guard !sessions.isEmpty else { return }
            log.append(frame, key: key)
            for session in Array(sessions.values) { flush(session) }
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
        loop?.assertInEventLoop()
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
            accept = try WebSocketHandshake.acceptUpgrade(method: method.rawValue, headers: fields, allowsOrigin: originPolicy.allows)
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
              let bufferEvent = evhttp_connection_get_bufferevent(connection), let loop else { return 500 }
        nextId += 1
        let session = WebSocketSession(id: nextId, loop: loop, connection: connection, bufferEvent: bufferEvent, hub: self,
                                       cursor: log.head, maximumMessageSize: 64 * 1024)
        sessions[nextId] = session
        counters.withLock { $0.clients = sessions.count }
        session.attach()
        session.greet(with: greeting(query).map(WebSocketFrameEncoder.textFrame))
        return 101
    }

    /// Fills a session's socket from the log; drops it (1008) when it fell off the log's end.
    func flush(_ session: WebSocketSession) {
        loop?.assertInEventLoop()
        guard !session.flush(from: log) else { return }
        noteDropped()
        session.close(code: .policyViolation, reason: "Too slow: events dropped")
    }

    func sessionDidClose(_ id: Int) {
        loop?.assertInEventLoop()
        sessions.removeValue(forKey: id)
        counters.withLock { $0.clients = sessions.count }
    }

    func noteDropped() {
        counters.withLock { $0.dropped += 1 }
    }

    /// Graceful shutdown: every client gets 1001 Going Away.
    func closeAll() {
        loop?.assertInEventLoop()
        closingAll = true
        for session in Array(sessions.values) { session.close(code: .goingAway, reason: "Server shutting down") }
    }

    /// A refused upgrade closes the connection: bytes after the head may be frames, and the
    /// connection guard stopped reading them as requests.
    private func send(_ response: HTTPResponse, to request: OpaquePointer) {
        var response = response
        response.headers.set("Connection", "close")
        let headers = evhttp_request_get_output_headers(request)
        for (name, value) in response.headers { evhttp_add_header(headers, name, value) }
        let buffer = evbuffer_new()
        if case .bytes(let bytes) = response.body {
            bytes.withUnsafeBytes { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
        }
        evhttp_send_reply(request, Int32(response.status), ReasonPhrase.known(response.status), buffer)
        evbuffer_free(buffer)
    }
}
