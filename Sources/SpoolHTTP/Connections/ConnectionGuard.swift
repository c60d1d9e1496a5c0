import CLibEvent
import Foundation

/// One accepted connection's gatekeeper, from the accept to the close. Loop only.
///
/// evhttp reads a connection's bytes through its bufferevent's input buffer. The guard
/// watches that buffer with an evbuffer callback, which libevent runs as bytes are added,
/// before evhttp's read callback sees them; it feeds them to a strict `RequestFramer` and:
///
/// - takes each complete head to the server's decision (host, route, method, declared length
///   against the route's limit, credentials) before a byte of its body is kept;
/// - answers, itself, whatever must not reach evhttp (bad framing, a refused head with a body
///   behind it, a deadline passed, a connection over the limit), then closes: it takes the
///   bufferevent over, writes the JSON error, shuts down writing, and reads and drops whatever
///   the client still sends for a moment so that the answer is not lost to a reset;
/// - keeps the deadlines: a head must be complete `headerTimeoutSeconds` after its first byte,
///   a body `bodyTimeoutSeconds` after its head, however slowly the bytes trickle.
///
/// Heads the server accepted, and refusals that evhttp may deliver itself (no body follows),
/// wait in `decisions` in order; the server takes the first one when evhttp dispatches a
/// request, so evhttp's parse and the framer's are checked against each other on every request.
///
/// `@unchecked Sendable` like `RequestReference`: a handler's reply carries its guard to the
/// work queue and back, and only the loop thread touches it (asserted in debug builds).
final class ConnectionGuard: @unchecked Sendable {
    enum Phase {
        /// Reading requests.
        case open
        /// Answering a refusal, then closing.
        case refusing
        /// The refusal is sent; reading and dropping what the client still sends.
        case lingering
        /// Handed to the WebSocket hub.
        case upgraded
        /// evhttp freed the connection.
        case closed
    }

    /// What the server decided about one head.
    struct Decision {
        enum Outcome {
            case dispatch(AdmittedRequest)
            case answer(HTTPResponse, route: String?)
        }
        let method: String
        let target: String
        let outcome: Outcome
    }

    let bufferEvent: OpaquePointer
    /// The evhttp connection, known from the accept's follow-up on (before any byte is read).
    private(set) var connection: OpaquePointer?
    private(set) var remoteAddress = ""
    /// Counted over `maximumConnections` at the accept: answered 503 and closed.
    let isOverLimit: Bool
    private(set) var phase = Phase.open
    var decisions = FIFO<Decision>()
    /// Requests evhttp dispatched that have no reply yet (a handler runs or a reply waits out
    /// its delay). Deadlines never cut a connection the server itself is busy with.
    var requestsInFlight = 0
    private unowned let server: HTTPServer
    private var framer: RequestFramer
    /// The deadline while open; the end of the linger while refusing.
    private var timer: LoopTimer!
    /// What the running deadline waits for, and how long it was given.
    private var deadline = (what: "request head", seconds: 0.0)
    private var inputCallback: OpaquePointer?

    /// How long a refused connection is kept to deliver its answer and drop late bytes.
    static let lingerSeconds = 2.0

    init(bufferEvent: OpaquePointer, server: HTTPServer, isOverLimit: Bool) {
        self.bufferEvent = bufferEvent
        self.server = server
        self.isOverLimit = isOverLimit
        self.framer = RequestFramer(limits: .init(
            maximumHeadSize: server.configuration.maximumHeadersSize, maximumFieldCount: 100))
        self.timer = LoopTimer(loop: server.loop) { [unowned self] in timerFired() }
        // Keeps the bufferevent's memory valid until `connectionClosed` (or an abandoned
        // accept) lets go, whatever evhttp frees meanwhile.
        bufferevent_incref(bufferEvent)
        inputCallback = evbuffer_add_cb(bufferevent_get_input(bufferEvent), { buffer, info, argument in
            guard let buffer, let info, let argument, info.pointee.n_added > 0 else { return }
            Unmanaged<ConnectionGuard>.fromOpaque(argument).takeUnretainedValue()
                .bytesArrived(in: buffer, count: info.pointee.n_added)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// The accept's follow-up: evhttp has made the connection. Starts the first head's deadline,
    /// or refuses a connection over the limit.
    func attach(to connection: OpaquePointer) {
        server.loop.assertInEventLoop()
        self.connection = connection
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        remoteAddress = address.map { String(cString: $0) } ?? ""
        if isOverLimit {
            let error = HTTPError(
                status: 503, code: "too_many_connections",
                message: "The server has \(server.maximumConnections) open connections; try again in a moment.",
                headers: ["Retry-After": "1"])
            takeOver(answering: error.response, method: nil, target: nil)
        } else {
            armDeadline(seconds: server.configuration.headerTimeoutSeconds, what: "request head")
        }
    }

    /// An accept whose connection evhttp never made (it failed, or freed it at once).
    func abandon() {
        phase = .closed
        detachFromInput()
        timer.cancel()
        bufferevent_decref(bufferEvent)
    }

    /// evhttp is freeing the connection (its close callback).
    func connectionClosed() {
        server.loop.assertInEventLoop()
        guard phase != .closed else { return }
        phase = .closed
        timer.cancel()
        detachFromInput()
        bufferevent_decref(bufferEvent)
    }

    /// The WebSocket hub takes the connection: later bytes are frames, not requests.
    func detachForUpgrade() {
        phase = .upgraded
        timer.cancel()
        detachFromInput()
    }

    private func detachFromInput() {
        if let inputCallback {
            evbuffer_remove_cb_entry(bufferevent_get_input(bufferEvent), inputCallback)
            self.inputCallback = nil
        }
    }

    // MARK: - Reading heads

    private func bytesArrived(in buffer: OpaquePointer, count: Int) {
        server.loop.assertInEventLoop()
        guard phase == .open, !framer.isSuspended else { return }
        // New bytes are the last `count` of the buffer (evhttp removes only from the front).
        let count = min(count, evbuffer_get_length(buffer))
        var position = evbuffer_ptr()
        evbuffer_ptr_set(buffer, &position, evbuffer_get_length(buffer) - count, EVBUFFER_PTR_SET)
        let needed = Int(evbuffer_peek(buffer, count, &position, nil, 0))
        guard needed > 0 else { return }
        withUnsafeTemporaryAllocation(of: iovec.self, capacity: needed) { vectors in
            let filled = Int(evbuffer_peek(buffer, count, &position, vectors.baseAddress, Int32(needed)))
            var remaining = count
            for vector in vectors.prefix(filled) where remaining > 0 {
                let length = min(vector.iov_len, remaining)
                remaining -= length
                // The buffer's memory is only read here; a refusal changes callbacks, not contents.
                guard feed(UnsafeRawBufferPointer(start: vector.iov_base, count: length)) else { return }
            }
        }
    }

    /// False once the connection is no longer read as HTTP.
    private func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            let step: (consumed: Int, event: RequestFramer.Event?)
            do {
                step = try framer.parse(rest)
            } catch {
                takeOver(answering: error.httpError.response, method: nil, target: nil)
                return false
            }
            rest = UnsafeRawBufferPointer(rebasing: rest[step.consumed...])
            switch step.event {
            case nil:
                break
            case .headBegan:
                if !timer.isScheduled {
                    armDeadline(seconds: server.configuration.headerTimeoutSeconds, what: "request head")
                }
            case .head(let head):
                timer.cancel()
                guard decide(head) else { return false }
                if framer.isSuspended { return false }
            case .bodyEnded:
                timer.cancel()
            }
        }
        return true
    }

    /// Takes the server's decision on `head`; false when the connection was taken over.
    private func decide(_ head: RequestHead) -> Bool {
        let verdict = server.decide(head, remoteAddress: remoteAddress)
        if head.bodyIsAmbiguous {
            // Answered and closed whatever the decision: the route's refusal (a 405 for TRACE)
            // if it has one, else the framing's.
            var error = HTTPError.badRequest("Requests of this method cannot carry a body.")
            if case .refuse(let refusal, _) = verdict { error = refusal }
            takeOver(answering: error.response, method: head.method, target: head.target)
            return false
        }
        switch verdict {
        case .admit(let admitted, let bodyLimit):
            decisions.append(Decision(method: head.method, target: head.target, outcome: .dispatch(admitted)))
            if admitted.isUpgrade {
                framer.suspend()
            } else if head.hasBody {
                framer.limitBody(to: bodyLimit)
                armDeadline(seconds: server.configuration.bodyTimeoutSeconds, what: "request body")
            }
        case .refuse(let error, let route):
            // Answered in turn by evhttp when nothing follows the head that evhttp could read
            // differently; else answered now, and the body is never read.
            let answerNow = head.hasBody || HTTPMethod(rawValue: head.method) == nil || head.headers["Upgrade"] != nil
            if answerNow {
                takeOver(answering: error.response, method: head.method, target: head.target, route: route)
                return false
            }
            decisions.append(Decision(method: head.method, target: head.target, outcome: .answer(error.response, route: route)))
        }
        return true
    }

    // MARK: - Deadlines

    private func armDeadline(seconds: Double, what: String) {
        deadline = (what, seconds)
        timer.schedule(after: seconds)
    }

    private func timerFired() {
        switch phase {
        case .refusing, .lingering:
            finishRefusal()
        case .open:
            deadlinePassed()
        case .upgraded, .closed:
            break
        }
    }

    private func deadlinePassed() {
        let output = evbuffer_get_length(bufferevent_get_output(bufferEvent))
        if requestsInFlight > 0 || output > 0 {
            // The server is answering an earlier request on this connection: the client
            // cannot be blamed for waiting; the deadline starts again.
            timer.schedule(after: deadline.seconds)
            return
        }
        server.connectionCounters.withLock { $0.timedOut += 1 }
        guard framer.isInsideHead || deadline.what != "request head" else {
            // Not a byte of a request yet (an idle or preconnected socket): close without
            // an answer nobody asked for, which a browser could read as its next response.
            if let connection { evhttp_connection_free(connection) }
            return
        }
        let error = HTTPError(
            status: 408, code: "request_timeout",
            message: "The \(deadline.what) did not arrive within \(Self.format(deadline.seconds)) s.")
        takeOver(answering: error.response, method: nil, target: nil)
    }

    // MARK: - Answering and closing by ourselves

    /// Takes the bufferevent from evhttp, writes `response` with `Connection: close`, and
    /// closes once it is delivered.
    private func takeOver(answering response: HTTPResponse, method: String?, target: String?, route: String? = nil) {
        guard phase == .open, let connection else { return }
        phase = .refusing
        detachFromInput()
        let context = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bufferEvent, { event, context in
            Unmanaged<ConnectionGuard>.fromOpaque(context!).takeUnretainedValue().dropInput()
        }, { _, context in
            Unmanaged<ConnectionGuard>.fromOpaque(context!).takeUnretainedValue().answerDelivered()
        }, { _, _, context in
            Unmanaged<ConnectionGuard>.fromOpaque(context!).takeUnretainedValue().finishRefusal()
        }, context)
        var writeTimeout = timeval(seconds: Self.lingerSeconds)
        bufferevent_set_timeouts(bufferEvent, nil, &writeTimeout)
        let bytes = Self.serialize(response, withBody: method != "HEAD")
        bytes.withUnsafeBytes { _ = bufferevent_write(bufferEvent, $0.baseAddress, $0.count) }
        bufferevent_enable(bufferEvent, Int16(EV_READ | EV_WRITE))
        // Nothing may hold the connection longer than this, whatever the client does.
        timer.schedule(after: Self.lingerSeconds * 2)
        server.noteAnsweredByGuard(status: response.status, bytes: bytes.count, method: method, target: target,
                                   route: route, connection: connection)
    }

    private func dropInput() {
        let input = bufferevent_get_input(bufferEvent)
        evbuffer_drain(input, evbuffer_get_length(input))
    }

    private func answerDelivered() {
        guard phase == .refusing else { return }
        phase = .lingering
        // The answer is out; say so with a FIN and read (and drop) what the client was still
        // sending, so that closing does not reset the connection before it reads the answer.
        shutdown(bufferevent_getfd(bufferEvent), Int32(SHUT_WR))
        timer.schedule(after: Self.lingerSeconds)
    }

    private func finishRefusal() {
        guard phase == .refusing || phase == .lingering, let connection else { return }
        // evhttp's close callback calls `connectionClosed`.
        evhttp_connection_free(connection)
    }

    /// A whole HTTP/1.1 response as bytes: status line, headers, length, `Connection: close`,
    /// and the body unless it answers a HEAD.
    static func serialize(_ response: HTTPResponse, withBody: Bool) -> [UInt8] {
        var body: [UInt8] = []
        if case .bytes(let bytes) = response.body { body = bytes }
        var head = "HTTP/1.1 \(response.status) \(ReasonPhrase.of(response.status))\r\n"
        for (name, value) in response.headers {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + (withBody ? body : [])
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
