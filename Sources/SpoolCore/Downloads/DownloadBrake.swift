import Foundation
import Logging
import SpoolJobs
import SpoolStore
import Synchronization

/// One shared brake for every download: when a site rate-limits us (HTTP 429) or asks for
/// proof of a human (a bot check), all downloads pause for a cool-down instead of each job
/// burning its attempts and digging the hole deeper. The cool-down doubles on repeats (up to
/// a cap). When it ends, **one** download goes first as a probe; the others wait until it
/// succeeds (then everything resumes and the cool-down resets) or fails the same way (a
/// longer pause). A probe that fails for another reason (the video is gone) lets the next
/// job probe.
///
/// The brake is the worker pool's `ClaimGate` for downloads: held jobs stay `pending` and
/// spend no attempts.
public final class DownloadBrake: ClaimGate, Sendable {
    /// What `/api/health`, the jobs page and the `ratelimit.*` events show.
    public struct State: Sendable, Codable, Equatable {
        public var pausedUntil: Date?
        /// `rate_limited` or `bot_check` while paused or probing.
        public var cause: JobErrorClass?
        public var cooldownSeconds: Double
        public var trips: Int
        /// The pause is over and one download is checking whether the site answers again.
        public var probing: Bool
        public var probeJobId: Int64?
    }

    private struct Inner {
        var state = State(pausedUntil: nil, cause: nil, cooldownSeconds: 0, trips: 0, probing: false, probeJobId: nil)
        /// When the last probe ticket was handed out (a claim that may become the probe).
        var ticketIssuedAt: Double?
    }

    private let hub: EventHub
    private let baseSeconds: Double
    private let capSeconds: Double
    /// How long a probe may run before another job may probe instead (a probe lost to a crash).
    private let probeTimeout: Double
    private let logger: Logger
    private let inner = Mutex(Inner())
    private let wakeWorkers = Mutex<(@Sendable () -> Void)?>(nil)
    /// How long a handed-out ticket waits for its claim before another worker gets one.
    static let ticketSeconds = 10.0

    public init(hub: EventHub, baseSeconds: Double = 60, capSeconds: Double = 3600, probeTimeout: Double = 3600, logger: Logger) {
        self.hub = hub
        self.baseSeconds = baseSeconds
        self.capSeconds = capSeconds
        self.probeTimeout = probeTimeout
        self.logger = logger
    }

    /// Called when the brake opens before the workers' sleep ends (a probe succeeded).
    func onRelease(_ wake: @escaping @Sendable () -> Void) {
        wakeWorkers.withLock { $0 = wake }
    }

    public var current: State {
        inner.withLock { inner in
            var copy = inner.state
            if let until = copy.pausedUntil, until <= Date() { copy.pausedUntil = nil }
            return copy
        }
    }

    /// A download was rate-limited or met a bot check: pause every download. Returns the end
    /// of the pause. Several downloads hitting the limit at once extend one pause, not stack.
    @discardableResult
    public func trip(_ cause: JobErrorClass) -> Date {
        let now = Date()
        let (snapshot, tripped) = inner.withLock { inner -> (State, Bool) in
            if let until = inner.state.pausedUntil, until > now { return (inner.state, false) }
            let cooldown = inner.state.cooldownSeconds == 0 ? baseSeconds : min(capSeconds, inner.state.cooldownSeconds * 2)
            inner.state.cooldownSeconds = cooldown
            inner.state.pausedUntil = now.addingTimeInterval(cooldown)
            inner.state.cause = cause
            inner.state.trips += 1
            inner.state.probing = true
            inner.state.probeJobId = nil
            inner.ticketIssuedAt = nil
            return (inner.state, true)
        }
        if tripped {
            logger.warning("Downloads paused", metadata: [
                "cause": "\(cause.rawValue)", "seconds": "\(Int(snapshot.cooldownSeconds))", "trips": "\(snapshot.trips)",
            ])
            hub.publish(.downloadsPaused(snapshot))
        }
        return snapshot.pausedUntil ?? now
    }

    /// A download succeeded: if it was the probe (or anything while probing), everyone resumes
    /// and the next limit starts from the base cool-down again.
    public func downloadSucceeded() {
        let released = inner.withLock { inner -> State? in
            guard inner.state.probing || inner.state.cooldownSeconds != 0 else { return nil }
            inner.state = State(pausedUntil: nil, cause: nil, cooldownSeconds: 0, trips: inner.state.trips, probing: false, probeJobId: nil)
            inner.ticketIssuedAt = nil
            return inner.state
        }
        guard let released else { return }
        logger.notice("Downloads resumed")
        hub.publish(.downloadsResumed(released))
        wakeWorkers.withLock { $0 }?()
    }

    /// A download ended some other way (failed for its own reasons, cancelled): when it was the
    /// probe, the next download may probe.
    public func downloadEnded(jobId: Int64) {
        let released = inner.withLock { inner -> Bool in
            guard inner.state.probeJobId == jobId else { return false }
            inner.state.probeJobId = nil
            inner.ticketIssuedAt = nil
            return true
        }
        if released { wakeWorkers.withLock { $0 }?() }
    }

    // MARK: - ClaimGate

    public func heldUntil(kind: String) -> Double? {
        guard kind == JobKind.download.rawValue else { return nil }
        let now = Date().timeIntervalSince1970
        return inner.withLock { inner -> Double? in
            if let until = inner.state.pausedUntil?.timeIntervalSince1970, until > now { return until }
            guard inner.state.probing else { return nil }
            if inner.state.probeJobId != nil {
                return (inner.ticketIssuedAt ?? now) + probeTimeout
            }
            if let issued = inner.ticketIssuedAt, now - issued < Self.ticketSeconds {
                return issued + Self.ticketSeconds
            }
            inner.ticketIssuedAt = now
            return nil
        }
    }

    public func didClaim(_ job: Job) {
        guard job.kind == JobKind.download.rawValue else { return }
        let probe = inner.withLock { inner -> Bool in
            guard inner.state.probing, inner.state.probeJobId == nil, inner.state.pausedUntil.map({ $0 <= Date() }) ?? true else { return false }
            inner.state.probeJobId = job.id
            return true
        }
        if probe { logger.notice("Probing whether downloads may resume", metadata: ["job": "\(job.id ?? 0)"]) }
    }
}
