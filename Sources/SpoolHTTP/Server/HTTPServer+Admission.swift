import Foundation

/// A request whose head the server accepted: everything but the body, which evhttp reads next.
struct AdmittedRequest {
    var request: HTTPRequest
    let handler: Router.Handler
    let priority: WorkPriority
    let immediate: Router.ImmediateAnswer?
    /// A WebSocket upgrade of the hub's path (the hub answers it on the loop).
    let isUpgrade: Bool
}

extension HTTPServer {
    /// The server's decision on a head.
    enum Verdict {
        /// Read the body (at most `bodyLimit` bytes), then run the handler.
        case admit(AdmittedRequest, bodyLimit: Int)
        /// Answer with the error; the body, if any, is never read.
        case refuse(HTTPError, route: String?)
    }

    /// Decides on a request from its head alone, before a byte of its body is kept: the host
    /// it names, its route and method, its declared length against the route's limit, and the
    /// head filter (origin). Loop only; must not block.
    func decide(_ head: RequestHead, remoteAddress: String) -> Verdict {
        loop.assertInEventLoop()
        switch hostVerdict(head.headers["Host"]) {
        case .allowed:
            break
        case .malformed:
            return .refuse(.badRequest("The Host header is not a host name or address."), route: nil)
        case .unknownName(let name):
            // 421 rather than 403: the request reached a server that is not the one its Host
            // names; no credential would change that, and operators should look at ALLOWED_HOSTS.
            return .refuse(HTTPError(
                status: 421, code: "misdirected_request",
                message: "This server does not answer for '\(name)'; add the name to ALLOWED_HOSTS if it is Spool's."),
                route: nil)
        }
        guard let target = RequestTarget(head.target) else {
            return .refuse(.badRequest("The request path is not valid percent-encoded UTF-8."), route: nil)
        }
        let method = HTTPMethod(rawValue: head.method)
        var request = HTTPRequest(
            method: method ?? .GET, path: target.path, query: target.query, rawQuery: target.rawQuery, headers: head.headers,
            remoteAddress: remoteAddress)

        if let hub = webSocketHub, target.path == hub.path {
            // The feed's only method is GET; the hub's handshake answers any GET (400 without
            // `Upgrade`, 426 for another version).
            guard method == .GET else {
                return .refuse(HTTPError(
                    status: 405, code: "method_not_allowed", message: "\(head.method) is not allowed on \(hub.path); use GET.",
                    headers: ["Allow": "GET"]), route: hub.path)
            }
            request.routePattern = hub.path
            if let refusal = refusal(by: headFilter, of: request) { return .refuse(refusal, route: hub.path) }
            let admitted = AdmittedRequest(request: request, handler: { _ in HTTPResponse() }, priority: .interactive,
                                           immediate: nil, isUpgrade: true)
            return .admit(admitted, bodyLimit: 0)
        }

        let handler: Router.Handler
        var priority = WorkPriority.interactive
        var immediate: Router.ImmediateAnswer?
        var bodyLimit = router.defaultMaximumBodySize
        switch router.match(method: head.method, path: target.path) {
        case .handler(let route, let parameters):
            request.pathParameters = parameters
            request.routePattern = route.pattern.text
            handler = route.handler
            priority = route.priority
            immediate = route.immediate
            bodyLimit = route.maximumBodySize
        case .methodNotAllowed(let allowed):
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            return .refuse(HTTPError(
                status: 405, code: "method_not_allowed",
                message: "\(head.method) is not allowed on \(target.path); use \(names).",
                headers: ["Allow": names]), route: nil)
        case .notFound:
            guard let fallback = router.fallback, method == .GET || method == .HEAD else {
                return .refuse(.notFound("No route for \(head.method) \(target.path)."), route: nil)
            }
            handler = fallback
        }
        if let length = head.declaredLength, length > bodyLimit {
            return .refuse(.payloadTooLarge(
                "The request body is \(length) bytes; this endpoint accepts at most \(bodyLimit)."),
                route: request.routePattern)
        }
        if let refusal = refusal(by: headFilter, of: request) { return .refuse(refusal, route: request.routePattern) }
        return .admit(AdmittedRequest(request: request, handler: handler, priority: priority, immediate: immediate,
                                      isUpgrade: false), bodyLimit: bodyLimit)
    }

    /// The host policy's verdict, remembered per `Host` value: clients repeat the same one on
    /// every request, and parsing it (addresses, labels) was a measurable part of a small
    /// request's time on the loop. At most 256 values are kept (then the cache starts over).
    private func hostVerdict(_ host: String?) -> HostPolicy.Verdict {
        guard let host else { return hostPolicy.verdict(forHostHeader: nil) }
        if let known = hostVerdicts[host] { return known }
        let verdict = hostPolicy.verdict(forHostHeader: host)
        if hostVerdicts.count >= 256 { hostVerdicts.removeAll(keepingCapacity: true) }
        hostVerdicts[host] = verdict
        return verdict
    }

    /// A filter's refusal of `request`, if any. Fails closed: an error that is not an
    /// `HTTPError` is a failed check, logged, and the request is refused with an opaque 500.
    func refusal(by filter: (@Sendable (HTTPRequest) throws -> Void)?, of request: HTTPRequest) -> HTTPError? {
        guard let filter else { return nil }
        do {
            try filter(request)
            return nil
        } catch let error as HTTPError {
            return error.status == 500 ? internalError(for: request, detail: error.message) : error
        } catch {
            return internalError(for: request, detail: "request filter: \(error)")
        }
    }

    /// The opaque 500 for a failure, with the details logged under the same request id.
    func internalError(for request: HTTPRequest, detail: String) -> HTTPError {
        let id = RequestID.next()
        logger.error("Request failed", metadata: [
            "request_id": "\(id)", "method": "\(request.method.rawValue)", "path": "\(request.path)", "error": "\(detail)"])
        return .internalError(requestId: id)
    }
}
