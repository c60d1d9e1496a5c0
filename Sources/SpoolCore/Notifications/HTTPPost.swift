import Foundation
import Glibc

/// One HTTP/1.1 POST over a plain or TLS socket, bounded by one deadline, for the webhook.
///
/// Why not `URLSession`: on Linux it lives in FoundationNetworking, which links libcurl — a
/// library the container image does not have, and a binary built with
/// `--static-swift-stdlib` would then not start there; and its timeouts are per idle period,
/// not per request, so a server that trickles bytes holds a send for ever. This client does
/// one thing: non-blocking connect, TLS handshake for `https://`, send, read the status line,
/// close — every step waiting with `poll` for what is left of one deadline, so a webhook that
/// accepts the connection and never answers (or never finishes its handshake) costs exactly
/// `timeLimit`. The name is resolved by the system resolver first (`getaddrinfo`, outside the
/// deadline: its own timeouts are 5 s × 2 attempts by default); IP literals resolve at once.
///
/// `https://` is OpenSSL's (libssl, which the image has for Spool's own HTTPS), with the
/// peer's chain and name always checked against `TLSClientContext` (`WEBHOOK_CA_FILE`, or the
/// system's store).
enum HTTPPost {
    /// A parsed `http://` or `https://` URL.
    struct Endpoint: Sendable, Equatable {
        /// `https://`: TLS, verified.
        let secure: Bool
        let host: String
        let port: Int
        /// Path and query, as sent in the request line.
        let target: String
        /// `Authorization: Basic …` from the URL's user and password, if any.
        let authorization: String?

        /// `http://host:port` or `https://host:port`: the path and credentials often carry a
        /// secret, so neither is shown in health or logs.
        var displayName: String {
            "\(secure ? "https" : "http")://\(bracketedHost):\(port)"
        }

        var hostHeader: String {
            port == (secure ? 443 : 80) ? bracketedHost : "\(bracketedHost):\(port)"
        }

        private var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

        /// Parses `url`, or says what is wrong with it.
        init(url: String) throws(Failure) {
            guard let components = URLComponents(string: url.trimmingCharacters(in: .whitespaces)),
                  let scheme = components.scheme?.lowercased() else {
                throw Failure("'\(url)' is not a URL")
            }
            guard scheme == "http" || scheme == "https" else {
                throw Failure("must be an http:// or https:// URL, not \(scheme)://")
            }
            secure = scheme == "https"
            guard let host = components.host, !host.isEmpty else { throw Failure("'\(url)' has no host") }
            self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            let port = components.port ?? (secure ? 443 : 80)
            guard port > 0, port < 65_536 else { throw Failure("'\(url)' has an invalid port") }
            self.port = port
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            target = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
            guard !target.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else { throw Failure("'\(url)' contains spaces") }
            if let user = components.user {
                let credentials = "\(user):\(components.password ?? "")"
                authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
            } else {
                authorization = nil
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String

        init(_ description: String) {
            self.description = description
        }
    }

    /// POSTs `body` as JSON and returns the HTTP status. `tls` is what an `https://` endpoint
    /// is checked against (required for one).
    static func send(_ body: Data, to endpoint: Endpoint, tls: TLSClientContext? = nil, timeLimit: Double) throws(Failure) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0.001, timeLimit) * 1e9)
        let socket = try connect(to: endpoint, deadline: deadline, timeLimit: timeLimit)
        defer { close(socket) }
        var head = "POST \(endpoint.target) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\nUser-Agent: Spool\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        if let authorization = endpoint.authorization { head += "Authorization: \(authorization)\r\n" }
        var request = Data((head + "\r\n").utf8)
        request.append(body)
        guard endpoint.secure else {
            let connection = Connection(socket: socket, tls: nil)
            try connection.write(request, deadline: deadline, timeLimit: timeLimit)
            return try readStatus(from: connection, deadline: deadline, timeLimit: timeLimit)
        }
        guard let tls else { throw Failure("an https:// URL needs a TLS context") }
        return try withoutSIGPIPE { () throws(Failure) -> Int in
            let connection = Connection(socket: socket, tls: try TLSSession(context: tls, socket: socket, host: endpoint.host))
            defer { connection.tls?.close() }
            try connection.handshake(deadline: deadline, timeLimit: timeLimit)
            try connection.write(request, deadline: deadline, timeLimit: timeLimit)
            return try readStatus(from: connection, deadline: deadline, timeLimit: timeLimit)
        }
    }

    /// OpenSSL writes with `write(2)`, which raises SIGPIPE when the server has gone (plain
    /// sends use `MSG_NOSIGNAL`). `spool serve` ignores SIGPIPE (`HTTPServer`), but other
    /// processes (a command, the tests) need not: the signal is blocked on this thread for the
    /// exchange, and one it raised is taken back before the mask is restored.
    private static func withoutSIGPIPE<T>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipe, &previous)
        var pendingBefore = sigset_t()
        sigpending(&pendingBefore)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 && sigismember(&pendingBefore, SIGPIPE) == 0 {
                var now = timespec()
                _ = sigtimedwait(&pipe, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        return try body()
    }

    private static func remainingMilliseconds(_ deadline: UInt64) -> Int32 {
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= deadline ? 0 : Int32(min(Int64(Int32.max), Int64((deadline - now) / 1_000_000) + 1))
    }

    /// Waits for `events` on `socket` until the deadline; false when it passed.
    private static func wait(_ socket: Int32, for events: Int32, deadline: UInt64) -> Bool {
        while true {
            let milliseconds = remainingMilliseconds(deadline)
            if milliseconds == 0 { return false }
            var descriptor = pollfd(fd: socket, events: Int16(events), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { return false }
            return true
        }
    }

    private static func connect(to endpoint: Endpoint, deadline: UInt64, timeLimit: Double) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw Failure("cannot resolve \(endpoint.host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let socket = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), address.pointee.ai_protocol)
            guard socket >= 0 else {
                lastError = errno
                continue
            }
            if Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return socket }
            guard errno == EINPROGRESS else {
                lastError = errno
                close(socket)
                continue
            }
            guard wait(socket, for: Int32(POLLOUT), deadline: deadline) else {
                close(socket)
                throw Failure("no connection within \(AppriseNotifier.seconds(timeLimit)) (NOTIFY_TIMEOUT_SECONDS)")
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket, SOL_SOCKET, SO_ERROR, &failure, &length)
            if failure == 0 { return socket }
            lastError = failure
            close(socket)
        }
        throw Failure("cannot connect: \(String(cString: strerror(lastError)))")
    }

    /// The socket, and the TLS session over it for `https://`: one `write` and `read` for both,
    /// each waiting with `poll` for what the session asks (a TLS read may need to write, and
    /// the other way round, during a renegotiation or a key update).
    private struct Connection {
        let socket: Int32
        let tls: TLSSession?

        func handshake(deadline: UInt64, timeLimit: Double) throws(Failure) {
            while true {
                let step = try tls!.handshake()
                switch step {
                case .done, .closed: return
                case .wantRead, .wantWrite:
                    guard HTTPPost.wait(socket, for: step.pollEvents, deadline: deadline) else {
                        throw Failure("no TLS handshake within \(AppriseNotifier.seconds(timeLimit)) (NOTIFY_TIMEOUT_SECONDS)")
                    }
                }
            }
        }

        func write(_ data: Data, deadline: UInt64, timeLimit: Double) throws(Failure) {
            var offset = 0
            while offset < data.count {
                // `withUnsafeBytes` rethrows untyped errors: the step comes out as a Result.
                let step = try data.withUnsafeBytes { bytes in
                    Result { () throws(Failure) -> TLSSession.Step in try send(UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
                }.get()
                switch step {
                case .done(let count): offset += count
                case .closed: throw Failure("the connection failed while sending: the server closed it")
                case .wantRead, .wantWrite:
                    guard HTTPPost.wait(socket, for: step.pollEvents, deadline: deadline) else {
                        throw Failure("the request was not taken within \(AppriseNotifier.seconds(timeLimit)) (NOTIFY_TIMEOUT_SECONDS)")
                    }
                }
            }
        }

        /// Reads what is there into `buffer`: `.done(count)`, `.closed`, or what to wait for.
        func read(into buffer: UnsafeMutableRawBufferPointer) throws(Failure) -> TLSSession.Step {
            if let tls { return try tls.read(into: buffer) }
            let count = recv(socket, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .done(count) }
            if count == 0 { return .closed }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wantRead }
            throw Failure("the connection failed while reading the answer: \(String(cString: strerror(errno)))")
        }

        private func send(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> TLSSession.Step {
            if let tls { return try tls.write(bytes) }
            let sent = Glibc.send(socket, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if sent > 0 { return .done(sent) }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return .wantWrite }
            throw Failure("the connection failed while sending: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads up to the end of the response's headers and returns its status.
    private static func readStatus(from connection: Connection, deadline: UInt64, timeLimit: Double) throws(Failure) -> Int {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)
        reading: while received.count < 65_536 {
            let step = try buffer.withUnsafeMutableBytes { bytes in
                Result { () throws(Failure) -> TLSSession.Step in try connection.read(into: bytes) }
            }.get()
            switch step {
            case .done(let count):
                received += buffer[..<count]
                if received.count >= 4, received.firstRange(of: headerEnd) != nil { break reading }
            case .closed:
                break reading
            case .wantRead, .wantWrite:
                guard wait(connection.socket, for: step.pollEvents, deadline: deadline) else {
                    throw Failure("no answer within \(AppriseNotifier.seconds(timeLimit)) (NOTIFY_TIMEOUT_SECONDS)")
                }
            }
        }
        let line = String(decoding: received.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure(received.isEmpty ? "the connection closed without an answer" : "the answer is not HTTP: '\(line.prefix(60))'")
        }
        return status
    }
}

extension TLSSession.Step {
    /// What `poll` waits for before the step can go on.
    fileprivate var pollEvents: Int32 {
        if case .wantWrite = self { return Int32(POLLOUT) }
        return Int32(POLLIN)
    }
}
