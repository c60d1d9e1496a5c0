import CLibEvent
import Foundation
import SpoolWebSocket

/// One upgraded connection. Loop only: created, fed, written and closed on the loop thread.
///
/// Everything a client has not read yet is bounded in bytes: the broadcasts after its cursor in
/// the hub's `BroadcastLog` (dropped with 1008 when it falls off the log's end, so one slow
/// reader never holds memory or slows the others; it reconnects with `?since=`), what sits in
/// the socket's output buffer (refilled only below `highWater`), its greeting, and the control
/// frames it provoked: pongs are coalesced into one (RFC 6455 §5.5.3 allows answering only the
/// most recent ping), so a client that sends a million pings and never reads costs one pong.
final class WebSocketSession {
    let id: Int
    private let loop: EventLoop
    private let connection: OpaquePointer
    private let bufferEvent: OpaquePointer
    private var decoder: WebSocketFrameDecoder
    /// The next broadcast to send: an absolute index into the hub's log.
    var cursor: Int
    /// Who the client is: broadcasts for other audiences are stepped over.
    let viewer: WebSocketViewer
    /// The last sequence number its replay covered: broadcasts up to it are stepped over.
    var replayedThrough: Int64?
    /// The replay a reconnecting client asked for, sent before any broadcast. Its size was set
    /// by the event ring when the client connected, so it is not held against the log's bound.
    private var greeting = FIFO<[UInt8]>()
    private var greetingBytes = 0
    /// The payload of the newest ping not answered yet.
    private var pendingPong: [UInt8]?
    /// The output buffer is refilled only below this. It is what a client that never reads
    /// holds in copies of its own (with libevent's chain overhead, about twice that), next to
    /// the kernel's 128 KiB: at 64 KiB, 500 silent clients cost 50 MiB; at 16 KiB, 44 feed
    /// messages per refill, a reading client is still refilled at once when it drains.
    static let highWater = 16 * 1024
    private(set) var isClosing = false
    private var freed = false
    private weak var hub: WebSocketHub?
    /// Whether the client answered since the last ping.
    var sawPong = true

    init(id: Int, loop: EventLoop, connection: OpaquePointer, bufferEvent: OpaquePointer, hub: WebSocketHub,
         cursor: Int, viewer: WebSocketViewer, maximumMessageSize: Int) {
        self.id = id
        self.viewer = viewer
        self.loop = loop
        self.connection = connection
        self.bufferEvent = bufferEvent
        self.hub = hub
        self.cursor = cursor
        self.decoder = WebSocketFrameDecoder(maximumMessageSize: maximumMessageSize)
    }

    /// Takes over the connection's buffer event (steps 5–8 of the upgrade in notes-libevent.md).
    /// evhttp's close callback stays: the server counts the connection until it is freed.
    func attach() {
        loop.assertInEventLoop()
        let context = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bufferEvent, { _, context in
            Unmanaged<WebSocketSession>.fromOpaque(context!).takeUnretainedValue().readAvailable()
        }, { _, context in
            Unmanaged<WebSocketSession>.fromOpaque(context!).takeUnretainedValue().writeDrained()
        }, { _, events, context in
            Unmanaged<WebSocketSession>.fromOpaque(context!).takeUnretainedValue().connectionEvent(events)
        }, context)
        // evhttp's idle timeout would kill a quiet socket; liveness is ping/pong's job now.
        bufferevent_set_timeouts(bufferEvent, nil, nil)
        bufferevent_enable(bufferEvent, Int16(EV_READ | EV_WRITE))
        // Bound what the kernel buffers per client (autotuning allows megabytes): a stalled
        // reader then shows up in our own queue, where it is counted and dropped.
        var sendBuffer: Int32 = 128 * 1024
        setsockopt(bufferevent_getfd(bufferEvent), SOL_SOCKET, SO_SNDBUF, &sendBuffer, socklen_t(MemoryLayout<Int32>.size))
        // A frame that arrived with the handshake fires no read callback: read it now.
        readAvailable()
    }

    /// Queues the replay a reconnecting client asked for.
    func greet(with frames: [[UInt8]]) {
        for frame in frames where !isClosing {
            greetingBytes += frame.count
            greeting.append(frame)
        }
        hub?.flush(self)
    }

    func ping() {
        loop.assertInEventLoop()
        guard !isClosing else { return }
        if !sawPong {
            close(code: .goingAway, reason: "No pong")
            return
        }
        sawPong = false
        write(WebSocketFrameEncoder.pingFrame(payload: Array("spool".utf8)))
    }

    /// Sends a close frame and frees the connection once it has drained.
    func close(code: WebSocketCloseCode, reason: String) {
        loop.assertInEventLoop()
        guard !isClosing else { return }
        isClosing = true
        greeting = FIFO()
        pendingPong = nil
        greetingBytes = 0
        write(WebSocketFrameEncoder.closeFrame(code: code, reason: reason))
        bufferevent_disable(bufferEvent, Int16(EV_READ))
        // Don't wait forever for a client that stopped reading.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        bufferevent_set_timeouts(bufferEvent, nil, &timeout)
        if evbuffer_get_length(bufferevent_get_output(bufferEvent)) == 0 { free() }
    }

    /// Moves frames into the output buffer while it is below `highWater`: the pong first, then
    /// the greeting, then the broadcasts from the cursor on (skipping those a later one with the
    /// same key supersedes). False when the client is more than the log behind: it must go.
    func flush(from log: borrowing BroadcastLog) -> Bool {
        guard !isClosing else { return true }
        if cursor < log.tail { return false }
        let output = bufferevent_get_output(bufferEvent)
        if let pong = pendingPong, evbuffer_get_length(output) < Self.highWater {
            pendingPong = nil
            write(WebSocketFrameEncoder.pongFrame(payload: pong))
        }
        while evbuffer_get_length(output) < Self.highWater {
            if let frame = greeting.popFirst() {
                greetingBytes -= frame.count
                write(frame)
            } else if cursor < log.head {
                let index = cursor
                cursor += 1
                let entry = log[index]
                let replayed = entry.sequence.map { sequence in replayedThrough.map { sequence <= $0 } ?? false } ?? false
                if !replayed && entry.audience.includes(viewer) && !log.isSuperseded(index) { write(entry.frame) }
            } else {
                break
            }
        }
        return true
    }

    private func write(_ frame: [UInt8]) {
        frame.withUnsafeBytes { _ = bufferevent_write(bufferEvent, $0.baseAddress, $0.count) }
    }

    private func readAvailable() {
        loop.assertInEventLoop()
        guard !freed else { return }
        let input = bufferevent_get_input(bufferEvent)
        let length = evbuffer_get_length(input)
        if length > 0 {
            var bytes = [UInt8](repeating: 0, count: length)
            bytes.withUnsafeMutableBytes { _ = evbuffer_remove(input, $0.baseAddress, length) }
            decoder.append(bytes)
        }
        do {
            var answered = false
            while let event = try decoder.nextEvent() {
                switch event {
                case .ping(let payload):
                    pendingPong = payload
                    answered = true
                case .pong:
                    sawPong = true
                case .close(let code, _):
                    // Echo the code (1000 when none was given), then close.
                    let reply = code.map { WebSocketCloseCode(rawValue: $0) } ?? .normalClosure
                    close(code: reply.isAllowedInCloseFrame ? reply : .normalClosure, reason: "")
                    return
                case .text, .binary:
                    break  // the feed is one-way; client messages are ignored
                }
            }
            if answered { hub?.flush(self) }
        } catch {
            close(code: error.closeCode, reason: error.reason)
        }
    }

    private func writeDrained() {
        if isClosing {
            free()
        } else {
            hub?.flush(self)
        }
    }

    private func connectionEvent(_ events: Int16) {
        // EOF, error or the closing timeout: the socket is done.
        free()
    }

    private func free() {
        guard !freed else { return }
        freed = true
        bufferevent_setcb(bufferEvent, nil, nil, nil, nil)
        // evhttp's close callback tells the server the connection is gone.
        evhttp_connection_free(connection)
        hub?.sessionDidClose(id)
    }
}
