import Foundation
import GRDB
import SpoolStore

/// The reads behind the podcast feeds: a source's episodes (its tracks, the newest upload
/// first) and a user's Likes (the newest like first), a page at a time, for the user whose
/// feed key asks: nothing in the trash, nothing that user hid.
public struct PodcastLibrary: Sendable {
    let database: SpoolDatabase

    /// One page of a feed and how many episodes there are in all.
    public struct Page: Sendable {
        public let episodes: [LibraryTrack]
        public let total: Int
    }

    /// The source, or nil when there is none with that id.
    public func source(_ id: Int64) throws -> Source? {
        try database.read { try Source.fetchOne($0, key: id) }
    }

    /// Every source, by title (the OPML list).
    public func sources() throws -> [Source] {
        try database.read { try Source.order(sql: "coalesce(title, url) COLLATE NOCASE").fetchAll($0) }
    }

    /// A page of a source's episodes, the newest upload first.
    public func episodes(ofSource sourceId: Int64, offset: Int, limit: Int, for userId: Int64) throws -> Page {
        try page(condition: "tracks.source_id = ?", arguments: [sourceId],
                 order: "coalesce(tracks.uploaded_at, tracks.created_at) DESC, tracks.id DESC",
                 offset: offset, limit: limit, userId: userId)
    }

    /// A page of the user's Likes, the newest like first (a new like is a new episode).
    public func likedEpisodes(offset: Int, limit: Int, for userId: Int64) throws -> Page {
        try page(condition: "ut.rating = 1", arguments: [], order: "ut.liked_at DESC, tracks.id DESC",
                 offset: offset, limit: limit, userId: userId)
    }

    /// One episode's track, when the user may see it (an enclosure URL of their feed).
    public func episode(_ trackId: Int64, for userId: Int64) throws -> LibraryTrack? {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId)) WHERE tracks.id = ? AND \(MusicLibrary.visible)
                """, arguments: [trackId], userId: userId).first
        }
    }

    private func page(condition: String, arguments: StatementArguments, order: String, offset: Int, limit: Int, userId: Int64) throws -> Page {
        let from = LibraryTrack.source(for: userId)
        let matching = "\(MusicLibrary.visible) AND \(condition)"
        return try database.read { db in
            let episodes = try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(from) WHERE \(matching) ORDER BY \(order) LIMIT ? OFFSET ?
                """, arguments: arguments + [limit, offset], userId: userId)
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from) WHERE \(matching)", arguments: arguments) ?? 0
            return Page(episodes: episodes, total: total)
        }
    }
}
