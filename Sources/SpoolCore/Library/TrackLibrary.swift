import Foundation
import GRDB
import SpoolStore

/// Reads of the library: search, filters, sort and keyset paging; the likes playlist; the
/// trash; playback history. Every read is for one user: their ratings, counts and positions,
/// without the tracks they hid. Every read runs on a WAL reader, so none of them waits for the
/// writer.
public struct TrackLibrary: Sendable {
    let database: SpoolDatabase

    /// How the library list is ordered.
    public enum Sort: String, CaseIterable, Sendable {
        case newest, oldest, title, plays

        var orderBy: String {
            switch self {
            case .newest: "tracks.id DESC"
            case .oldest: "tracks.id ASC"
            case .title: "tracks.title COLLATE NOCASE ASC, tracks.id ASC"
            case .plays: "coalesce(ut.play_count, 0) DESC, tracks.id DESC"
            }
        }

        /// Rows after `cursor` in this order.
        func after(_ cursor: PageCursor) -> (String, StatementArguments)? {
            switch (self, cursor.key) {
            case (.newest, _): ("tracks.id < ?", [cursor.id])
            case (.oldest, _): ("tracks.id > ?", [cursor.id])
            case (.title, .text(let title)?):
                ("(tracks.title COLLATE NOCASE > ? OR (tracks.title COLLATE NOCASE = ? AND tracks.id > ?))", [title, title, cursor.id])
            case (.plays, .number(let plays)?):
                ("(coalesce(ut.play_count, 0) < ? OR (coalesce(ut.play_count, 0) = ? AND tracks.id < ?))", [plays, plays, cursor.id])
            default: nil
            }
        }

        func cursor(after item: LibraryTrack) -> PageCursor {
            switch self {
            case .newest, .oldest: PageCursor(id: item.id)
            case .title: PageCursor(key: .text(item.track.title), id: item.id)
            case .plays: PageCursor(key: .number(Double(item.state?.playCount ?? 0)), id: item.id)
            }
        }
    }

    /// What the list shows.
    public struct Filter: Sendable {
        /// Whose library: their ratings and counts, without what they hid.
        public var userId: Int64
        public var query: String?
        public var sourceId: Int64?
        public var rating: Int?
        public var trashed = false
        public var sort = Sort.newest
        public var limit = 100
        /// Continue after this row (the previous page's `next`).
        public var after: PageCursor?

        public init(userId: Int64) {
            self.userId = userId
        }
    }

    /// A page of tracks, how many match in all, and where the next page starts (nil on the
    /// last page).
    public struct Page: Sendable {
        public let tracks: [LibraryTrack]
        public let total: Int
        public let next: PageCursor?
    }

    public init(database: SpoolDatabase) {
        self.database = database
    }

    public func tracks(_ filter: Filter) throws -> Page {
        var conditions = [filter.trashed ? "tracks.deleted_at IS NOT NULL" : "tracks.deleted_at IS NULL AND ut.hidden_at IS NULL"]
        var arguments: StatementArguments = []
        if let match = filter.query.flatMap(Self.matchExpression) {
            conditions.append("tracks.id IN (SELECT rowid FROM tracks_search WHERE tracks_search MATCH ?)")
            arguments += [match]
        }
        if let sourceId = filter.sourceId {
            conditions.append("tracks.source_id = ?")
            arguments += [sourceId]
        }
        if let rating = filter.rating {
            conditions.append("coalesce(ut.rating, 0) = ?")
            arguments += [rating]
        }
        let matching = conditions.joined(separator: " AND ")
        let matchingArguments = arguments
        if let cursor = filter.after {
            guard let (condition, values) = filter.sort.after(cursor) else {
                throw DomainError.invalid(field: "before", "This cursor belongs to another sort order; start from the first page.")
            }
            conditions.append(condition)
            arguments += values
        }
        arguments += [filter.limit + 1]
        let from = LibraryTrack.source(for: filter.userId)
        let (rows, total) = try database.read { db in
            let rows = try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(from)
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY \(filter.sort.orderBy) LIMIT ?
                """, arguments: arguments, userId: filter.userId)
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from) WHERE \(matching)", arguments: matchingArguments) ?? 0
            return (rows, total)
        }
        let page = Array(rows.prefix(filter.limit))
        let next = rows.count > filter.limit ? page.last.map { filter.sort.cursor(after: $0) } : nil
        return Page(tracks: page, total: total, next: next)
    }

    /// One track with `userId`'s state (nil: no one's).
    public func track(_ id: Int64, for userId: Int64?) throws -> LibraryTrack? {
        try database.read { try LibraryTrack.fetch($0, id: id, userId: userId) }
    }

    /// The user's liked tracks not in the trash and not hidden, in a stable play order: when
    /// they were liked, then id.
    public func likes(of userId: Int64) throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                WHERE ut.rating = 1 AND ut.hidden_at IS NULL AND tracks.deleted_at IS NULL
                ORDER BY ut.liked_at, tracks.id
                """, userId: userId)
        }
    }

    /// The trash, newest deletion first, with `userId`'s state.
    public func trash(for userId: Int64) throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                WHERE tracks.deleted_at IS NOT NULL ORDER BY tracks.deleted_at DESC, tracks.id DESC
                """, userId: userId)
        }
    }

    /// One past play.
    public struct Play: Sendable {
        public let track: LibraryTrack
        public let playedAt: Date
        public let position: Double?
    }

    /// The user's most recent `play` events, newest first.
    public func history(of userId: Int64, limit: Int) throws -> [Play] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection), play_events.received_at AS played_at, play_events.position AS play_position
                FROM play_events JOIN tracks ON tracks.id = play_events.track_id\(LibraryTrack.joins(for: userId))
                WHERE play_events.user_id = ? AND play_events.type = 'play'
                ORDER BY play_events.received_at DESC, play_events.id DESC LIMIT ?
                """, arguments: [userId, limit]).map { row in
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
