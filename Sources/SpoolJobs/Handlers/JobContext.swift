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

    /// Keeps the last lines of the tool's output for the job log.
    public func setLogTail(_ tail: String) {
        state.withLock { $0.logTail = tail }
    }

    var logTail: String? { state.withLock { $0.logTail } }
    var lastActivity: Double { state.withLock { $0.lastActivity } }

    /// Asks the run to stop; the first reason wins.
    func stop(_ reason: StopReason) {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard state.stopReason == nil else { return [] }
            state.stopReason = reason
            defer { state.cancelHandlers = [] }
            return state.cancelHandlers
        }
        handlers.forEach { $0() }
    }
}
