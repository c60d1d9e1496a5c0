import Foundation
import Synchronization

/// Publishes a channel's snapshot after the changes that alter its counts (a download
/// finished, a batch queued, a track deleted), at most every `interval` per channel, with a
/// trailing publish so the last change is always shown: a sync that queues 500 downloads and
/// three workers finishing one per second must not cost a counts query per job.
final class SnapshotThrottle: Sendable {
    private struct Entry {
        var lastPublished: Double = 0
        var trailingScheduled = false
    }

    private let interval: Double
    private let publish: @Sendable (Int64) -> Void
    private let entries = Mutex<[Int64: Entry]>([:])
    private let queue = DispatchQueue(label: "spool.channels.snapshots")
    /// Set by `stop`: a publish still waiting for its turn reads nothing (the database may
    /// be closed by then; a read racing the close crashed a test run in SQLite).
    private let stopped = Mutex(false)

    init(interval: Double = 0.25, publish: @escaping @Sendable (Int64) -> Void) {
        self.interval = interval
        self.publish = publish
    }

    /// The counts of `sourceId` changed.
    func changed(_ sourceId: Int64) {
        let now = Date().timeIntervalSince1970
        let decision = entries.withLock { entries -> Double? in
            var entry = entries[sourceId] ?? Entry()
            defer { entries[sourceId] = entry }
            if entry.trailingScheduled { return nil }
            let wait = entry.lastPublished + interval - now
            if wait <= 0 {
                entry.lastPublished = now
                return 0
            }
            entry.trailingScheduled = true
            return wait
        }
        guard let delay = decision else { return }
        if delay == 0 {
            queue.async { [self] in if !isStopped { publish(sourceId) } }
            return
        }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            entries.withLock { entries in
                entries[sourceId]?.trailingScheduled = false
                entries[sourceId]?.lastPublished = Date().timeIntervalSince1970
            }
            if !isStopped { publish(sourceId) }
        }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    /// Publishes nothing more, and returns once a publish under way has finished: after it,
    /// the database may be closed.
    func stop() {
        stopped.withLock { $0 = true }
        queue.sync {}
    }
}
