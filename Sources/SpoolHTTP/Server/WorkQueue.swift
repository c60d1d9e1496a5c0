import Dispatch
import Synchronization

/// The bounded queue where handlers' blocking parts run: at most `width` at once, at most
/// `maximumBacklog` waiting; beyond that a request is refused (503) instead of piling up.
final class WorkQueue: Sendable {
    private let workers: DispatchQueue
    /// Admits one job at a time into a free slot, so waiting happens here and not in a
    /// growing number of blocked Dispatch threads.
    private let admission: DispatchQueue
    private let slots: DispatchSemaphore
    private let queued = Atomic<Int>(0)
    private let idle = DispatchGroup()
    let width: Int
    let maximumBacklog: Int

    init(label: String, width: Int, maximumBacklog: Int) {
        self.width = max(1, width)
        self.maximumBacklog = max(1, maximumBacklog)
        self.workers = DispatchQueue(label: label, attributes: .concurrent)
        self.admission = DispatchQueue(label: label + ".admission")
        self.slots = DispatchSemaphore(value: self.width)
    }

    /// Runs `work` when a slot is free; `false` when the backlog is full.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        let depth = queued.add(1, ordering: .relaxed).newValue
        guard depth <= maximumBacklog else {
            queued.subtract(1, ordering: .relaxed)
            return false
        }
        idle.enter()
        admission.async { [self] in
            slots.wait()
            workers.async { [self] in
                defer {
                    slots.signal()
                    queued.subtract(1, ordering: .relaxed)
                    idle.leave()
                }
                work()
            }
        }
        return true
    }

    /// Requests queued or running.
    var depth: Int { queued.load(ordering: .relaxed) }

    /// Waits until nothing is queued or running, at most `timeout` seconds.
    func waitUntilIdle(timeout: Double) -> Bool {
        idle.wait(timeout: .now() + timeout) == .success
    }
}
