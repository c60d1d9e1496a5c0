import CLibEvent
import Foundation
import Synchronization

/// Whether the listening sockets accept, and why not.
struct AcceptState {
    /// Connections are at `maximumConnections` plus the refusal allowance.
    var pausedForLimit = false
    /// An accept failed (out of descriptors): paused until the back-off timer fires.
    var pausedAfterFailure = false
    var listening = true
    /// The next pause after a failed accept; doubles per failure up to `maximumBackoff`.
    var backoff = AcceptState.initialBackoff
    var failuresSinceReport = 0
    var lastReport: UInt64 = 0
    var resumeTimer: LoopTimer?

    static let initialBackoff = 0.05
    static let maximumBackoff = 1.0
    /// One log line per this many seconds while accepts keep failing.
    static let reportInterval: UInt64 = 10_000_000_000
}

extension HTTPServer {
    /// Connections accepted beyond `maximumConnections` only to be answered 503; past these,
    /// the listening socket stops accepting until some close (they are waiting in the kernel's
    /// backlog meanwhile), so refusing cannot itself run the process out of descriptors.
    static let refusalAllowance = 64

    /// evhttp asks for each accepted connection's bufferevent (`evhttp_set_bevcb`): the moment
    /// the connection is counted and its guard starts watching it.
    func installAcceptHooks() {
        evhttp_set_bevcb(http, { base, argument in
            guard let base, let argument else { return nil }
            return Unmanaged<HTTPServer>.fromOpaque(argument).takeUnretainedValue().accepted(on: base)
        }, Unmanaged.passUnretained(self).toOpaque())
        followUpEvent = event_new(loop.base, -1, 0, { _, _, argument in
            Unmanaged<HTTPServer>.fromOpaque(argument!).takeUnretainedValue().followUpAccepts()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// A socket was accepted; evhttp makes its connection as soon as this returns.
    private func accepted(on base: OpaquePointer) -> OpaquePointer? {
        loop.assertInEventLoop()
        let made = tlsContext?.makeBufferEvent(base: base) ?? bufferevent_socket_new(base, -1, 0)
        guard let bufferEvent = made else { return nil }
        openConnections += 1
        accepting.backoff = AcceptState.initialBackoff
        let watcher = ConnectionGuard(bufferEvent: bufferEvent, server: self, isOverLimit: openConnections > maximumConnections)
        acceptedAwaitingFollowUp.append(watcher)
        // Runs in this same pass of the loop, after evhttp has made the connection and before
        // any of its bytes can be read (that needs another poll).
        if acceptedAwaitingFollowUp.count == 1, let followUpEvent {
            event_active(followUpEvent, EV_TIMEOUT, 0)
        }
        updateListening()
        return bufferEvent
    }

    /// Ties each new guard to its evhttp connection. evhttp hands a bufferevent's callbacks the
    /// connection as their argument (http.c, `evhttp_connection_base_bufferevent_new`); it is
    /// checked against the connection's own bufferevent before use.
    private func followUpAccepts() {
        loop.assertInEventLoop()
        let accepted = acceptedAwaitingFollowUp
        acceptedAwaitingFollowUp = []
        for watcher in accepted {
            var read: bufferevent_data_cb?
            var write: bufferevent_data_cb?
            var event: bufferevent_event_cb?
            var argument: UnsafeMutableRawPointer?
            bufferevent_getcb(watcher.bufferEvent, &read, &write, &event, &argument)
            guard let argument, evhttp_connection_get_bufferevent(OpaquePointer(argument)) == watcher.bufferEvent else {
                // evhttp could not make the connection, or freed it already.
                watcher.abandon()
                openConnections -= 1
                continue
            }
            let connection = OpaquePointer(argument)
            guards[connection] = watcher
            evhttp_connection_set_closecb(connection, { connection, argument in
                guard let connection, let argument else { return }
                Unmanaged<HTTPServer>.fromOpaque(argument).takeUnretainedValue().connectionClosed(connection)
            }, Unmanaged.passUnretained(self).toOpaque())
            watcher.attach(to: connection)
        }
        publishConnectionCounts()
        updateListening()
    }

    /// evhttp is freeing a connection (also an upgraded one, when its session ends).
    private func connectionClosed(_ connection: OpaquePointer) {
        loop.assertInEventLoop()
        cancelStream(on: connection)
        guard let watcher = guards.removeValue(forKey: connection) else { return }
        if watcher.phase == .upgraded { upgradedConnections -= 1 }
        watcher.connectionClosed()
        openConnections -= 1
        publishConnectionCounts()
        updateListening()
    }

    /// A response the guard wrote itself (a refusal, a framing error, a deadline).
    func noteAnsweredByGuard(status: Int, bytes: Int, method: String?, target: String?, route: String?,
                             connection: OpaquePointer) {
        if status == 503 { connectionCounters.withLock { $0.refused += 1 } }
        let path = target.flatMap { RequestTarget($0)?.path } ?? "?"
        record(method: method ?? "OTHER", path: path, route: route, status: status, bytes: Int64(bytes),
               start: DispatchTime.now().uptimeNanoseconds)
    }

    func publishConnectionCounts() {
        let open = openConnections - upgradedConnections
        connectionCounters.withLock { $0.open = open }
    }

    // MARK: - Pausing accepts

    /// Starts or stops the listening sockets to match `accepting`.
    func updateListening() {
        accepting.pausedForLimit = openConnections >= maximumConnections + Self.refusalAllowance
        let wanted = !accepting.pausedForLimit && !accepting.pausedAfterFailure && !isDraining
        guard wanted != accepting.listening else { return }
        accepting.listening = wanted
        for socket in boundSockets {
            guard let listener = evhttp_bound_socket_get_listener(socket) else { continue }
            if wanted { evconnlistener_enable(listener) } else { evconnlistener_disable(listener) }
        }
    }

    /// Without an error callback, libevent logs every failed `accept` and keeps the listening
    /// socket readable, so at the descriptor limit the loop spins: 15 CPU-seconds in 18 s and
    /// seven million log lines were measured. With it, accepting pauses with a growing back-off.
    func watchAcceptErrors(of socket: OpaquePointer) {
        guard let listener = evhttp_bound_socket_get_listener(socket) else { return }
        Self.listeners.withLock { $0[UInt(bitPattern: Int(bitPattern: http))] = Unmanaged.passUnretained(self) }
        // libevent passes the listener's own argument (the evhttp) to this callback.
        evconnlistener_set_error_cb(listener) { _, argument in
            let error = errno
            let key = UInt(bitPattern: Int(bitPattern: argument))
            guard let server = HTTPServer.listeners.withLock({ $0[key] })?.takeUnretainedValue() else { return }
            server.acceptFailed(errno: error)
        }
    }

    /// Servers by evhttp pointer, for the accept error callback. Entries are never removed:
    /// a server lives as long as its loop, and one process runs one server.
    static let listeners = Mutex<[UInt: Unmanaged<HTTPServer>]>([:])

    private func acceptFailed(errno error: Int32) {
        loop.assertInEventLoop()
        connectionCounters.withLock { $0.acceptFailures += 1 }
        let pause = accepting.backoff
        accepting.backoff = min(AcceptState.maximumBackoff, pause * 2)
        accepting.pausedAfterFailure = true
        updateListening()
        let timer = accepting.resumeTimer ?? LoopTimer(loop: loop) { [unowned self] in
            accepting.pausedAfterFailure = false
            updateListening()
        }
        accepting.resumeTimer = timer
        timer.schedule(after: pause)
        accepting.failuresSinceReport += 1
        let now = DispatchTime.now().uptimeNanoseconds
        if accepting.lastReport == 0 || now - accepting.lastReport >= AcceptState.reportInterval {
            logger.warning("Cannot accept connections; pausing accepts", metadata: [
                "error": "\(String(cString: strerror(error)))", "pause_ms": "\(Int(pause * 1000))",
                "failures_since_last_report": "\(accepting.failuresSinceReport)",
                "open_connections": "\(openConnections)"])
            accepting.lastReport = now
            accepting.failuresSinceReport = 0
        }
    }
}
