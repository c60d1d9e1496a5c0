import GRDB
import SpoolStore

/// The work of one job kind. The queue claims a job, calls `run` on a worker thread, and turns
/// how it ends into the job's next status: returning is success; throwing a `JobFailure` says
/// why it failed (any other error counts as transient).
public protocol JobHandler: Sendable {
    /// Does the work. Long work must watch `context.isCancelled` or register
    /// `context.onCancel` and stop within seconds when asked.
    func run(_ context: JobContext) throws -> JobCompletion
}

/// What a successful run leaves behind.
public struct JobCompletion: Sendable {
    /// Runs inside the same write transaction that marks the job `completed`, so the job's
    /// effect (a track row, say) and its completion commit together or not at all. Keep it short:
    /// SQL only, no file or network work.
    public var commit: (@Sendable (Database) throws -> Void)?
    /// Runs after that transaction committed (to publish events about what it wrote).
    public var afterCommit: (@Sendable () -> Void)?
    /// A line for the job's timeline.
    public var message: String?

    public init(
        message: String? = nil, commit: (@Sendable (Database) throws -> Void)? = nil,
        afterCommit: (@Sendable () -> Void)? = nil
    ) {
        self.message = message
        self.commit = commit
        self.afterCommit = afterCommit
    }

    public static let done = JobCompletion()
}

/// Limits the queue enforces on one kind. (Attempts are a job's own: `NewJob.maxAttempts`.)
public struct JobLimits: Sendable {
    /// Absolute time a run may take.
    public var timeLimit: Double?
    /// Longest time without progress or output (`JobContext.touch`) before the run is stopped.
    public var stallTimeout: Double?

    public init(timeLimit: Double? = nil, stallTimeout: Double? = nil) {
        self.timeLimit = timeLimit
        self.stallTimeout = stallTimeout
    }
}
