import CLibEvent
import Foundation

/// One upgraded connection. Loop only: created, fed, written and closed on the loop thread.
///
/// Outgoing messages wait in a bounded queue and move into the socket's buffer only while it
/// holds less than `highWater` bytes; a queued message with the same coalescing key (the
/// progress of one job) is replaced rather than appended; a client whose queue still
/// overflows is closed with 1008 so one slow reader never holds memory or slows the others.
final class WebSocketSession {
    let id: Int
    private let connection: OpaquePointer
    private let bufferEvent: OpaquePointer
    private var decoder: WebSocketFrameDecoder
    private var queue = OutgoingQueue()
    private let maximumQueue: Int
    private let highWater = 512 * 1024
    private(set) var isClosing = false
    private var freed = false
    private weak var hub: WebSocketHub?
    /// Whether the client answered since the last ping.
    var sawPong = true

    init(id: Int, connection: OpaquePointer, bufferEvent: OpaquePointer, hub: WebSocketHub, maximumQueue: Int, maximumMessageSize: Int) {
        self.id = id
        self.connection = connection
        self.bufferEvent = bufferEvent
        self.hub = hub
        self.maximumQueue = maximumQueue
        self.decoder = WebSocketFrameDecoder(maximumMessageSize: maximumMessageSize)
    }

    /// Takes over the connection's buffer event (steps 5–8 of the upgrade in notes-libevent.md).
    func attach() {
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
        evhttp_connection_set_closecb(connection, nil, nil)
        // A frame that arrived with the handshake fires no read callback: read it now.
        readAvailable()
    }

    /// Queues a text message; `key` coalesces with an unsent message of the same key.
    func send(_ frame: [UInt8], key: String?) {
        guard !isClosing else { return }
        queue.append(frame, key: key)
        if queue.count > maximumQueue {
            hub?.noteDropped()
            close(code: .policyViolation, reason: "Too slow: events dropped")
            return
        }
        flush()
    }

    func ping() {
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
        guard !isClosing else { return }
        isClosing = true
        queue = OutgoingQueue()
        write(WebSocketFrameEncoder.closeFrame(code: code, reason: reason))
        bufferevent_disable(bufferEvent, Int16(EV_READ))
        // Don't wait forever for a client that stopped reading.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        bufferevent_set_timeouts(bufferEvent, nil, &timeout)
        if evbuffer_get_length(bufferevent_get_output(bufferEvent)) == 0 { free() }
    }

    private func flush() {
        let output = bufferevent_get_output(bufferEvent)
        while evbuffer_get_length(output) < highWater, let frame = queue.popFirst() {
            write(frame)
        }
    }

    private func write(_ frame: [UInt8]) {
        frame.withUnsafeBytes { _ = bufferevent_write(bufferEvent, $0.baseAddress, $0.count) }
    }

    private func readAvailable() {
        guard !freed else { return }
        let input = bufferevent_get_input(bufferEvent)
        let length = evbuffer_get_length(input)
        if length > 0 {
            var bytes = [UInt8](repeating: 0, count: length)
            bytes.withUnsafeMutableBytes { _ = evbuffer_remove(input, $0.baseAddress, length) }
            decoder.append(bytes)
        }
        do {
            while let event = try decoder.nextEvent() {
                switch event {
                case .ping(let payload):
                    write(WebSocketFrameEncoder.pongFrame(payload: payload))
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
        } catch {
            close(code: error.closeCode, reason: error.reason)
        }
    }

    private func writeDrained() {
        if isClosing {
            free()
        } else {
            flush()
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
        evhttp_connection_free(connection)
        hub?.sessionDidClose(id)
    }
}
