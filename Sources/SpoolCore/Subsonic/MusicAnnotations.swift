import Foundation
import GRDB
import SpoolStore

/// What a music app records for a user, written into the same state the web app reads: a
/// starred song is a like, a scrobble is a play in the history with its count, a bookmark is
/// the resume position, the saved play queue is the user's queue. Stars and ratings of albums
/// and artists, which Spool has no other use for, are kept in `user_annotations` (this is the
/// only writer of that table).
public struct MusicAnnotations: Sendable {
    /// What a star or a rating is given to.
    public enum Item: Sendable, Hashable {
        case song(Int64)
        /// A source's album, or its artist (source 0: tracks whose source was removed).
        case album(Int64)
        case artist(Int64)

        var annotationKey: String? {
            switch self {
            case .song: nil
            case .album(let id): "album:\(id)"
            case .artist(let id): "artist:\(id)"
            }
        }
    }

    let database: SpoolDatabase
    let music: MusicLibrary
    let listening: ListeningService
    let telemetry: TelemetryIngest

    /// Checks that the user can see every item before anything changes: one unknown id and
    /// nothing is starred (the call fails with "not found").
    private func requireVisible(_ items: [Item], for user: Principal) throws {
        var sources: Set<Int64>?
        for item in items {
            switch item {
            case .song(let id):
                guard try music.song(id, for: user.userId) != nil else { throw DomainError.notFound("Song \(id) not found.") }
            case .album(let id), .artist(let id):
                if sources == nil { sources = Set(try music.albumKeys(for: user.userId).map(\.sourceId)) }
                guard sources!.contains(id) else { throw DomainError.notFound("\(item.annotationKey!.hasPrefix("album") ? "Album" : "Artist") \(id) not found.") }
            }
        }
    }

    /// Stars songs (likes, as the web app's heart), albums and artists.
    public func star(_ items: [Item], by user: Principal) throws {
        try requireVisible(items, for: user)
        for item in items {
            if case .song(let id) = item {
                _ = try listening.setRating(1, of: id, by: user)
            }
        }
        try annotate(items, by: user, starred: true)
    }

    /// Removes stars: a liked song is no longer liked (a disliked one stays disliked).
    public func unstar(_ items: [Item], by user: Principal) throws {
        try requireVisible(items, for: user)
        for item in items {
            if case .song(let id) = item, try music.song(id, for: user.userId)?.state?.rating == 1 {
                _ = try listening.setRating(0, of: id, by: user)
            }
        }
        try annotate(items, by: user, starred: false)
    }

    private func annotate(_ items: [Item], by user: Principal, starred: Bool) throws {
        let keys = items.compactMap(\.annotationKey)
        guard !keys.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try database.write { db in
            for key in keys {
                try db.execute(sql: """
                    INSERT INTO user_annotations (user_id, item, starred_at) VALUES (?, ?, ?)
                    ON CONFLICT (user_id, item) DO UPDATE SET starred_at = CASE WHEN excluded.starred_at IS NULL THEN NULL
                        ELSE coalesce(user_annotations.starred_at, excluded.starred_at) END
                    """, arguments: [user.userId, key, starred ? now : nil])
            }
            try db.execute(sql: "DELETE FROM user_annotations WHERE user_id = ? AND starred_at IS NULL AND rating IS NULL", arguments: [user.userId])
        }
    }

    /// A 1–5 rating, or 0 to remove it (Subsonic's `setRating`). For a song it is the song's
    /// stars, beside (not instead of) its like or dislike.
    public func rate(_ item: Item, stars: Int, by user: Principal) throws {
        guard (0...5).contains(stars) else { throw DomainError.invalid(field: "rating", "must be 0 to 5; got \(stars).") }
        try requireVisible([item], for: user)
        let value: Int? = stars == 0 ? nil : stars
        try database.write { db in
            switch item {
            case .song(let id):
                guard try UserTrackStore.setStars(value, of: id, for: user.userId, db) else { throw DomainError.notFound("Song \(id) not found.") }
            case .album, .artist:
                try db.execute(sql: """
                    INSERT INTO user_annotations (user_id, item, rating) VALUES (?, ?, ?)
                    ON CONFLICT (user_id, item) DO UPDATE SET rating = excluded.rating
                    """, arguments: [user.userId, item.annotationKey!, value])
                try db.execute(sql: "DELETE FROM user_annotations WHERE user_id = ? AND starred_at IS NULL AND rating IS NULL", arguments: [user.userId])
            }
        }
    }

    /// Records plays (Subsonic's `scrobble` with `submission=true`): each is a `play` event in
    /// the user's history and counts, as a play in the web app does. `time` is when the client
    /// says it was heard.
    public func scrobble(_ plays: [(trackId: Int64, time: Date?)], client: String?, by user: Principal) throws {
        try requireVisible(plays.map { .song($0.trackId) }, for: user)
        let session = "subsonic:" + String((client ?? "client").prefix(60))
        try telemetry.ingest(plays.map {
            TelemetryIngest.Event(trackId: $0.trackId, session: session, type: .play, position: nil, value: nil, clientTime: $0.time)
        }, by: user)
    }

    /// Sets the resume position (a Subsonic bookmark) in seconds.
    public func setPosition(_ seconds: Double, of trackId: Int64, by user: Principal) throws {
        guard seconds.isFinite, seconds >= 0 else { throw DomainError.invalid(field: "position", "must be zero or more.") }
        try requireVisible([.song(trackId)], for: user)
        try database.write { db in
            guard try UserTrackStore.setPosition(seconds, of: trackId, for: user.userId, db) else {
                throw DomainError.notFound("Song \(trackId) not found.")
            }
        }
    }

    /// Removes the resume position (a Subsonic bookmark).
    public func clearPosition(of trackId: Int64, by user: Principal) throws {
        try requireVisible([.song(trackId)], for: user)
        try database.write { db in
            _ = try UserTrackStore.setPosition(nil, of: trackId, for: user.userId, db)
        }
    }
}

/// The user's play queue as Subsonic apps save and resume it, in the same row (`user_queues`)
/// and shape (`ids`, `index`) the web app uses; `position` (seconds), `changed_by` (the app)
/// and `changed_at` ride along and are ignored by readers that do not know them.
public struct SavedQueue: Codable, Sendable, Equatable {
    public var ids: [Int64]
    public var index: Int?
    public var position: Double?
    public var changedBy: String?
    public var changedAt: Double?

    public init(ids: [Int64], index: Int?, position: Double?, changedBy: String?, changedAt: Date) {
        self.ids = ids
        self.index = index
        self.position = position
        self.changedBy = changedBy
        self.changedAt = changedAt.timeIntervalSince1970
    }

    enum CodingKeys: String, CodingKey {
        case ids, index, position
        case changedBy = "changed_by"
        case changedAt = "changed_at"
    }
}

extension MusicAnnotations {
    /// The user's saved queue; nil when there is none or it is not in this shape.
    public func queue(of user: Principal) throws -> SavedQueue? {
        guard let json = try listening.queue(of: user), let data = json.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(SavedQueue.self, from: data)
    }

    /// Saves the queue (every id must name a song the user may see), or clears it when empty.
    public func saveQueue(_ queue: SavedQueue, by user: Principal) throws {
        if !queue.ids.isEmpty {
            let missing = try music.songs(Array(Set(queue.ids)), for: user.userId).missing
            if let first = missing.first { throw DomainError.notFound("Song \(first) not found.") }
        }
        let data = try JSONEncoder().encode(queue)
        try listening.saveQueue(String(decoding: data, as: UTF8.self), of: user)
    }
}
