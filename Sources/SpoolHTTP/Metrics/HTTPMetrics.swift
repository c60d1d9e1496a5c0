import Synchronization

/// Counts finished requests by method, route and status, and their latency in a histogram.
/// Fed from the server's exchange observer on the loop thread; read by `/metrics`.
public final class HTTPMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    struct State {
        var requests: [Key: Int] = [:]
        var bucketCounts = [Int](repeating: 0, count: HTTPMetrics.latencyBuckets.count)
        var latencyCount = 0
        var latencySum = 0.0
    }

    private let state = Mutex(State())

    public init() {}

    /// Records one finished request. Paths that matched no route count as `unmatched`, so a
    /// scanner probing random URLs cannot grow the label set.
    public func record(_ exchange: HTTPServer.Exchange) {
        let key = Key(method: exchange.method, route: exchange.route ?? "unmatched", status: exchange.status)
        state.withLock { state in
            state.requests[key, default: 0] += 1
            state.latencyCount += 1
            state.latencySum += exchange.seconds
            if let bucket = Self.latencyBuckets.firstIndex(where: { exchange.seconds <= $0 }) {
                state.bucketCounts[bucket] += 1
            }
        }
    }

    /// Appends `spool_http_requests_total` and `spool_http_request_duration_seconds`.
    public func write(to text: inout PrometheusText) {
        let snapshot = state.withLock { $0 }
        text.family("spool_http_requests_total", .counter, help: "HTTP requests answered, by method, route and status.")
        for (key, count) in snapshot.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            text.sample("spool_http_requests_total", ["method": key.method, "route": key.route, "status": String(key.status)], Double(count))
        }
        text.family("spool_http_request_duration_seconds", .histogram, help: "Time from a request's arrival to its reply.")
        var cumulative = 0
        for (index, bound) in Self.latencyBuckets.enumerated() {
            cumulative += snapshot.bucketCounts[index]
            text.sample("spool_http_request_duration_seconds_bucket", ["le": PrometheusText.format(bound)], Double(cumulative))
        }
        text.sample("spool_http_request_duration_seconds_bucket", ["le": "+Inf"], Double(snapshot.latencyCount))
        text.sample("spool_http_request_duration_seconds_sum", snapshot.latencySum)
        text.sample("spool_http_request_duration_seconds_count", Double(snapshot.latencyCount))
    }
}
