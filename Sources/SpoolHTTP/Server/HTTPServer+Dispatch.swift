import CLibEvent
import Foundation

extension HTTPServer {
    /// evhttp's callback for a complete request (head and body read). The head was decided on
    /// when it arrived (`decide`); this takes that decision, checks that evhttp read the same
    /// request, and answers it or hands the handler to the work queue.
    func receive(_ raw: OpaquePointer) {
        loop.assertInEventLoop()
        let start = DispatchTime.now().uptimeNanoseconds
        let reference = RequestReference(raw)
        guard let connection = evhttp_request_get_connection(raw), let watcher = guards[connection] else {
            // A connection evhttp made without our bufferevent (it could not get one): its
            // bytes were never checked, so it is not served.
            sendUnchecked(HTTPError(status: 503, code: "busy", message: "The server is busy; try again in a moment.",
                                    headers: ["Retry-After": "1"]).response, to: raw)
            return
        }
        guard watcher.phase == .open else {
            // Taken over by its guard after evhttp had already scheduled this read: the guard
            // answers and closes; evhttp frees this request with the connection.
            bufferevent_enable(watcher.bufferEvent, Int16(EV_READ))
            return
        }
        let evhttpMethod = HTTPMethod(command: evhttp_request_get_command(raw))?.rawValue
        let evhttpTarget = evhttp_request_get_uri(raw)
        guard let decision = watcher.decisions.popFirst(), decision.method == evhttpMethod, let evhttpTarget,
              decision.target.withCString({ strcmp($0, evhttpTarget) == 0 }) else {
            // Cannot happen while the framer accepts only what evhttp reads the same way; if it
            // does, nothing on this connection can be trusted.
            logger.error("evhttp and the request framer disagree; closing the connection", metadata: [
                "evhttp": "\(evhttpMethod ?? "?") \(evhttpTarget.map { String(cString: $0) } ?? "?")"])
            sendUnchecked(HTTPError.badRequest("The request could not be read unambiguously.").response, to: raw)
            return
        }
        requestsInFlight += 1
        watcher.requestsInFlight += 1
        switch decision.outcome {
        case .answer(let response, let route):
            let method = HTTPMethod(rawValue: decision.method) ?? .GET
            reply(response, to: reference, via: watcher,
                  request: HTTPRequest(method: method, path: RequestTarget(decision.target)?.path ?? "?"), route: route, start: start)
        case .dispatch(var admitted):
            if admitted.isUpgrade, let hub = webSocketHub {
                checkThenUpgrade(raw, request: admitted.request, hub: hub, watcher: watcher, start: start)
                return
            }
            admitted.request.body = Self.takeBody(of: raw)
            dispatch(admitted, reference: reference, watcher: watcher, start: start)
        }
    }

    private func dispatch(_ admitted: AdmittedRequest, reference: RequestReference, watcher: ConnectionGuard, start: UInt64) {
        let request = admitted.request
        if let immediate = admitted.immediate {
            // An answer from memory, on the loop: the request filter runs here too (routes with
            // one must not need a blocking check). A filter that fails otherwise than with an
            // `HTTPError` sends the request on to the queue, where it fails closed.
            do {
                try requestFilter?(request)
                if let answer = immediate(request) {
                    reply(answer, to: reference, via: watcher, request: request, route: request.routePattern, start: start)
                    return
                }
            } catch let error as HTTPError where error.status != 500 {
                reply(error.response, to: reference, via: watcher, request: request, route: request.routePattern, start: start)
                return
            } catch {}
        }
        let handler = admitted.handler
        let filter = requestFilter
        let accepted = work.submit(priority: admitted.priority) { [self, request] in
            let response: HTTPResponse
            do {
                try filter?(request)
                response = try handler(request)
            } catch let error as HTTPError where error.status != 500 {
                response = error.response
            } catch let error as HTTPError {
                response = internalError(for: request, detail: error.message).response
            } catch {
                response = internalError(for: request, detail: "\(error)").response
            }
            loop.execute { [self] in
                reply(response, to: reference, via: watcher, request: request, route: request.routePattern, start: start)
            }
        }
        if !accepted {
            let error = HTTPError(status: 503, code: "busy", message: "The server is busy; try again in a moment.", headers: ["Retry-After": "1"])
            reply(error.response, to: reference, via: watcher, request: request, route: request.routePattern, start: start)
        }
    }

    /// The upgrade's access check may block (a session looked up), so it runs on the work
    /// queue; the upgrade itself happens back on the loop, which owns the socket. The request
    /// stays in flight meanwhile (evhttp does not read the connection).
    private func checkThenUpgrade(_ raw: OpaquePointer, request: HTTPRequest, hub: WebSocketHub, watcher: ConnectionGuard, start: UInt64) {
        let reference = RequestReference(raw)
        let filter = requestFilter
        let accepted = work.submit(priority: .interactive) { [self, request] in
            var refused = refusal(by: filter, of: request)
            var viewer = WebSocketViewer.unidentified
            var replay = WebSocketReplay.none
            if refused == nil {
                do {
                    viewer = try hub.identify(request) ?? .unidentified
                    replay = hub.greeting(request.query, viewer)
                } catch {
                    refused = error as? HTTPError ?? internalError(for: request, detail: "identifying a WebSocket client: \(error)")
                }
            }
            loop.execute { [self, refused, viewer, replay] in
                guard let refused else {
                    requestsInFlight -= 1
                    watcher.requestsInFlight -= 1
                    upgrade(reference.pointer, request: request, hub: hub, watcher: watcher, viewer: viewer, replay: replay, start: start)
                    if isDraining && requestsInFlight == 0 { finish() }
                    return
                }
                // Bytes after the head may be frames: the connection closes with the answer.
                var response = refused.response
                response.headers.set("Connection", "close")
                reply(response, to: reference, via: watcher, request: request, route: hub.path, start: start)
            }
        }
        if !accepted {
            var response = HTTPError(status: 503, code: "busy", message: "The server is busy; try again in a moment.",
                                     headers: ["Retry-After": "1"]).response
            response.headers.set("Connection", "close")
            reply(response, to: reference, via: watcher, request: request, route: hub.path, start: start)
        }
    }

    private func upgrade(_ raw: OpaquePointer, request: HTTPRequest, hub: WebSocketHub, watcher: ConnectionGuard,
                         viewer: WebSocketViewer, replay: WebSocketReplay, start: UInt64) {
        // The hub owns an upgraded socket; the guard stops reading it as HTTP.
        watcher.detachForUpgrade()
        upgradedConnections += 1
        publishConnectionCounts()
        let status = hub.upgrade(raw, method: request.method, headers: request.headers, viewer: viewer, replay: replay)
        exchangeObserver?(Exchange(
            method: request.method.rawValue, path: request.path, route: hub.path, status: status, bytes: 0,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    }

    /// Sends `response` now, or after its `delay` on a loop timer (no thread waits meanwhile;
    /// the connection does not read while its request is unanswered).
    private func reply(
        _ response: HTTPResponse, to reference: RequestReference, via watcher: ConnectionGuard,
        request: HTTPRequest, route: String?, start: UInt64
    ) {
        loop.assertInEventLoop()
        if response.delay > 0 {
            var later = response
            later.delay = 0
            loop.schedule(after: response.delay) { [self, later] in
                let now = later
                reply(now, to: reference, via: watcher, request: request, route: route, start: start)
            }
            return
        }
        var response = response
        if response.status == 500 && response.headers["X-Request-Id"] == nil {
            // A 500 built by hand (or a response that failed to encode): same opacity.
            let detail = response.bodyText.map { String($0.prefix(2000)) } ?? "status 500 without a body"
            response.discardBody()
            response = internalError(for: request, detail: detail).response
        }
        requestsInFlight -= 1
        if case .stream(let stream) = response.body, response.sendsBody(to: request.method.rawValue) {
            // Still in flight for the guard until the stream's last chunk (`endStream`).
            send(response, to: reference, method: request.method.rawValue, path: request.path, route: route, start: start)
            startStream(stream, status: response.status, request: reference.pointer, watcher: watcher)
        } else {
            watcher.requestsInFlight -= 1
            send(response, to: reference, method: request.method.rawValue, path: request.path, route: route, start: start)
        }
        if isDraining && requestsInFlight == 0 { finish() }
    }

    private func send(
        _ response: HTTPResponse, to reference: RequestReference, method: String, path: String,
        route: String?, start: UInt64
    ) {
        let request = reference.pointer
        let headers = evhttp_request_get_output_headers(request)
        for (name, value) in response.headers {
            evhttp_add_header(headers, name, value)
        }
        let length = response.bodyLength
        if case .stream = response.body, response.sendsBody(to: method) {
            // Status, headers and chunks are sent by `startStream`, which the caller runs next.
        } else if !response.sendsBody(to: method) {
            if method == "HEAD" && response.headers["Content-Length"] == nil {
                evhttp_add_header(headers, "Content-Length", String(length))
            }
            response.discardBody()
            evhttp_send_reply(request, Int32(response.status), ReasonPhrase.known(response.status), nil)
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
            evhttp_send_reply(request, Int32(response.status), ReasonPhrase.known(response.status), buffer)
            evbuffer_free(buffer)
            if case .file = response.body, length > Self.largeBodyThreshold {
                relaxTimeoutsWhileSending(request)
            }
        }
        record(method: method, path: path, route: route, status: response.status, bytes: length, start: start)
    }

    func record(method: String, path: String, route: String?, status: Int, bytes: Int64, start: UInt64) {
        let exchange = Exchange(
            method: HTTPMethod(rawValue: method)?.rawValue ?? "OTHER", path: path, route: route, status: status,
            bytes: bytes, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        logger.debug("\(exchange.method) \(path) \(status) \(bytes)B \(String(format: "%.2f", exchange.seconds * 1000))ms")
        exchangeObserver?(exchange)
    }

    /// Answers a request that is not served at all, and closes its connection.
    private func sendUnchecked(_ response: HTTPResponse, to raw: OpaquePointer) {
        var response = response
        response.headers.set("Connection", "close")
        send(response, to: RequestReference(raw), method: "GET", path: "?", route: nil,
             start: DispatchTime.now().uptimeNanoseconds)
    }

    private static func takeBody(of raw: OpaquePointer) -> [UInt8] {
        guard let buffer = evhttp_request_get_input_buffer(raw) else { return [] }
        let length = evbuffer_get_length(buffer)
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { storage, count in
            count = Int(evbuffer_remove(buffer, storage.baseAddress, length))
        }
    }

    // MARK: - Long replies

    /// Bodies above this size get the relaxed timeouts below.
    static let largeBodyThreshold: Int64 = 1 << 20

    /// evhttp has one timeout for reading and writing and keeps reading while it writes, so a
    /// client fetching a long file slower than the timeout would be cut off mid-body. While a
    /// large body is sent, only a write timeout applies (it fires only when the client stops
    /// taking bytes); the usual timeouts come back when the reply is complete.
    func relaxTimeoutsWhileSending(_ request: OpaquePointer) {
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
}

extension HTTPResponse {
    /// Whether a body goes out at all: never to HEAD, never with 304 or 204.
    func sendsBody(to method: String) -> Bool {
        method != "HEAD" && status != 304 && status != 204
    }

    /// The body as text, when it is bytes (for logging a response that is replaced).
    var bodyText: String? {
        if case .bytes(let bytes) = body { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}
