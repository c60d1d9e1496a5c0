import Foundation
import GRDB
import SpoolStore

/// Reads of the library: search, filters, sort and keyset paging; the likes playlist; the
/// trash; playback history. Every read runs on a WAL reader, so none of them waits for the
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
            case .plays: "tracks.play_count DESC, tracks.id DESC"
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
                ("(tracks.play_count < ? OR (tracks.play_count = ? AND tracks.id < ?))", [plays, plays, cursor.id])
            default: nil
            }
        }

        func cursor(after track: Track) -> PageCursor {
            switch self {
            case .newest, .oldest: PageCursor(id: track.id ?? 0)
            case .title: PageCursor(key: .text(track.title), id: track.id ?? 0)
            case .plays: PageCursor(key: .number(Double(track.playCount)), id: track.id ?? 0)
            }
        }
    }

    /// What the list shows.
    public struct Filter: Sendable {
        public var query: String?
        public var sourceId: Int64?
        public var rating: Int?
        public var trashed = false
        public var sort = Sort.newest
        public var limit = 100
        /// Continue after this row (the previous page's `next`).
        public var after: PageCursor?

        public init() {}
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
        var conditions = [filter.trashed ? "tracks.deleted_at IS NOT NULL" : "tracks.deleted_at IS NULL"]
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
            conditions.append("tracks.rating = ?")
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
        let (rows, total) = try database.read { db in
            let rows = try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY \(filter.sort.orderBy) LIMIT ?
                """, arguments: arguments)
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks WHERE \(matching)", arguments: matchingArguments) ?? 0
            return (rows, total)
        }
        let page = Array(rows.prefix(filter.limit))
        let next = rows.count > filter.limit ? page.last.map { filter.sort.cursor(after: $0.track) } : nil
        return Page(tracks: page, total: total, next: next)
    }

    public func track(_ id: Int64) throws -> LibraryTrack? {
        try database.read { try LibraryTrack.fetch($0, id: id) }
    }

    /// Liked tracks not in the trash, in a stable play order: when they were liked, then id.
    public func likes() throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
                WHERE tracks.rating = 1 AND tracks.deleted_at IS NULL
                ORDER BY tracks.liked_at, tracks.id
                """)
        }
    }

    /// The trash, newest deletion first.
    public func trash() throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
                WHERE tracks.deleted_at IS NOT NULL ORDER BY tracks.deleted_at DESC, tracks.id DESC
                """)
        }
    }

    /// One past play.
    public struct Play: Sendable {
        public let track: LibraryTrack
        public let playedAt: Date
        public let position: Double?
    }

    /// The most recent `play` events, newest first.
    public func history(limit: Int) throws -> [Play] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection), play_events.received_at AS played_at, play_events.position AS play_position
                FROM play_events JOIN tracks ON tracks.id = play_events.track_id
                LEFT JOIN sources ON sources.id = tracks.source_id
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
