import Foundation
import GRDB
import SpoolStore

/// Writes playback telemetry. Each request's (already validated) events are one write of the
/// writer queue, so group commit (`SpoolDatabase.write`) joins the requests that arrive while a
/// transaction runs: a burst of seeks from fifty players costs a few commits, not hundreds,
/// and a 202 still always means durable.
struct TelemetryIngest: Sendable {
    /// One event, validated.
    struct Event: Sendable {
        let trackId: Int64
        let session: String
        let type: PlayEventType
        let position: Double?
        let value: Double?
        let clientTime: Date?
    }

    let database: SpoolDatabase

    /// Returns once `events` are committed; throws if their write failed.
    func ingest(_ events: [Event]) throws {
        guard !events.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        // Background: the player sends telemetry in bulk; a click's write goes first.
        try database.write(priority: .background) { db in
            // A track purged since validation loses its events instead of failing the batch.
            let insert = try db.cachedStatement(sql: """
                INSERT INTO play_events (track_id, session, type, position, value, client_time, received_at)
                SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tracks WHERE id = ?)
                """)
            for event in events {
                try insert.execute(arguments: [
                    event.trackId, event.session, event.type.rawValue, event.position, event.value,
                    event.clientTime?.timeIntervalSince1970, now, event.trackId])
                try updateTrack(for: event, db: db, now: now)
            }
        }
    }

    /// Play count, skip count, last position and last played time follow from the events.
    private func updateTrack(for event: Event, db: Database, now: Double) throws {
        switch event.type {
        case .play:
            try db.cachedStatement(sql: "UPDATE tracks SET play_count = play_count + 1, last_played_at = ? WHERE id = ?")
                .execute(arguments: [now, event.trackId])
        case .skip:
            try db.cachedStatement(sql: "UPDATE tracks SET skip_count = skip_count + 1 WHERE id = ?")
                .execute(arguments: [event.trackId])
        case .pause, .seek:
            if let position = event.position {
                try db.cachedStatement(sql: "UPDATE tracks SET last_position = ? WHERE id = ?")
                    .execute(arguments: [position, event.trackId])
            }
        case .ended:
            try db.cachedStatement(sql: "UPDATE tracks SET last_position = 0 WHERE id = ?")
                .execute(arguments: [event.trackId])
        default:
            break
        }
    }
}
