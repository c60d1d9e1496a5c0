/// The status of a job: the single definition behind both the Swift code and the `jobs.status`
/// CHECK constraint (the original app crashed because those two disagreed).
///
/// See `docs/jobs.md` for the state machine.
public enum JobStatus: String, CaseIterable, Codable, Sendable {
    /// Waiting for a worker; due at `run_after`.
    case pending
    /// Claimed by a worker that holds a lease and heartbeats.
    case running
    /// Finished successfully.
    case completed
    /// Ended by a permanent error (video removed, private, …); retried only by the user.
    case failed
    /// Stopped by the user.
    case cancelled
    /// Ended by its time limit or the stall watchdog.
    case timeout
    /// A transient error; runs again at `run_after` (exponential backoff).
    case retrying
    /// Transient errors used up every attempt.
    case dead_letter
    /// Its lease expired while `running`: the worker or the whole process died.
    case zombie

    /// Statuses a job never leaves without a user action.
    public static let terminal: Set<JobStatus> = [.completed, .failed, .cancelled, .timeout, .dead_letter]

    /// Statuses of a job that is still going to do its work; at most one such download per video.
    public static let active: Set<JobStatus> = [.pending, .running, .retrying, .zombie]

    /// Statuses from which a user may press Retry.
    public static let retryable: Set<JobStatus> = [.failed, .cancelled, .timeout, .dead_letter, .zombie]

    /// Statuses from which a user may press Cancel.
    public static let cancellable: Set<JobStatus> = [.pending, .retrying, .running, .zombie]

    public var isTerminal: Bool { Self.terminal.contains(self) }
}

/// Why a job attempt ended badly; decides between `failed`, `retrying`, `timeout` and the brake.
public enum JobErrorClass: String, CaseIterable, Codable, Sendable {
    /// Retrying cannot help (removed, private, 404, …).
    case permanent
    /// Network hiccups, 5xx, a crash of the tool: worth retrying with backoff.
    case transient
    /// HTTP 429 or a bot check: all downloads pause, the job retries later.
    case rate_limited
    /// Time limit or stall.
    case timeout
    /// Stopped by the user.
    case cancelled
    /// The worker or the process died while the job ran.
    case crashed
}

/// The kinds of playback telemetry the player sends.
public enum PlayEventType: String, CaseIterable, Codable, Sendable {
    case play, pause, seek, volume, ended, skip, like, dislike, delete, restore
}

/// The sync state of a channel.
public enum ChannelState: String, CaseIterable, Codable, Sendable {
    case idle, syncing, error
}
