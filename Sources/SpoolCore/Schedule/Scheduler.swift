import Foundation
import SpoolStore
import Logging
import Synchronization

/// Periodic work under one small mechanism: one thread that sleeps until the next task is
/// due (re-syncs, the trash sweep, housekeeping, the yt-dlp update check). A task marked
/// `whenIdle` runs only while no job runs or is due, and is retried at its next tick
/// otherwise, so maintenance never competes with downloads.
///
/// ```swift
/// scheduler.add("trash sweep", every: 600, whenIdle: true) { try trash.purge(...) }
/// scheduler.start()
/// ```
public final class Scheduler: Sendable {
    struct Task: Sendable {
        let name: String
        let interval: Double
        let whenIdle: Bool
        let work: @Sendable () throws -> Void
        var nextRun: Double
    }

    private struct State {
        var tasks: [Task] = []
        var stopping = false
        var started = false
    }

    private let state = Mutex(State())
    private let wakeUp = NSCondition()
    private let isIdle: @Sendable () -> Bool
    private let logger: Logger
    private let stopped = DispatchGroup()

    /// - Parameter isIdle: whether nothing runs or is due (checked before `whenIdle` tasks).
    public init(isIdle: @escaping @Sendable () -> Bool, logger: Logger) {
        self.isIdle = isIdle
        self.logger = logger
    }

    /// Adds a task, first due one `interval` from now (start-up is busy enough).
    public func add(_ name: String, every interval: Double, whenIdle: Bool = false, _ work: @escaping @Sendable () throws -> Void) {
        let interval = max(0.05, interval)
        state.withLock { state in
            state.tasks.append(Task(name: name, interval: interval, whenIdle: whenIdle, work: work,
                                    nextRun: Date().timeIntervalSince1970 + interval))
        }
        wake()
    }

    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        stopped.enter()
        let thread = Thread { [self] in
            loop()
            stopped.leave()
        }
        thread.name = "spool.schedule"
        thread.start()
    }

    /// Stops after the running task, if any, returns.
    public func stop() {
        let wasStarted = state.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        wake()
        if wasStarted { stopped.wait() }
    }

    private func wake() {
        wakeUp.lock()
        wakeUp.broadcast()
        wakeUp.unlock()
    }

    private func loop() {
        while true {
            let now = Date().timeIntervalSince1970
            let (due, next, stopping) = state.withLock { state -> ([Task], Double?, Bool) in
                let due = state.tasks.filter { $0.nextRun <= now }
                for index in state.tasks.indices where state.tasks[index].nextRun <= now {
                    state.tasks[index].nextRun = now + state.tasks[index].interval
                }
                return (due, state.tasks.map(\.nextRun).min(), state.stopping)
            }
            if stopping { return }
            for task in due {
                if task.whenIdle && !isIdle() { continue }
                do {
                    try task.work()
                } catch {
                    logger.error("Scheduled task failed", metadata: ["task": "\(task.name)", "error": "\(StoreErrorDescription.plain(error))"])
                }
            }
            let deadline = Date(timeIntervalSince1970: next ?? now + 60)
            wakeUp.lock()
            if !state.withLock({ $0.stopping }) { _ = wakeUp.wait(until: deadline) }
            wakeUp.unlock()
        }
    }
}
