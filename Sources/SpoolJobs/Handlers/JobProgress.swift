import SpoolStore

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

/// A running job's new progress.
public struct JobProgressEvent: Sendable {
    public let jobId: Int64
    public let progress: JobProgress
}

/// A batch too big to announce job by job (a channel's first sync): clients refetch.
public struct JobsEnqueued: Sendable, Encodable {
    public let count: Int
    public let firstId: Int64
    public let lastId: Int64
    /// The kinds in the batch, sorted.
    public let kinds: [String]
}

/// Finished jobs cleared by the user: clients refetch their counts.
public struct JobsDeleted: Sendable, Encodable {
    public let count: Int
    public let statuses: [String]
}

/// What the queue tells its owner after each commit (the domain turns them into its events).
public enum JobQueueEvent: Sendable {
    /// A job's status changed (or it was enqueued): the job as committed.
    case status(Job)
    case progress(JobProgressEvent)
    case enqueued(JobsEnqueued)
    case deleted(JobsDeleted)
}

/// Receives the queue's events on the committing thread, after the commit.
public typealias JobEventSink = @Sendable (JobQueueEvent) -> Void
