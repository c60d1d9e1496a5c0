/// Answers a request in process, without a socket or the loop: what the server does between
/// parsing a request and sending the reply (routing, the body limit, the route's handler,
/// errors to their JSON shape), for route tests in the manner of HummingbirdTesting.
///
/// ```swift
/// let response = router.respond(to: HTTPRequest(method: .GET, path: "/api/meta"))
/// XCTAssertEqual(response.status, 200)
/// ```
extension Router {
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        var routed = request
        let handler: Handler
        switch match(method: request.method.rawValue, path: request.path) {
        case .handler(let route, let parameters):
            guard request.body.count <= route.maximumBodySize else {
                return HTTPError.payloadTooLarge(
                    "The request body is \(request.body.count) bytes; this endpoint accepts at most \(route.maximumBodySize).").response
            }
            routed.pathParameters = parameters
            routed.routePattern = route.pattern.text
            if let immediate = route.immediate, let answer = immediate(routed) { return answer }
            handler = route.handler
        case .methodNotAllowed(let allowed):
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            return HTTPError(status: 405, code: "method_not_allowed", message: "\(request.method.rawValue) is not allowed on \(request.path); use \(names).",
                             headers: ["Allow": names]).response
        case .notFound:
            guard let fallback, request.method == .GET || request.method == .HEAD else {
                return HTTPError.notFound("No route for \(request.method.rawValue) \(request.path).").response
            }
            handler = fallback
        }
        do {
            return try handler(routed)
        } catch let error as HTTPError {
            return error.response
        } catch {
            return HTTPError(status: 500, code: "internal_error", message: "internal error").response
        }
    }
}
