/// Listening address and the limits evhttp does not set by itself.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests read it from `HTTPServer.port`).
    public var port: Int
    /// Largest request body evhttp buffers at all; routes set tighter limits of their own, and
    /// a declared length over the route's limit is refused before any of it is read.
    public var maximumBodySize: Int
    /// Request line plus header fields, in bytes (431 beyond).
    public var maximumHeadersSize: Int
    /// Read/write timeout of a connection in seconds (idle keep-alive connections close after it).
    /// It restarts with every byte, so it cannot stop a client that trickles: the two deadlines
    /// below do.
    public var timeoutSeconds: Int
    /// A request's head must be complete this many seconds after its first byte (after the
    /// accept, for a new connection), however the bytes trickle in; else 408 and close.
    public var headerTimeoutSeconds: Double
    /// A request's body must be complete this many seconds after its head; else 408 and close.
    public var bodyTimeoutSeconds: Double
    /// Names besides loopback names, IP addresses and `host` that `Host` may give (see
    /// `HostPolicy`): a reverse proxy's public name, a LAN name. `*.example.org` and `*` work.
    public var allowedHosts: [String]
    /// Handlers running at once on the work queue.
    public var workQueueWidth: Int
    /// Requests waiting for the work queue before new ones get 503.
    public var workQueueBacklog: Int
    /// How long a graceful shutdown waits for requests in flight.
    public var shutdownGraceSeconds: Double
    /// Open client connections at most, counted from the accept (WebSocket clients included):
    /// a connection beyond it is answered 503 at once and closed. Lowered at start-up when the
    /// descriptor limit (`RLIMIT_NOFILE`) could not hold that many.
    public var maximumConnections: Int
    /// Certificate chain and private key (PEM) to serve HTTPS; nil serves plain HTTP.
    public var tls: TLSFiles?

    public init(
        host: String = "127.0.0.1", port: Int = 8000, maximumBodySize: Int = 16 << 20,
        maximumHeadersSize: Int = 16 << 10, timeoutSeconds: Int = 30, headerTimeoutSeconds: Double = 10,
        bodyTimeoutSeconds: Double = 60, allowedHosts: [String] = [], workQueueWidth: Int = 8,
        workQueueBacklog: Int = 1024, shutdownGraceSeconds: Double = 10, maximumConnections: Int = 1024,
        tls: TLSFiles? = nil
    ) {
        self.host = host
        self.port = port
        self.maximumBodySize = maximumBodySize
        self.maximumHeadersSize = maximumHeadersSize
        self.timeoutSeconds = timeoutSeconds
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.allowedHosts = allowedHosts
        self.workQueueWidth = workQueueWidth
        self.workQueueBacklog = workQueueBacklog
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.maximumConnections = maximumConnections
        self.tls = tls
    }
}

/// Where the PEM files of an HTTPS server are.
public struct TLSFiles: Sendable, Equatable {
    public var certificateChainPath: String
    public var privateKeyPath: String

    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}

/// Why the server could not start.
public enum HTTPServerError: Error, CustomStringConvertible {
    case eventLoopUnavailable
    case cannotBind(host: String, port: Int, reason: String)
    case tls(String)

    public var description: String {
        switch self {
        case .eventLoopUnavailable: "libevent could not create an event loop."
        case .cannotBind(let host, let port, let reason): "Cannot listen on \(host):\(port): \(reason)."
        case .tls(let reason): "Cannot serve HTTPS: \(reason)."
        }
    }
}
