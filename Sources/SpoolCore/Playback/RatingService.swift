import Foundation
import GRDB
import SpoolStore

/// Like (+1), clear (0) and dislike (−1).
public struct RatingService: Sendable {
    let database: SpoolDatabase
    let hub: EventHub

    public func setRating(_ value: Int, of id: Int64) throws -> LibraryTrack {
        guard [-1, 0, 1].contains(value) else {
            throw DomainError.invalid(field: "value", "must be 1 (like), 0 (clear) or -1 (dislike); got \(value).")
        }
        let updated = try database.write { db -> LibraryTrack? in
            guard try TrackStore.setRating(value, of: id, db) else { return nil }
            return try LibraryTrack.fetch(db, id: id)
        }
        guard let updated else { throw DomainError.notFound("No track with id \(id).") }
        hub.publish(.trackUpdated(updated))
        return updated
    }
}
