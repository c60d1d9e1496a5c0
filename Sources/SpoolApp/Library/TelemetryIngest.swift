import Foundation
import GRDB
import SpoolStore

/// Playback telemetry with group commit: requests hand their (already validated) events to
/// the ingest and block until a commit holds them; one request at a time becomes the flusher
/// and writes everything pending — from every waiting request — in one transaction. A burst of
/// seeks from fifty players costs a few commits, not hundreds, and a 202 always means durable.
final class TelemetryIngest: @unchecked Sendable {
    /// One event, validated.
    struct Event: Sendable {
        let trackId: Int64
        let session: String
        let type: PlayEventType
        let position: Double?
        let value: Double?
        let clientTime: Date?
    }

    private let database: SpoolDatabase
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [Event] = []
    private var pendingGeneration = 1
    private var committedGeneration = 0
    private var failures: [Int: Error] = [:]
    private var isFlushing = false
    /// Commits done, for tests and metrics.
    private(set) var commits = 0

    init(database: SpoolDatabase) {
        self.database = database
    }

    /// Returns once `events` are committed; throws if their commit failed.
    func ingest(_ events: [Event]) throws {
        guard !events.isEmpty else { return }
        condition.lock()
        pending.append(contentsOf: events)
        let generation = pendingGeneration
        while committedGeneration < generation {
            if !isFlushing {
                flushPending()
            } else {
                condition.wait()
            }
        }
        let failure = failures[generation]
        condition.unlock()
        if let failure { throw failure }
    }

    /// Called with the lock held; releases it while writing.
    private func flushPending() {
        isFlushing = true
        let batch = pending
        let generation = pendingGeneration
        pending = []
        pendingGeneration += 1
        condition.unlock()
        var failure: Error?
        do {
            try write(batch)
        } catch {
            failure = error
        }
        condition.lock()
        if let failure { failures[generation] = failure }
        failures = failures.filter { $0.key >= generation - 64 }
        committedGeneration = generation
        commits += 1
        isFlushing = false
        condition.broadcast()
    }

    private func write(_ batch: [Event]) throws {
        let now = Date().timeIntervalSince1970
        try database.write { db in
            // A track purged since validation loses its events instead of failing the batch.
            let insert = try db.makeStatement(sql: """
                INSERT INTO play_events (track_id, session, type, position, value, client_time, received_at)
                SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tracks WHERE id = ?)
                """)
            let played = try db.makeStatement(sql: "UPDATE tracks SET play_count = play_count + 1, last_played_at = ? WHERE id = ?")
            let skipped = try db.makeStatement(sql: "UPDATE tracks SET skip_count = skip_count + 1 WHERE id = ?")
            let position = try db.makeStatement(sql: "UPDATE tracks SET last_position = ? WHERE id = ?")
            for event in batch {
                try insert.execute(arguments: [
                    event.trackId, event.session, event.type.rawValue, event.position, event.value,
                    event.clientTime?.timeIntervalSince1970, now, event.trackId])
                switch event.type {
                case .play:
                    try played.execute(arguments: [now, event.trackId])
                case .skip:
                    try skipped.execute(arguments: [event.trackId])
                case .pause, .seek:
                    if let value = event.position { try position.execute(arguments: [value, event.trackId]) }
                case .ended:
                    try position.execute(arguments: [0, event.trackId])
                default:
                    break
                }
            }
        }
    }
}
