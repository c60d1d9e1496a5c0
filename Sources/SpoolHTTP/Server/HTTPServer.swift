import CLibEvent
import Foundation
import Logging
import Synchronization

/// The evhttp server: one loop thread parses requests and sends replies; handlers' blocking
/// parts run on a bounded work queue and their responses hop back to the loop.
///
/// Every accepted connection gets a `ConnectionGuard` that reads the request framing before
/// evhttp does, so that each head is decided on (`decide`) before its body is read. What that
/// needs, and evhttp's dispatch, live in the extensions beside this file.
///
/// Everything marked "loop only" is touched by the loop thread alone (checked in debug builds
/// by `EventLoop.assertInEventLoop`), which is what makes the `@unchecked Sendable` true.
public final class HTTPServer: @unchecked Sendable {
    /// One finished request, for the access log and metrics.
    public struct Exchange: Sendable {
        /// The method's name; `OTHER` for tokens no route serves (metrics labels stay bounded).
        public let method: String
        public let path: String
        /// The route pattern that matched, or `nil` for the fallback and errors.
        public let route: String?
        public let status: Int
        public let bytes: Int64
        public let seconds: Double
    }

    public let loop: EventLoop
    public let configuration: HTTPServerConfiguration
    let http: OpaquePointer
    let router: Router
    let work: WorkQueue
    let logger: Logger
    let hostPolicy: HostPolicy
    /// Runs on the loop for every request, on its head, before the body is read: only cheap
    /// checks of the head belong here (no database; e.g. cross-site writes), and refusing here
    /// means the body is never read.
    let headFilter: (@Sendable (HTTPRequest) throws -> Void)?
    /// Runs before every routed handler, on the work queue (on the loop for answers a route
    /// gives from memory), with the body read: checks that may block, such as looking a
    /// session up. The WebSocket upgrade waits for it on the work queue too.
    ///
    /// For both: throwing answers the request with the error, and an error that is not an
    /// `HTTPError` refuses the request as well (an opaque 500): a check that fails must never
    /// let a request through.
    let requestFilter: (@Sendable (HTTPRequest) throws -> Void)?
    /// Told about every finished request, on the loop thread; must return at once.
    let exchangeObserver: (@Sendable (Exchange) -> Void)?
    /// The live feed, upgraded on the loop when a request asks for its path.
    let webSocketHub: WebSocketHub?
    /// The port actually bound (differs from the configuration's when that was 0).
    public private(set) var port: Int = 0
    /// The connection limit in force: the configured one, lowered at start-up when the
    /// descriptor limit cannot hold it (see `DescriptorLimit`).
    public private(set) var maximumConnections: Int
    /// Kept alive for evhttp's per-connection callback.
    let tlsContext: TLSContext?
    let connectionCounters = Mutex(ConnectionCounters())

    /// Connection figures for `/metrics`.
    public struct ConnectionCounters: Sendable {
        /// Open HTTP connections (WebSocket clients are the hub's figure).
        public var open = 0
        /// Connections answered 503 at the limit.
        public var refused = 0
        /// Connections closed because a head or body missed its deadline.
        public var timedOut = 0
        /// Accepts that failed (out of descriptors) and paused accepting.
        public var acceptFailures = 0
        public init() {}
    }

    public var connections: ConnectionCounters { connectionCounters.withLock { $0 } }

    // Loop only.
    var boundSockets: [OpaquePointer] = []
    /// Guards of the connections evhttp made, by evhttp connection.
    var guards: [OpaquePointer: ConnectionGuard] = [:]
    /// Guards of connections accepted in this loop pass, waiting for `followUpAccepts`.
    var acceptedAwaitingFollowUp: [ConnectionGuard] = []
    var followUpEvent: OpaquePointer?
    /// Every client connection from its accept to its close, WebSocket clients included.
    var openConnections = 0
    var upgradedConnections = 0
    var accepting = AcceptState()
    var hostVerdicts: [String: HostPolicy.Verdict] = [:]
    var requestsInFlight = 0
    /// Streamed bodies being sent, by connection (see `HTTPBodyStream`, `HTTPServer+Streams`).
    var streams: [OpaquePointer: StreamedReply] = [:]
    var isDraining = false
    var hasFinished = false

    public init(
        configuration: HTTPServerConfiguration, router: Router, logger: Logger,
        headFilter: (@Sendable (HTTPRequest) throws -> Void)? = nil,
        requestFilter: (@Sendable (HTTPRequest) throws -> Void)? = nil,
        exchangeObserver: (@Sendable (Exchange) -> Void)? = nil,
        webSocketHub: WebSocketHub? = nil
    ) throws {
        self.webSocketHub = webSocketHub
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.headFilter = headFilter
        self.requestFilter = requestFilter
        self.exchangeObserver = exchangeObserver
        self.hostPolicy = HostPolicy(listeningHost: configuration.host, allowedHosts: configuration.allowedHosts)
        self.maximumConnections = configuration.maximumConnections
        // A client that closes mid-reply (a closed tab, a skipped track) makes the next write
        // raise SIGPIPE, whose default action kills the process silently; the write's EPIPE
        // is handled by libevent instead.
        signal(SIGPIPE, SIG_IGN)
        self.loop = try EventLoop()
        guard let http = evhttp_new(loop.base) else { throw HTTPServerError.eventLoopUnavailable }
        self.http = http
        self.work = WorkQueue(
            label: "spool.http.work", width: configuration.workQueueWidth,
            maximumBacklog: configuration.workQueueBacklog)
        // evhttp's own limits are a backstop the guard always hits first (it refuses a head or
        // a body over its limit before evhttp reads it), so evhttp never answers with its HTML.
        evhttp_set_max_body_size(http, max(configuration.maximumBodySize, router.largestBodyLimit))
        evhttp_set_max_headers_size(http, 2 * configuration.maximumHeadersSize)
        evhttp_set_timeout(http, Int32(configuration.timeoutSeconds))
        // Every method reaches the router, which answers 405 with `Allow` (evhttp: 501 in HTML).
        evhttp_set_allowed_methods(http, UInt16.max)
        self.tlsContext = try configuration.tls.map(TLSContext.init(files:))
        installAcceptHooks()
        evhttp_set_gencb(http, { request, argument in
            guard let request, let argument else { return }
            Unmanaged<HTTPServer>.fromOpaque(argument).takeUnretainedValue().receive(request)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Binds the listening socket and starts the loop thread.
    public func start() throws {
        let softLimit = DescriptorLimit.raiseSoftLimitToHardLimit()
        let capacity = DescriptorLimit.connectionCapacity(softLimit: softLimit)
        if configuration.maximumConnections > capacity {
            maximumConnections = capacity
            logger.warning("MAX_CONNECTIONS lowered to fit the descriptor limit", metadata: [
                "configured": "\(configuration.maximumConnections)", "in_force": "\(capacity)",
                "descriptor_limit": "\(softLimit)"])
        }
        guard let handle = evhttp_bind_socket_with_handle(http, configuration.host, UInt16(configuration.port)) else {
            throw HTTPServerError.cannotBind(
                host: configuration.host, port: configuration.port, reason: String(cString: strerror(errno)))
        }
        let descriptor = evhttp_bound_socket_get_fd(handle)
        // Without TCP_NODELAY keep-alive replies stall ~40 ms each (Nagle + delayed ACK);
        // accepted sockets inherit the option on Linux.
        var enabled: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &enabled, socklen_t(MemoryLayout<Int32>.size))
        port = Self.localPort(of: descriptor) ?? configuration.port
        boundSockets = [handle]
        watchAcceptErrors(of: handle)
        webSocketHub?.attach(to: loop)
        loop.start(name: "spool.http.loop")
        logger.info("Listening", metadata: ["address": "http://\(configuration.host):\(port)"])
    }

    /// Stops accepting connections, lets requests in flight finish (up to the grace period),
    /// then stops the loop. Safe from any thread; `waitUntilStopped` returns afterwards.
    public func shutdown() {
        loop.execute { [self] in beginDraining() }
    }

    /// Blocks until the loop has stopped, then frees evhttp.
    public func waitUntilStopped() {
        loop.waitUntilStopped()
        // A forced stop may leave handlers running that will still post to the base:
        // wait for them before freeing anything they could touch.
        if work.waitUntilIdle(timeout: 5) && requestsInFlight == 0 {
            evhttp_free(http)
            if let followUpEvent { event_free(followUpEvent) }
            loop.free()
        }
        work.stop()
    }

    // MARK: - Loop thread

    private func beginDraining() {
        loop.assertInEventLoop()
        guard !isDraining else { return }
        isDraining = true
        for socket in boundSockets {
            evhttp_del_accept_socket(http, socket)
        }
        boundSockets = []
        webSocketHub?.closeAll()
        // A streamed body is paced by its client (a player buffering a transcoded track): it
        // would hold the shutdown for minutes, so it ends now.
        for connection in Array(streams.keys) { endStream(on: connection, cancelled: true) }
        logger.info("Shutting down: no new connections; waiting for requests in flight", metadata: ["in_flight": "\(requestsInFlight)"])
        loop.schedule(after: configuration.shutdownGraceSeconds) { [self] in finish() }
        if requestsInFlight == 0 { finish() }
    }

    func finish() {
        loop.assertInEventLoop()
        guard !hasFinished else { return }
        hasFinished = true
        if requestsInFlight > 0 {
            logger.warning("Grace period over; stopping with requests in flight", metadata: ["in_flight": "\(requestsInFlight)"])
        }
        loop.exitLoop()
    }

    private static func localPort(of descriptor: Int32) -> Int? {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        switch Int32(address.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }
}

/// An evhttp request pointer that may travel to the work queue and back; only the loop
/// thread dereferences it.
struct RequestReference: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// An evhttp connection pointer that may travel to another thread and back to the loop; only
/// the loop thread dereferences it.
struct ConnectionReference: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
