/// How far a running job is; every field is optional because tools report what they know.
public struct JobProgress: Sendable, Equatable, Codable {
    public var percent: Double?
    public var downloadedBytes: Int64?
    public var totalBytes: Int64?
    /// Bytes per second.
    public var speed: Double?
    /// Seconds left.
    public var eta: Int?

    public init(percent: Double? = nil, downloadedBytes: Int64? = nil, totalBytes: Int64? = nil, speed: Double? = nil, eta: Int? = nil) {
        self.percent = percent
        self.downloadedBytes = downloadedBytes
        self.totalBytes = totalBytes
        self.speed = speed
        self.eta = eta
    }
}

/// The payload of a `job.progress` event.
public struct JobProgressEvent: Sendable {
    public let jobId: Int64
    public let progress: JobProgress
}

/// The payload of a `jobs.enqueued` event: a batch too big to announce job by job.
public struct JobsEnqueued: Sendable, Encodable {
    public let count: Int
    public let firstId: Int64
    public let lastId: Int64
}
