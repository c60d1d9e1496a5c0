import Foundation
import SpoolStore
import Synchronization

/// What a handler gets for one run: the job, progress reporting, cancellation, a log tail.
///
/// Thread-safe: the worker runs the handler while the supervisor may cancel it.
public final class JobContext: Sendable {
    /// Why a run was asked to stop.
    public enum StopReason: Sendable, Equatable {
        case userCancelled
        case timeLimit
        case stalled
        case shutdown
    }

    private struct State {
        var stopReason: StopReason?
        /// Set by `commitToFinish`: the run's outcome is decided; only a shutdown still stops it.
        var finishing = false
        var cancelHandlers: [@Sendable () -> Void] = []
        var lastActivity: Double
        var lastProgressWrite: Double = 0
        var pendingProgress: JobProgress?
        var logTail: String?
    }

    /// The job as claimed (status `running`, attempts already counted).
    public let job: Job
    public let startedAt: Double
    private let state: Mutex<State>
    private let progressSink: @Sendable (Int64, JobProgress) -> Void
    private let minimumProgressInterval: Double

    init(job: Job, minimumProgressInterval: Double, progressSink: @escaping @Sendable (Int64, JobProgress) -> Void) {
        self.job = job
        let now = Date().timeIntervalSince1970
        self.startedAt = now
        self.state = Mutex(State(lastActivity: now))
        self.progressSink = progressSink
        self.minimumProgressInterval = minimumProgressInterval
    }

    /// The job's id (claimed jobs always have one).
    public var jobId: Int64 { job.id! }

    /// Decodes the job's JSON payload.
    public func payload<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(job.payload.utf8))
        } catch {
            throw JobFailure(.permanent, "The job's payload is not valid: \(error)")
        }
    }

    /// True once the run was asked to stop.
    public var isCancelled: Bool { state.withLock { $0.stopReason != nil } }

    public var stopReason: StopReason? { state.withLock { $0.stopReason } }

    /// Calls `handler` when the run is asked to stop (at once if it already was).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let alreadyStopped = state.withLock { state -> Bool in
            if state.stopReason != nil { return true }
            state.cancelHandlers.append(handler)
            return false
        }
        if alreadyStopped { handler() }
    }

    /// Records that the run is alive (output arrived) for the stall watchdog.
    public func touch() {
        let now = Date().timeIntervalSince1970
        state.withLock { $0.lastActivity = now }
    }

    /// Reports progress. Written to the database (and published) at most every
    /// `minimumProgressInterval` seconds; the latest value in between wins.
    public func reportProgress(_ progress: JobProgress) {
        let now = Date().timeIntervalSince1970
        let shouldWrite = state.withLock { state -> Bool in
            state.lastActivity = now
            state.pendingProgress = progress
            guard now - state.lastProgressWrite >= minimumProgressInterval else { return false }
            state.lastProgressWrite = now
            state.pendingProgress = nil
            return true
        }
        if shouldWrite { progressSink(jobId, progress) }
    }

    /// Writes progress that `reportProgress` held back, once `minimumProgressInterval` has
    /// passed since the last write (the worker pool's supervisor calls it every tick).
    func flushPendingProgress(now: Double = Date().timeIntervalSince1970) {
        let pending = state.withLock { state -> JobProgress? in
            guard let pending = state.pendingProgress, now - state.lastProgressWrite >= minimumProgressInterval else { return nil }
            state.pendingProgress = nil
            state.lastProgressWrite = now
            return pending
        }
        if let pending { progressSink(jobId, pending) }
    }

    /// Keeps the last lines of the tool's output for the job log.
    public func setLogTail(_ tail: String) {
        state.withLock { $0.logTail = tail }
    }

    var logTail: String? { state.withLock { $0.logTail } }
    var lastActivity: Double { state.withLock { $0.lastActivity } }

    /// Declares the run's work done and its outcome decided, when nothing asked it to stop yet:
    /// from then on a user's cancel, a time limit or the stall watchdog no longer stop it
    /// (a shutdown still lets it return). Returns false when the run was already asked to
    /// stop; the handler must then give up.
    ///
    /// A download calls it after yt-dlp succeeded and before it moves the files into the
    /// library: a cancel that lands in between used to leave files without a row (the job
    /// became `cancelled`, its completion never ran). Now either the job is cancelled and its
    /// files removed, or it completes with its track: one decision, taken once.
    public func commitToFinish() -> Bool {
        state.withLock { state in
            guard state.stopReason == nil else { return false }
            state.finishing = true
            return true
        }
    }

    /// Asks the run to stop; the first reason wins.
    func stop(_ reason: StopReason) {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard state.stopReason == nil else { return [] }
            if state.finishing && reason != .shutdown { return [] }
            state.stopReason = reason
            defer { state.cancelHandlers = [] }
            return state.cancelHandlers
        }
        handlers.forEach { $0() }
    }
}
