import Foundation
import GRDB
import SpoolStore

/// Writes playback telemetry. Each request's (already validated) events are one write of the
/// writer queue, so group commit (`SpoolDatabase.write`) joins the requests that arrive while a
/// transaction runs: a burst of seeks from fifty players costs a few commits, not hundreds,
/// and a 202 still always means durable.
public struct TelemetryIngest: Sendable {
    /// One event, validated.
    public struct Event: Sendable {
        public let trackId: Int64
        public let session: String
        public let type: PlayEventType
        public let position: Double?
        public let value: Double?
        public let clientTime: Date?

        public init(trackId: Int64, session: String, type: PlayEventType, position: Double?, value: Double?, clientTime: Date?) {
            self.trackId = trackId
            self.session = session
            self.type = type
            self.position = position
            self.value = value
            self.clientTime = clientTime
        }
    }

    let database: SpoolDatabase

    /// The first event (by index) whose track does not exist, if any: a batch is all or
    /// nothing, and the client is told which item to fix.
    public func firstUnknownTrack(in events: [Event]) throws -> Int? {
        let ids = Array(Set(events.map(\.trackId)))
        guard !ids.isEmpty else { return nil }
        let known = try database.read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT id FROM tracks WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                                   arguments: StatementArguments(ids)))
        }
        return events.firstIndex { !known.contains($0.trackId) }
    }

    /// Returns once `events` are committed; throws if their write failed. The counts and the
    /// position they change are `user`'s alone.
    public func ingest(_ events: [Event], by user: Principal) throws {
        guard !events.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        // Background: the player sends telemetry in bulk; a click's write goes first.
        try database.write(priority: .background) { db in
            // A track purged since validation loses its events instead of failing the batch.
            let insert = try db.cachedStatement(sql: """
                INSERT INTO play_events (track_id, session, type, position, value, client_time, received_at, user_id)
                SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tracks WHERE id = ?)
                """)
            for event in events {
                try insert.execute(arguments: [
                    event.trackId, event.session, event.type.rawValue, event.position, event.value,
                    event.clientTime?.timeIntervalSince1970, now, user.userId, event.trackId])
                guard db.changesCount > 0 else { continue }
                try UserTrackStore.applyPlayback(event.type, position: event.position, to: event.trackId, for: user.userId, db, now: now)
            }
        }
    }
}
