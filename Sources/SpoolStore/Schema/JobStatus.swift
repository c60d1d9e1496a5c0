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

    /// Statuses of a job waiting for a worker: what the claim looks at.
    public static let waiting: Set<JobStatus> = [.pending, .retrying]

    /// Statuses that ended badly and wait for the user (the dashboard's "Needs attention").
    public static let needsAttention: Set<JobStatus> = [.failed, .timeout, .dead_letter]

    public var isTerminal: Bool { Self.terminal.contains(self) }
}

/// Why a job attempt ended badly; decides between `failed`, `retrying`, `timeout` and the brake.
/// Each class has a plain-language summary and remedy for users (`SpoolCore.ErrorRemedy`).
public enum JobErrorClass: String, CaseIterable, Codable, Sendable {
    /// Retrying cannot help (removed, private, members-only, 404, …).
    case permanent
    /// Something unexpected, e.g. the tool crashed: worth retrying with backoff.
    case transient
    /// DNS failure, refused connection, a 5xx: retry with backoff.
    case network
    /// HTTP 429: all downloads pause, the job retries later.
    case rate_limited
    /// The site wants proof of a human ("confirm you're not a bot", age checks): all downloads
    /// pause like a rate limit, and the user is told to provide cookies or a PO token.
    case bot_check
    /// The site changed and yt-dlp no longer understands it ("nsig extraction failed",
    /// "Requested format is not available", 403 on media): update yt-dlp, check the JS runtime.
    case extractor_outdated
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

/// The sync state of a source.
public enum SourceState: String, CaseIterable, Codable, Sendable {
    case idle, syncing, error
}

/// What a source is: a channel (or one of its tabs) that is re-synced, a playlist (kept in its
/// order), or one video (downloaded once, never re-synced).
public enum SourceKind: String, CaseIterable, Codable, Sendable {
    case channel, playlist, video
}

/// What a user may do. `admin`: sources, profiles, jobs, settings, users, the trash.
/// `listener`: play, rate, their own history, queue and deletions (which hide a track for them).
public enum UserRole: String, CaseIterable, Codable, Sendable, Comparable {
    case listener, admin

    public static func < (lhs: UserRole, rhs: UserRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What an API key opens. `all`: the API as its user (scripts, Subsonic apps). `feeds`: only
/// that user's podcast feeds, whose URLs carry the key into podcast apps and the servers they
/// sync subscriptions to, so such a key must not open anything else.
public enum ApiKeyScope: String, CaseIterable, Codable, Sendable {
    case all, feeds
}

/// What a download profile keeps: the sound only (extracted to a codec) or the video.
public enum ProfileMedia: String, CaseIterable, Codable, Sendable {
    case audio, video
}

extension Set where Element == JobStatus {
    /// The statuses as an SQL list, sorted: `('pending', 'retrying')`. Every query that filters
    /// on a status set uses this one rendering, so a set is never retyped as SQL.
    public var sql: String {
        SQLCheck.list(self)
    }
}
