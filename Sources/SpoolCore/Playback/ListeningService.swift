import Foundation
import GRDB
import SpoolStore

/// One user's relation to the shared tracks: like (+1), clear (0) and dislike (−1), their own
/// deletions (a listener's delete hides a track for them only; see `TrackRemoval`), and their
/// play queue. Each change is published to that user alone.
public struct ListeningService: Sendable {
    let database: SpoolDatabase
    let hub: EventHub

    public func setRating(_ value: Int, of id: Int64, by user: Principal) throws -> LibraryTrack {
        guard [-1, 0, 1].contains(value) else {
            throw DomainError.invalid(field: "value", "must be 1 (like), 0 (clear) or -1 (dislike); got \(value).")
        }
        return try change(id, for: user) { db in try UserTrackStore.setRating(value, of: id, for: user.userId, db) }
    }

    /// Hides a track from `user`'s lists, or brings it back.
    public func setHidden(_ hidden: Bool, _ id: Int64, by user: Principal) throws -> LibraryTrack {
        try change(id, for: user) { db in try UserTrackStore.setHidden(hidden, id, for: user.userId, db) }
    }

    private func change(_ id: Int64, for user: Principal, _ write: @escaping @Sendable (Database) throws -> Bool) throws -> LibraryTrack {
        let updated = try database.write { db -> LibraryTrack? in
            guard try write(db) else { return nil }
            return try LibraryTrack.fetch(db, id: id, userId: user.userId)
        }
        guard let updated else { throw DomainError.notFound("No track with id \(id).") }
        hub.publish(.trackStateChanged(userId: user.userId, updated))
        return updated
    }

    /// The user's play queue as the player last saved it (JSON the web app defines: track ids,
    /// the current index, the source it was started from), or nil.
    public func queue(of user: Principal) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT queue FROM user_queues WHERE user_id = ?", arguments: [user.userId])
        }
    }

    /// Saves the user's play queue: a JSON object of at most 256 KiB (about 10,000 track ids).
    public func saveQueue(_ json: String, of user: Principal) throws {
        guard json.utf8.count <= 256 << 10 else { throw DomainError.invalid(field: "queue", "is larger than 256 KiB.") }
        guard let data = json.data(using: .utf8), (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw DomainError.invalid(field: "queue", "must be a JSON object.")
        }
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO user_queues (user_id, queue, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET queue = excluded.queue, updated_at = excluded.updated_at
                """, arguments: [user.userId, json, Date().timeIntervalSince1970])
        }
    }
}
