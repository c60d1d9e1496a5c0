import Dispatch
import Synchronization

/// How urgently a request's blocking part should run.
public enum WorkPriority: Sendable {
    /// Someone is waiting on it: a click, a page, the player's next range of a file.
    case interactive
    /// Traffic that may wait a few milliseconds: playback telemetry the player sends in bulk.
    case background
}

/// The bounded queue where handlers' blocking parts run: at most `width` at once, at most
/// `maximumBacklog` waiting; beyond that a request is refused (503) instead of piling up.
///
/// A free slot always goes to the oldest waiting interactive job before any background one,
/// and background jobs never hold the last `reservedForInteractive` slots: a burst of
/// telemetry (whose requests wait on the writer) cannot make a user's click wait for a slot.
final class WorkQueue: Sendable {
    private let workers: DispatchQueue
    private let scheduler = Mutex(Scheduler())
    private let idle = DispatchGroup()
    let width: Int
    let maximumBacklog: Int
    let reservedForInteractive: Int

    private struct Scheduler {
        var interactive = FIFO()
        var background = FIFO()
        var running = 0
        var runningBackground = 0

        var waiting: Int { interactive.count + background.count }
    }

    /// Jobs in arrival order; taking the oldest is O(1).
    private struct FIFO {
        private var jobs: [@Sendable () -> Void] = []
        private var head = 0

        var count: Int { jobs.count - head }

        mutating func append(_ job: @escaping @Sendable () -> Void) { jobs.append(job) }

        mutating func popFirst() -> (@Sendable () -> Void)? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            return job
        }
    }

    init(label: String, width: Int, maximumBacklog: Int, reservedForInteractive: Int = 2) {
        self.width = max(1, width)
        self.maximumBacklog = max(1, maximumBacklog)
        self.reservedForInteractive = min(max(0, reservedForInteractive), self.width - 1)
        self.workers = DispatchQueue(label: label, attributes: .concurrent)
    }

    /// Runs `work` when a slot is free; `false` when the backlog is full.
    func submit(priority: WorkPriority = .interactive, _ work: @escaping @Sendable () -> Void) -> Bool {
        let accepted = scheduler.withLock { scheduler -> Bool in
            guard scheduler.running + scheduler.waiting < maximumBacklog else { return false }
            switch priority {
            case .interactive: scheduler.interactive.append(work)
            case .background: scheduler.background.append(work)
            }
            return true
        }
        guard accepted else { return false }
        idle.enter()
        startWhatFits()
        return true
    }

    /// Starts waiting jobs while slots allow.
    private func startWhatFits() {
        while let (job, isBackground) = scheduler.withLock({ Self.next(&$0, width: width, reserved: reservedForInteractive) }) {
            workers.async { [self] in
                job()
                scheduler.withLock { scheduler in
                    scheduler.running -= 1
                    if isBackground { scheduler.runningBackground -= 1 }
                }
                idle.leave()
                startWhatFits()
            }
        }
    }

    private static func next(_ scheduler: inout Scheduler, width: Int, reserved: Int) -> ((@Sendable () -> Void), Bool)? {
        guard scheduler.running < width else { return nil }
        if let job = scheduler.interactive.popFirst() {
            scheduler.running += 1
            return (job, false)
        }
        guard scheduler.runningBackground < width - reserved, let job = scheduler.background.popFirst() else { return nil }
        scheduler.running += 1
        scheduler.runningBackground += 1
        return (job, true)
    }

    /// Requests queued or running.
    var depth: Int { scheduler.withLock { $0.running + $0.waiting } }

    /// Waits until nothing is queued or running, at most `timeout` seconds.
    func waitUntilIdle(timeout: Double) -> Bool {
        idle.wait(timeout: .now() + timeout) == .success
    }
}
