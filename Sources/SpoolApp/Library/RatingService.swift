import Foundation
import GRDB
import SpoolStore

/// Like (+1), clear (0) and dislike (−1). A like records when, which orders the likes playlist.
struct RatingService: Sendable {
    let database: SpoolDatabase
    let hub: EventHub

    func setRating(_ value: Int, of id: Int64) throws -> LibraryTrack? {
        let updated = try database.write { db -> LibraryTrack? in
            guard var track = try Track.fetchOne(db, key: id) else { return nil }
            if track.rating != value {
                track.rating = value
                // Re-liking keeps the original like time, so the playlist order is stable.
                if value == 1 { track.likedAt = track.likedAt ?? Date() } else { track.likedAt = nil }
                try track.update(db)
            }
            return try LibraryTrack.fetch(db, id: id)
        }
        if let updated { hub.publish("track.updated", updated) }
        return updated
    }
}
