import CLibEvent
import Foundation
import SpoolWebSocket
import Synchronization

/// The server side of a one-way live feed over WebSocket: upgrades requests on the loop,
/// keeps the sessions, broadcasts text messages to all of them, and pings them. Knows nothing
/// of what the messages mean.
public final class WebSocketHub: @unchecked Sendable {
    /// What a new client receives first: the replay of what it missed (only what its viewer may
    /// see), from its query. Runs on the work queue: a replay of thousands of events is encoded
    /// there, never on the loop (4,000 of them once held `/api/health` for 1.8 s: issue 12).
    public typealias Greeting = @Sendable (_ query: [String: String], _ viewer: WebSocketViewer) -> WebSocketReplay
    /// The events published after `through` while the replay was built (a few at most): runs on
    /// the loop when the session starts, so that nothing falls between replay and broadcasts.
    public typealias TopUp = @Sendable (_ through: Int64, _ viewer: WebSocketViewer) -> WebSocketReplay
    /// Who an upgrade request comes from. Runs on the work queue after the request filter
    /// admitted it (it may read the database); nil is ``WebSocketViewer/unidentified``.
    public typealias Identify = @Sendable (_ request: HTTPRequest) throws -> WebSocketViewer?

    public let path: String
    let originPolicy: OriginPolicy
    let pingSeconds: Double
    let greeting: Greeting
    private let topUp: TopUp
    let identify: Identify
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
                pingSeconds: Double = 30, greeting: @escaping Greeting = { _, _ in .none },
                topUp: @escaping TopUp = { through, _ in WebSocketReplay(messages: [], through: through) },
                identify: @escaping Identify = { _ in nil }) {
        self.path = path
        self.originPolicy = OriginPolicy(allowedOrigins: allowedOrigins)
        self.log = BroadcastLog(capacity: maximumLagBytes)
        self.pingSeconds = pingSeconds
        self.greeting = greeting
        self.topUp = topUp
        self.identify = identify
    }

    /// Connected clients, clients dropped for being too slow, messages handed to sockets.
    public var statistics: (clients: Int, dropped: Int, sent: Int) { counters.withLock { $0 } }

    /// Sends `text` to every client `audience` includes; `key` coalesces queued messages (e.g.
    /// a job's progress); `sequence` (increasing) lets a client whose replay already held it
    /// skip it. Safe from any thread.
    public func broadcast(_ text: String, coalescingKey key: String? = nil, audience: WebSocketAudience = .everyone,
                          sequence: Int64? = nil) {
        guard let loop else { return }
        let frame = WebSocketFrameEncoder.textFrame(text)
        loop.execute { [self] in
            loop.assertInEventLoop()
            guard !sessions.isEmpty else { return }
            log.append(frame, key: key, audience: audience, sequence: sequence)
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
    func upgrade(_ request: OpaquePointer, method: HTTPMethod, headers: HTTPHeaders, viewer: WebSocketViewer = .unidentified,
                 replay: WebSocketReplay = .none) -> Int {
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
                                       cursor: log.head, viewer: viewer, maximumMessageSize: 64 * 1024)
        sessions[nextId] = session
        // Counted before the top-up is read: a broadcaster that still saw no clients published
        // its event before this point, so the top-up holds it.
        counters.withLock { $0.clients = sessions.count }
        session.attach()
        var messages = replay.messages
        if let through = replay.through {
            let missed = topUp(through, viewer)
            messages += missed.messages
            session.replayedThrough = missed.through ?? through
        }
        session.greet(with: messages.map(WebSocketFrameEncoder.textFrame))
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
