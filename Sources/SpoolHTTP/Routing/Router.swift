/// Maps a method and path to a handler. Handlers run on the work queue, never on the loop.
public struct Router: Sendable {
    /// The blocking part of a request: may read or write the database, touch files, wait.
    public typealias Handler = @Sendable (HTTPRequest) throws -> HTTPResponse
    /// Answers on the loop thread when it can do so at once, from memory (a cached report):
    /// it must never block. `nil` passes the request on to the route's handler.
    public typealias ImmediateAnswer = @Sendable (HTTPRequest) -> HTTPResponse?

    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        let maximumBodySize: Int
        let priority: WorkPriority
        let immediate: ImmediateAnswer?
        let handler: Handler
    }

    /// What routing found for a request.
    enum Match {
        case handler(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    private var routes: [Route] = []
    /// Serves GET/HEAD requests no route matched (static files and the app's deep links).
    var fallback: Handler?
    /// The body limit of routes that don't set their own.
    public var defaultMaximumBodySize: Int

    public init(defaultMaximumBodySize: Int = 1 << 20) {
        self.defaultMaximumBodySize = defaultMaximumBodySize
    }

    /// Adds a route; `{name}` segments become path parameters.
    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, maximumBodySize: Int? = nil, priority: WorkPriority = .interactive,
        immediate: ImmediateAnswer? = nil, _ handler: @escaping Handler
    ) {
        routes.append(Route(
            method: method, pattern: RoutePattern(pattern), maximumBodySize: maximumBodySize ?? defaultMaximumBodySize,
            priority: priority, immediate: immediate, handler: handler))
    }

    /// A GET route; `immediate`, when given, is tried first on the loop thread (see `ImmediateAnswer`).
    public mutating func get(_ pattern: String, immediate: ImmediateAnswer? = nil, _ handler: @escaping Handler) {
        add(.GET, pattern, immediate: immediate, handler)
    }
    public mutating func post(
        _ pattern: String, maximumBodySize: Int? = nil, priority: WorkPriority = .interactive, _ handler: @escaping Handler
    ) {
        add(.POST, pattern, maximumBodySize: maximumBodySize, priority: priority, handler)
    }
    public mutating func put(_ pattern: String, _ handler: @escaping Handler) { add(.PUT, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping Handler) { add(.DELETE, pattern, handler) }

    /// Serves GET and HEAD requests that no route matched.
    public mutating func setFallback(_ handler: @escaping Handler) {
        fallback = handler
    }

    func match(method: HTTPMethod, path: String) -> Match {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = route.pattern.match(segments) else { continue }
            if route.method == method || (method == .HEAD && route.method == .GET) {
                return .handler(route, parameters: parameters)
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
