/// Maps a method and path to a handler. Matching runs on the loop, on a request's head;
/// handlers run on the work queue, never on the loop.
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
    /// Indices of `routes` by their number of segments, in registration order: a path is only
    /// compared with the patterns that can fit it.
    private var routesBySegmentCount: [Int: [Int]] = [:]
    /// Serves GET/HEAD requests no route matched (static files and the app's deep links).
    var fallback: Handler?
    /// The body limit of routes that don't set their own.
    public var defaultMaximumBodySize: Int

    public init(defaultMaximumBodySize: Int = 1 << 20) {
        self.defaultMaximumBodySize = defaultMaximumBodySize
    }

    /// The largest body any route accepts (evhttp's own limit is set above it).
    var largestBodyLimit: Int {
        routes.map(\.maximumBodySize).max() ?? defaultMaximumBodySize
    }

    /// Adds a route; `{name}` segments become path parameters.
    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, maximumBodySize: Int? = nil, priority: WorkPriority = .interactive,
        immediate: ImmediateAnswer? = nil, _ handler: @escaping Handler
    ) {
        let route = Route(
            method: method, pattern: RoutePattern(pattern), maximumBodySize: maximumBodySize ?? defaultMaximumBodySize,
            priority: priority, immediate: immediate, handler: handler)
        routesBySegmentCount[route.pattern.segments.count, default: []].append(routes.count)
        routes.append(route)
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

    /// The route for `method` (any token, known or not) on `path`.
    ///
    /// When several patterns fit a path, the most specific wins: a literal segment beats a
    /// parameter at the first place they differ, so `/api/jobs/retry` is never read as the job
    /// with id "retry". A 405's `Allow` lists the methods of that pattern only, not of every
    /// pattern that happens to fit.
    func match(method: String, path: String) -> Match {
        // Split on the bytes: `String.split` walks grapheme clusters, several times slower.
        let segments = path.utf8.split(separator: UInt8(ascii: "/")).map { Substring($0) }
        // Indices, not copies: a `Route` copy retains its closures, and every route is looked at.
        var best: Int?
        var candidates: [(index: Int, parameters: [String: String])] = []
        for index in routesBySegmentCount[segments.count] ?? [] {
            guard let parameters = routes[index].pattern.match(segments) else { continue }
            if let current = best, routes[current].pattern.text != routes[index].pattern.text {
                guard routes[index].pattern.isMoreSpecific(than: routes[current].pattern) else { continue }
                candidates.removeAll()
            }
            best = index
            candidates.append((index, parameters))
        }
        guard !candidates.isEmpty else { return .notFound }
        if let found = candidates.first(where: { routes[$0.index].method.rawValue == method })
            ?? candidates.first(where: { method == "HEAD" && routes[$0.index].method == .GET }) {
            return .handler(routes[found.index], parameters: found.parameters)
        }
        // HEAD is served wherever GET is, but not listed: the API document declares the
        // methods a client should use, and `Allow` repeats exactly those.
        let allowed = Set(candidates.map { routes[$0.index].method })
        return .methodNotAllowed(allowed: HTTPMethod.allCases.filter(allowed.contains))
    }
}
