import CLibEvent
import Foundation

/// One streamed reply: its producer, its request, its connection's guard, and whether a chunk
/// is on its way out. Loop only.
final class StreamedReply {
    let stream: HTTPBodyStream
    let request: OpaquePointer
    /// Counts the reply as in flight until its last chunk, so the guard's deadlines never cut
    /// a connection while the server is still sending (a transcoding pauses between chunks).
    let watcher: ConnectionGuard
    var chunkInFlight = false

    init(stream: HTTPBodyStream, request: OpaquePointer, watcher: ConnectionGuard) {
        self.stream = stream
        self.request = request
        self.watcher = watcher
    }
}

extension HTTPServer {
    /// The most bytes handed to evhttp at once: the next chunk is taken only when this one has
    /// been written to the socket, so the connection's output buffer never holds more.
    static let streamChunkSize = 64 << 10

    /// Starts sending a streamed body (status and headers go out now, the bytes as the producer
    /// makes them). The guard's in-flight count was raised by the caller and is lowered when the
    /// stream ends.
    func startStream(_ stream: HTTPBodyStream, status: Int, request: OpaquePointer, watcher: ConnectionGuard) {
        loop.assertInEventLoop()
        guard let connection = evhttp_request_get_connection(request) else {
            stream.cancel()
            watcher.requestsInFlight -= 1
            return
        }
        streams[connection] = StreamedReply(stream: stream, request: request, watcher: watcher)
        evhttp_send_reply_start(request, Int32(status), ReasonPhrase.known(status))
        relaxTimeoutsWhileSending(request)
        pumpStream(on: connection)
    }

    /// Sends what the producer has made, or waits for it (the producer's next write wakes this).
    func pumpStream(on connection: OpaquePointer) {
        loop.assertInEventLoop()
        guard let reply = streams[connection], !reply.chunkInFlight else { return }
        let reference = ConnectionReference(connection)
        let next = reply.stream.take(upTo: Self.streamChunkSize) { [self] in
            loop.execute { [self] in pumpStream(on: reference.pointer) }
        }
        if !next.bytes.isEmpty {
            let buffer = evbuffer_new()
            next.bytes.withUnsafeBytes { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
            reply.chunkInFlight = true
            // The callback runs once the chunk has left the connection's output buffer: that is
            // the backpressure, one chunk at a time.
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
    func endStream(on connection: OpaquePointer, cancelled: Bool) {
        loop.assertInEventLoop()
        guard let reply = streams.removeValue(forKey: connection) else { return }
        reply.watcher.requestsInFlight -= 1
        if cancelled {
            reply.stream.cancel()
            if evhttp_request_get_connection(reply.request) == nil {
                evhttp_send_reply_end(reply.request)
            }
        } else {
            evhttp_send_reply_end(reply.request)
        }
    }

    /// A client that leaves in the middle of a streamed body: its producer stops (evhttp's close
    /// callback, through `connectionClosed`).
    func cancelStream(on connection: OpaquePointer) {
        if streams[connection] != nil { endStream(on: connection, cancelled: true) }
    }
}
