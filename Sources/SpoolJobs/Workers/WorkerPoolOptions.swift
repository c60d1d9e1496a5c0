/// How the worker pool runs.
public struct WorkerPoolOptions: Sendable {
    /// Jobs running at once.
    public var workers: Int
    /// A running job's lease; renewed every `heartbeatSeconds` while it runs.
    public var leaseSeconds: Double
    public var heartbeatSeconds: Double
    /// How often time limits, stalls and expired leases are checked.
    public var supervisionSeconds: Double
    /// Progress is written at most this often per job.
    public var progressIntervalSeconds: Double
    /// How long shutdown waits for handlers to return after telling them to stop.
    public var shutdownGraceSeconds: Double

    public init(
        workers: Int = 3, leaseSeconds: Double = 60, heartbeatSeconds: Double = 15,
        supervisionSeconds: Double = 0.5, progressIntervalSeconds: Double = 0.25, shutdownGraceSeconds: Double = 5
    ) {
        self.workers = workers
        self.leaseSeconds = leaseSeconds
        self.heartbeatSeconds = heartbeatSeconds
        self.supervisionSeconds = supervisionSeconds
        self.progressIntervalSeconds = progressIntervalSeconds
        self.shutdownGraceSeconds = shutdownGraceSeconds
    }
}
