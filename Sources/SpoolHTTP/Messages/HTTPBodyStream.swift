import Foundation

/// A response body produced while it is sent: a producer thread writes bytes as it makes them
/// (ffmpeg's output while a track is transcoded), the loop sends them as HTTP/1.1 chunks.
///
/// Memory stays bounded by `bufferLimit`: `write` blocks the producer while that much waits to
/// be sent, and the loop asks for the next bytes only once the previous chunk has left for the
/// socket, so a client that reads at playback speed holds about `bufferLimit` plus one chunk,
/// never a whole transcoded file. When the client goes away (closed connection, write timeout,
/// server shutdown) the stream is cancelled: a blocked `write` returns false at once and the
/// `onCancel` handlers run, which is how a transcoding child learns to stop.
///
/// ```swift
/// let body = HTTPBodyStream()
/// body.onCancel { cancellation.cancel() }
/// Thread { while let bytes = produce() { guard body.write(bytes) else { break } }; body.finish() }.start()
/// return HTTPResponse(status: 200, headers: headers, body: .stream(body))
/// ```
public final class HTTPBodyStream: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var finished = false
    private var cancelled = false
    private var cancelHandlers: [@Sendable () -> Void] = []
    /// Set by the server while it waits for bytes; called (on the producer's thread) when some
    /// arrive or the stream ends.
    private var wakeConsumer: (@Sendable () -> Void)?
    private var consumerWaiting = false

    /// Bytes that may wait to be sent before `write` blocks.
    public let bufferLimit: Int

    /// 256 KiB: about 16 s of a 128 kbit/s stream, enough to ride out a slow moment of the
    /// producer without holding more than that per listener.
    public init(bufferLimit: Int = 256 << 10) {
        self.bufferLimit = max(1, bufferLimit)
    }

    // MARK: - Producer

    /// Appends `bytes`, blocking while `bufferLimit` bytes already wait. False once the stream
    /// is cancelled (the client left): stop producing.
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        condition.lock()
        while !cancelled && pending.count >= bufferLimit {
            condition.wait()
        }
        guard !cancelled, !finished else {
            condition.unlock()
            return false
        }
        pending.append(contentsOf: bytes.bindMemory(to: UInt8.self))
        let wake = takeWake()
        condition.unlock()
        wake?()
        return true
    }

    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { write($0) }
    }

    /// The body is complete; what waits is still sent.
    public func finish() {
        condition.lock()
        finished = true
        let wake = takeWake()
        condition.unlock()
        wake?()
    }

    /// Whether the client left (or the server stops).
    public var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Runs `handler` once when the stream is cancelled (at once if it already is). Not run
    /// when the body completes normally.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        condition.lock()
        if cancelled {
            condition.unlock()
            handler()
            return
        }
        cancelHandlers.append(handler)
        condition.unlock()
    }

    // MARK: - Consumer (the server)

    /// The next bytes to send (at most `limit`), and whether the body is complete after them.
    /// With nothing to send and the body not complete, `wake` is kept and called once bytes or
    /// the end arrive.
    func take(upTo limit: Int, wake: @escaping @Sendable () -> Void) -> (bytes: [UInt8], complete: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if cancelled { return ([], true) }
        let count = min(limit, pending.count)
        let bytes = Array(pending[..<count])
        pending.removeFirst(count)
        if count > 0 { condition.broadcast() }
        let complete = finished && pending.isEmpty
        if count == 0 && !complete {
            wakeConsumer = wake
            consumerWaiting = true
        }
        return (bytes, complete)
    }

    /// The client left, or the server stops: the producer is told and nothing more is sent.
    public func cancel() {
        condition.lock()
        guard !cancelled else {
            condition.unlock()
            return
        }
        cancelled = true
        pending = []
        let handlers = cancelHandlers
        cancelHandlers = []
        wakeConsumer = nil
        condition.broadcast()
        condition.unlock()
        for handler in handlers { handler() }
    }

    /// Must be called with the lock held.
    private func takeWake() -> (@Sendable () -> Void)? {
        guard consumerWaiting else { return nil }
        consumerWaiting = false
        defer { wakeConsumer = nil }
        return wakeConsumer
    }
}
