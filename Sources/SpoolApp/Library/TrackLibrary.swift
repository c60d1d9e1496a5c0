import Foundation
import GRDB
import SpoolStore

/// Reads of the library: search, filters, sort and paging; the likes playlist; the trash;
/// playback history. Every read runs on a WAL reader, so none of them waits for the writer.
struct TrackLibrary: Sendable {
    let database: SpoolDatabase

    /// How the library list is ordered.
    enum Sort: String, CaseIterable, Sendable {
        case newest, oldest, title, plays

        var orderBy: String {
            switch self {
            case .newest: "tracks.id DESC"
            case .oldest: "tracks.id ASC"
            case .title: "tracks.title COLLATE NOCASE ASC, tracks.id ASC"
            case .plays: "tracks.play_count DESC, tracks.id DESC"
            }
        }
    }

    /// What the list shows.
    struct Filter: Sendable {
        var query: String?
        var channelId: Int64?
        var rating: Int?
        var trashed = false
        var sort = Sort.newest
        var limit = 100
        /// Rows already returned (the opaque cursor of the previous page).
        var offset = 0
    }

    func tracks(_ filter: Filter) throws -> (tracks: [LibraryTrack], nextOffset: Int?) {
        var conditions = [filter.trashed ? "tracks.deleted_at IS NOT NULL" : "tracks.deleted_at IS NULL"]
        var arguments: StatementArguments = []
        if let match = filter.query.flatMap(Self.matchExpression) {
            conditions.append("tracks.id IN (SELECT rowid FROM tracks_search WHERE tracks_search MATCH ?)")
            arguments += [match]
        }
        if let channelId = filter.channelId {
            conditions.append("tracks.channel_id = ?")
            arguments += [channelId]
        }
        if let rating = filter.rating {
            conditions.append("tracks.rating = ?")
            arguments += [rating]
        }
        arguments += [filter.limit + 1, filter.offset]
        let rows = try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY \(filter.sort.orderBy) LIMIT ? OFFSET ?
                """, arguments: arguments)
        }
        let hasMore = rows.count > filter.limit
        return (Array(rows.prefix(filter.limit)), hasMore ? filter.offset + filter.limit : nil)
    }

    func track(_ id: Int64) throws -> LibraryTrack? {
        try database.read { try LibraryTrack.fetch($0, id: id) }
    }

    /// Liked tracks not in the trash, in a stable play order: when they were liked, then id.
    func likes() throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
                WHERE tracks.rating = 1 AND tracks.deleted_at IS NULL
                ORDER BY tracks.liked_at, tracks.id
                """)
        }
    }

    func trash() throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
                WHERE tracks.deleted_at IS NOT NULL ORDER BY tracks.deleted_at DESC, tracks.id DESC
                """)
        }
    }

    /// One past play.
    struct Play: Sendable {
        let track: LibraryTrack
        let playedAt: Date
        let position: Double?
    }

    /// The most recent `play` events, newest first.
    func history(limit: Int) throws -> [Play] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection), play_events.received_at AS played_at, play_events.position AS play_position
                FROM play_events JOIN tracks ON tracks.id = play_events.track_id
                LEFT JOIN channels ON channels.id = tracks.channel_id
                WHERE play_events.type = 'play'
                ORDER BY play_events.received_at DESC, play_events.id DESC LIMIT ?
                """, arguments: [limit]).map { row in
                Play(track: try LibraryTrack(row: row),
                     playedAt: Date(timeIntervalSince1970: row["played_at"]),
                     position: row["play_position"])
            }
        }
    }

    /// User text as an FTS5 expression: every word quoted (so `"`, `*`, `-`, `OR`, `NEAR` are
    /// plain text), all words required, the last one as a prefix for search-as-you-type.
    static func matchExpression(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace }).prefix(16)
        guard !words.isEmpty else { return nil }
        return words.enumerated().map { index, word in
            let quoted = "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            return index == words.count - 1 ? quoted + "*" : quoted
        }.joined(separator: " ")
    }
}
