import CLibEvent
import Foundation
import Logging
import Synchronization

/// The evhttp server: one loop thread parses requests and sends replies; handlers' blocking
/// parts run on a bounded work queue and their responses hop back to the loop.
///
/// Everything marked "loop only" is touched by the loop thread alone, which is what makes the
/// `@unchecked Sendable` true.
public final class HTTPServer: @unchecked Sendable {
    /// One finished request, for the access log and metrics.
    public struct Exchange: Sendable {
        public let method: HTTPMethod
        public let path: String
        /// The route pattern that matched, or `nil` for the fallback and errors.
        public let route: String?
        public let status: Int
        public let bytes: Int64
        public let seconds: Double
    }

    public let loop: EventLoop
    public let configuration: HTTPServerConfiguration
    private let http: OpaquePointer
    private let router: Router
    private let work: WorkQueue
    private let logger: Logger
    /// Runs before every routed handler (on the work queue, or on the loop for upgrades and
    /// immediate answers, so it must only inspect the request); throwing an `HTTPError`
    /// answers the request with it (authentication, origin checks).
    private let requestFilter: (@Sendable (HTTPRequest) throws -> Void)?
    /// Told about every finished request, on the loop thread; must return at once.
    private let exchangeObserver: (@Sendable (Exchange) -> Void)?
    /// The live feed, upgraded on the loop when a request asks for its path.
    private let webSocketHub: WebSocketHub?
    /// The port actually bound (differs from the configuration's when that was 0).
    public private(set) var port: Int = 0
    /// Kept alive for evhttp's per-connection callback.
    private let tlsContext: TLSContext?
    private let connectionCounters = Mutex(ConnectionCounters())

    /// Open HTTP connections and those refused by `maximumConnections` (for `/metrics`).
    public struct ConnectionCounters: Sendable {
        public var open = 0
        public var refused = 0
        public init() {}
    }

    public var connections: ConnectionCounters { connectionCounters.withLock { $0 } }

    // Loop only.
    private var boundSockets: [OpaquePointer] = []
    /// HTTP connections that have sent a request and not closed (evhttp 2.1 has no
    /// connection limit of its own, so one is kept here through close callbacks).
    private var openConnections = Set<OpaquePointer>()
    private var requestsInFlight = 0
    /// Streamed bodies being sent, by connection (see `HTTPBodyStream`).
    private var streams: [OpaquePointer: StreamedReply] = [:]
    private var isDraining = false
    private var hasFinished = false

    public init(
        configuration: HTTPServerConfiguration, router: Router, logger: Logger,
        requestFilter: (@Sendable (HTTPRequest) throws -> Void)? = nil,
        exchangeObserver: (@Sendable (Exchange) -> Void)? = nil,
        webSocketHub: WebSocketHub? = nil
    ) throws {
        self.webSocketHub = webSocketHub
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.requestFilter = requestFilter
        self.exchangeObserver = exchangeObserver
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
        evhttp_set_max_body_size(http, Int(configuration.maximumBodySize))
        evhttp_set_max_headers_size(http, Int(configuration.maximumHeadersSize))
        evhttp_set_timeout(http, Int32(configuration.timeoutSeconds))
        evhttp_set_allowed_methods(http, HTTPMethod.allowedMask)
        self.tlsContext = try configuration.tls.map(TLSContext.init(files:))
        tlsContext?.install(on: http)
        evhttp_set_gencb(http, { request, argument in
            guard let request, let argument else { return }
            Unmanaged<HTTPServer>.fromOpaque(argument).takeUnretainedValue().receive(request)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Binds the listening socket and starts the loop thread.
    public func start() throws {
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
            loop.free()
        }
        work.stop()
    }

    // MARK: - Loop thread

    private func beginDraining() {
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

    private func finish() {
        guard !hasFinished else { return }
        hasFinished = true
        if requestsInFlight > 0 {
            logger.warning("Grace period over; stopping with requests in flight", metadata: ["in_flight": "\(requestsInFlight)"])
        }
        loop.exitLoop()
    }

    private func receive(_ raw: OpaquePointer) {
        let start = DispatchTime.now().uptimeNanoseconds
        let reference = RequestReference(raw)
        guard admitConnection(of: raw) else {
            let error = HTTPError(
                status: 503, code: "too_many_connections",
                message: "The server has \(configuration.maximumConnections) open connections; try again in a moment.",
                headers: ["Retry-After": "1", "Connection": "close"])
            send(error.response, to: reference, method: .GET, path: "?", route: nil, start: start)
            return
        }
        guard let request = Self.makeRequest(raw) else {
            send(HTTPError.badRequest("The request line could not be parsed.").response,
                 to: reference, method: .GET, path: "?", route: nil, start: start)
            return
        }
        if let hub = webSocketHub, request.path == hub.path, request.headers["Upgrade"] != nil {
            // Cheap checks only: the upgrade happens on the loop, which owns the socket.
            do {
                try requestFilter?(request)
            } catch let error as HTTPError {
                send(error.response, to: reference, method: request.method, path: request.path, route: hub.path, start: start)
                return
            } catch {}
            // The hub owns an upgraded socket (and replaces the close callback).
            forgetConnection(evhttp_request_get_connection(raw))
            let status = hub.upgrade(raw, method: request.method, headers: request.headers, query: request.query)
            exchangeObserver?(Exchange(method: request.method, path: request.path, route: hub.path, status: status, bytes: 0,
                                       seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            return
        }
        var routed = request
        let handler: Router.Handler
        var priority = WorkPriority.interactive
        switch router.match(method: request.method, path: request.path) {
        case .handler(let route, let parameters):
            guard request.body.count <= route.maximumBodySize else {
                let error = HTTPError.payloadTooLarge(
                    "The request body is \(request.body.count) bytes; this endpoint accepts at most \(route.maximumBodySize).")
                send(error.response, to: reference, method: request.method, path: request.path, route: route.pattern.text, start: start)
                return
            }
            routed.pathParameters = parameters
            routed.routePattern = route.pattern.text
            handler = route.handler
            priority = route.priority
            if let immediate = route.immediate, answerImmediately(routed, with: immediate, to: reference, start: start) {
                return
            }
        case .methodNotAllowed(let allowed):
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            let error = HTTPError(
                status: 405, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not allowed on \(request.path); use \(names).",
                headers: ["Allow": names])
            send(error.response, to: reference, method: request.method, path: request.path, route: nil, start: start)
            return
        case .notFound:
            guard let fallback = router.fallback, request.method == .GET || request.method == .HEAD else {
                let error = HTTPError.notFound("No route for \(request.method.rawValue) \(request.path).")
                send(error.response, to: reference, method: request.method, path: request.path, route: nil, start: start)
                return
            }
            handler = fallback
        }

        requestsInFlight += 1
        let filter = requestFilter
        let accepted = work.submit(priority: priority) { [self, routed] in
            let response: HTTPResponse
            do {
                try filter?(routed)
                response = try handler(routed)
            } catch let error as HTTPError {
                response = error.response
            } catch {
                logger.error("Handler failed", metadata: ["path": "\(routed.path)", "error": "\(error)"])
                response = HTTPError(status: 500, code: "internal", message: "The server failed to answer: \(error)").response
            }
            loop.execute { [self] in
                requestsInFlight -= 1
                send(response, to: reference, method: routed.method, path: routed.path, route: routed.routePattern, start: start)
                if isDraining && requestsInFlight == 0 { finish() }
            }
        }
        if !accepted {
            requestsInFlight -= 1
            let error = HTTPError(status: 503, code: "busy", message: "The server is busy; try again in a moment.", headers: ["Retry-After": "1"])
            send(error.response, to: reference, method: request.method, path: request.path, route: routed.routePattern, start: start)
        }
    }

    /// Answers on the loop, without the two thread hops of the work queue, when the route can
    /// (filters are cheap checks of headers and run here too). False: nothing was sent.
    private func answerImmediately(
        _ request: HTTPRequest, with immediate: Router.ImmediateAnswer, to reference: RequestReference, start: UInt64
    ) -> Bool {
        let response: HTTPResponse
        do {
            try requestFilter?(request)
            guard let answer = immediate(request) else { return false }
            response = answer
        } catch let error as HTTPError {
            response = error.response
        } catch {
            return false
        }
        send(response, to: reference, method: request.method, path: request.path, route: request.routePattern, start: start)
        return true
    }

    private func send(
        _ response: HTTPResponse, to reference: RequestReference, method: HTTPMethod, path: String,
        route: String?, start: UInt64
    ) {
        let request = reference.pointer
        let headers = evhttp_request_get_output_headers(request)
        for (name, value) in response.headers {
            evhttp_add_header(headers, name, value)
        }
        let length = response.bodyLength
        if case .stream(let stream) = response.body, method != .HEAD, response.status != 304, response.status != 204 {
            startStream(stream, status: response.status, request: request)
        } else if method == .HEAD || response.status == 304 || response.status == 204 {
            if method == .HEAD && response.headers["Content-Length"] == nil {
                evhttp_add_header(headers, "Content-Length", String(length))
            }
            response.discardBody()
            evhttp_send_reply(request, Int32(response.status), nil, nil)
        } else {
            let buffer = evbuffer_new()
            switch response.body {
            case .empty:
                break
            case .bytes(let bytes):
                bytes.withUnsafeBytes { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
            case .stream:
                break   // sent by startStream
            case .file(let descriptor, let offset, let length):
                // sendfile only happens for buffers that drain to a socket. Not under TLS: the
                // OpenSSL bufferevent reads the bytes itself, and an unmapped sendfile segment
                // would hand it garbage; without the flag libevent maps the file instead.
                if tlsContext == nil {
                    evbuffer_set_flags(buffer, UInt64(EVBUFFER_FLAG_DRAINS_TO_FD))
                }
                if let segment = evbuffer_file_segment_new(descriptor, 0, -1, UInt32(EVBUF_FS_CLOSE_ON_FREE)) {
                    evbuffer_add_file_segment(buffer, segment, offset, length)
                    evbuffer_file_segment_free(segment)
                } else {
                    close(descriptor)
                }
            }
            evhttp_send_reply(request, Int32(response.status), nil, buffer)
            evbuffer_free(buffer)
            if case .file = response.body, length > Self.largeBodyThreshold {
                relaxTimeoutsWhileSending(request)
            }
        }
        let exchange = Exchange(
            method: method, path: path, route: route, status: response.status, bytes: length,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        logger.debug("\(method.rawValue) \(path) \(response.status) \(length)B \(String(format: "%.2f", exchange.seconds * 1000))ms")
        exchangeObserver?(exchange)
    }

    // MARK: - Connections

    /// Bodies above this size get the relaxed timeouts below.
    static let largeBodyThreshold: Int64 = 1 << 20

    /// Tracks the request's connection; false when it is new and the limit is reached.
    private func admitConnection(of request: OpaquePointer) -> Bool {
        guard let connection = evhttp_request_get_connection(request) else { return true }
        if openConnections.contains(connection) { return true }
        guard openConnections.count < configuration.maximumConnections else {
            connectionCounters.withLock { $0.refused += 1 }
            return false
        }
        openConnections.insert(connection)
        connectionCounters.withLock { $0.open = openConnections.count }
        evhttp_connection_set_closecb(connection, { connection, argument in
            guard let connection, let argument else { return }
            Unmanaged<HTTPServer>.fromOpaque(argument).takeUnretainedValue().forgetConnection(connection)
        }, Unmanaged.passUnretained(self).toOpaque())
        return true
    }

    private func forgetConnection(_ connection: OpaquePointer?) {
        guard let connection else { return }
        // A client that leaves in the middle of a streamed body: its producer stops.
        if streams[connection] != nil { endStream(on: connection, cancelled: true) }
        guard openConnections.remove(connection) != nil else { return }
        connectionCounters.withLock { $0.open = openConnections.count }
    }

    // MARK: - Streamed bodies (loop only)

    /// One streamed reply: its producer, its request, and whether a chunk is on its way out.
    private final class StreamedReply {
        let stream: HTTPBodyStream
        let request: OpaquePointer
        var chunkInFlight = false
        init(stream: HTTPBodyStream, request: OpaquePointer) {
            self.stream = stream
            self.request = request
        }
    }

    /// The most bytes handed to evhttp at once: the next chunk is taken only when this one has
    /// been written to the socket, so the connection's output buffer never holds more.
    static let streamChunkSize = 64 << 10

    private func startStream(_ stream: HTTPBodyStream, status: Int, request: OpaquePointer) {
        guard let connection = evhttp_request_get_connection(request) else {
            stream.cancel()
            return
        }
        streams[connection] = StreamedReply(stream: stream, request: request)
        evhttp_send_reply_start(request, Int32(status), nil)
        relaxTimeoutsWhileSending(request)
        pumpStream(on: connection)
    }

    /// Sends what the producer has made, or waits for it (the producer's next write wakes this).
    private func pumpStream(on connection: OpaquePointer) {
        guard let reply = streams[connection], !reply.chunkInFlight else { return }
        let reference = ConnectionReference(connection)
        let next = reply.stream.take(upTo: Self.streamChunkSize) { [self] in
            loop.execute { [self] in pumpStream(on: reference.pointer) }
        }
        if !next.bytes.isEmpty {
            let buffer = evbuffer_new()
            next.bytes.withUnsafeBytes { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
            reply.chunkInFlight = true
            evhttp_send_reply_chunk_with_cb(reply.request, buffer, { connection, argument in
                guard let connection, let argument else { return }
                let server = Unmanaged<HTTPServer>.fromOpaque(argument).takeUnretainedValue()
                guard let reply = server.streams[connection] else { return }
                reply.chunkInFlight = false
                server.pumpStream(on: connection)
            }, Unmanaged.passUnretained(self).toOpaque())
            evbuffer_free(buffer)
        } else if next.complete {
            endStream(on: connection, cancelled: reply.stream.isCancelled)
        }
    }

    /// Ends a streamed reply. A cancelled one whose connection is gone has a request evhttp
    /// detached from it (it was not complete), and `evhttp_send_reply_end` frees that request;
    /// while the connection still exists (shutdown), the connection frees it.
    private func endStream(on connection: OpaquePointer, cancelled: Bool) {
        guard let reply = streams.removeValue(forKey: connection) else { return }
        if cancelled {
            reply.stream.cancel()
            if evhttp_request_get_connection(reply.request) == nil {
                evhttp_send_reply_end(reply.request)
            }
        } else {
            evhttp_send_reply_end(reply.request)
        }
    }

    /// evhttp has one timeout for reading and writing and keeps reading while it writes, so a
    /// client fetching a long file slower than the timeout would be cut off mid-body. While a
    /// large body is sent, only a write timeout applies (it fires only when the client stops
    /// taking bytes); the usual timeouts come back when the reply is complete.
    private func relaxTimeoutsWhileSending(_ request: OpaquePointer) {
        guard let connection = evhttp_request_get_connection(request),
              let event = evhttp_connection_get_bufferevent(connection) else { return }
        var write = timeval(tv_sec: configuration.timeoutSeconds, tv_usec: 0)
        bufferevent_set_timeouts(event, nil, &write)
        // The callback runs only if the reply completes; the connection is alive then.
        evhttp_request_set_on_complete_cb(request, { request, argument in
            guard let request, let argument,
                  let connection = evhttp_request_get_connection(request),
                  let event = evhttp_connection_get_bufferevent(connection) else { return }
            let server = Unmanaged<HTTPServer>.fromOpaque(argument).takeUnretainedValue()
            var usual = timeval(tv_sec: server.configuration.timeoutSeconds, tv_usec: 0)
            bufferevent_set_timeouts(event, &usual, &usual)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    // MARK: - Reading a request out of evhttp

    private static func makeRequest(_ raw: OpaquePointer) -> HTTPRequest? {
        guard let method = HTTPMethod(command: evhttp_request_get_command(raw)),
              let uri = evhttp_request_get_evhttp_uri(raw) else { return nil }
        guard let path = decodePath(evhttp_uri_get_path(uri)) else { return nil }
        var query: [String: String] = [:]
        let rawQueryText = evhttp_uri_get_query(uri).map { String(cString: $0) }
        if let rawQuery = evhttp_uri_get_query(uri) {
            var pairs = evkeyvalq()
            if evhttp_parse_query_str(rawQuery, &pairs) == 0 {
                forEach(&pairs) { query[$0] = $1 }
            }
            evhttp_clear_headers(&pairs)
        }
        var headers = HTTPHeaders()
        if let input = evhttp_request_get_input_headers(raw) {
            forEach(input) { headers.add($0, $1) }
        }
        var body: [UInt8] = []
        if let buffer = evhttp_request_get_input_buffer(raw) {
            let length = evbuffer_get_length(buffer)
            if length > 0 {
                body = [UInt8](unsafeUninitializedCapacity: length) { storage, count in
                    count = Int(evbuffer_remove(buffer, storage.baseAddress, length))
                }
            }
        }
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(evhttp_request_get_connection(raw), &address, &port)
        let remote = address.map { String(cString: $0) } ?? ""
        return HTTPRequest(method: method, path: path, query: query, rawQuery: rawQueryText, headers: headers, body: body, remoteAddress: remote)
    }

    /// Percent-decodes the path; `nil` for an embedded NUL or invalid UTF-8.
    private static func decodePath(_ raw: UnsafePointer<CChar>?) -> String? {
        guard let raw, raw.pointee != 0 else { return "/" }
        var size = 0
        guard let decoded = evhttp_uridecode(raw, 0, &size) else { return nil }
        defer { free(decoded) }
        let bytes = UnsafeRawBufferPointer(start: decoded, count: size)
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func forEach(_ list: UnsafeMutablePointer<evkeyvalq>, _ body: (String, String) -> Void) {
        var node = list.pointee.tqh_first
        while let entry = node {
            if let key = entry.pointee.key, let value = entry.pointee.value {
                body(String(cString: key), String(cString: value))
            }
            node = entry.pointee.next.tqe_next
        }
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
