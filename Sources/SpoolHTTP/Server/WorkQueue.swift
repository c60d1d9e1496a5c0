import Foundation

/// How urgently a request's blocking part should run.
public enum WorkPriority: Sendable {
    /// Someone is waiting on it: a click, a page, the player's next range of a file.
    case interactive
    /// Traffic that may wait a few milliseconds: playback telemetry the player sends in bulk.
    case background
}

/// The bounded queue where handlers' blocking parts run: `width` dedicated threads, at most
/// `maximumBacklog` requests waiting or running; beyond that a request is refused (503) instead
/// of piling up.
///
/// A free thread always takes the oldest waiting interactive job before any background one,
/// and background jobs never hold the last `reservedForInteractive` threads: a burst of
/// telemetry (whose requests wait on the writer) cannot make a user's click wait for a thread.
///
/// Dedicated threads rather than a concurrent Dispatch queue: handlers block (on the writer,
/// on reads), and on Linux libdispatch sizes its pool by the CPU count and adds threads for
/// blocked ones only slowly — two cores gave four threads, and a click could wait ~100 ms for
/// one behind blocked telemetry requests.
final class WorkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var interactive = FIFO<@Sendable () -> Void>()
    private var background = FIFO<@Sendable () -> Void>()
    private var running = 0
    private var runningBackground = 0
    private var isStopping = false
    private let idle = DispatchGroup()
    let width: Int
    let maximumBacklog: Int
    let reservedForInteractive: Int

    init(label: String, width: Int, maximumBacklog: Int, reservedForInteractive: Int = 2) {
        self.width = max(1, width)
        self.maximumBacklog = max(1, maximumBacklog)
        self.reservedForInteractive = min(max(0, reservedForInteractive), self.width - 1)
        for index in 0..<self.width {
            let thread = Thread { [self] in serve() }
            thread.name = "\(label).\(index + 1)"
            thread.start()
        }
    }

    /// Runs `work` when a thread is free; `false` when the backlog is full.
    func submit(priority: WorkPriority = .interactive, _ work: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isStopping, running + interactive.count + background.count < maximumBacklog else { return false }
        switch priority {
        case .interactive: interactive.append(work)
        case .background: background.append(work)
        }
        idle.enter()
        // One job, one thread: waking them all would make seven go back to sleep.
        condition.signal()
        return true
    }

    /// Lets the threads end once nothing is waiting; later submissions are refused.
    func stop() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func serve() {
        condition.lock()
        while true {
            if let job = interactive.popFirst() {
                running += 1
                condition.unlock()
                Self.run(consume job)
                condition.lock()
                running -= 1
                idle.leave()
            } else if runningBackground < width - reservedForInteractive, let job = background.popFirst() {
                running += 1
                runningBackground += 1
                condition.unlock()
                Self.run(consume job)
                condition.lock()
                running -= 1
                runningBackground -= 1
                idle.leave()
                // A background slot freed: a thread waiting only for that may go on.
                condition.broadcast()
            } else if isStopping {
                condition.unlock()
                return
            } else {
                condition.wait()
            }
        }
    }

    /// Runs `job` and lets go of it before returning: what it captured (a connection's guard,
    /// whose timers are libevent events) is released here, outside the lock and before the job
    /// counts as done. Released after `idle.leave()`, a job's last reference outlived
    /// `waitUntilIdle`: the server freed the event base, the release then locked the freed base
    /// inside `event_free` while holding this queue's lock, and `stop()` waited for that lock
    /// forever (a `spool serve` that never exited after SIGTERM, CI of 2026-12-07).
    private static func run(_ job: consuming @escaping @Sendable () -> Void) {
        job()
    }

    /// Requests queued or running.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return running + interactive.count + background.count
    }

    /// Waits until nothing is queued or running, at most `timeout` seconds.
    func waitUntilIdle(timeout: Double) -> Bool {
        idle.wait(timeout: .now() + timeout) == .success
    }
}
