import Foundation
import GRDB
import SpoolStore

/// Reads of the library: search, filters, sort and keyset paging; the likes playlist; the
/// trash; playback history. Every read runs on a WAL reader, so none of them waits for the
/// writer, and every list is a page: an index seek to where the last page ended, then `limit`
/// rows (`ListQueryPlanTests` checks each query's plan), with totals from the counters.
public struct TrackLibrary: Sendable {
    let database: SpoolDatabase

    /// How the library list is ordered. Each order has an index that delivers it (within a
    /// source too): the rowid, `tracks_title`, `tracks_plays`, and their `source_…` twins.
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

        /// Rows after `cursor` in this order. The sort key's bound comes first and alone (`>=`),
        /// so it is the index range; the tie on the key is settled by the id. (The row-value
        /// form `(title COLLATE NOCASE, id) > (?, ?)` reads the same but SQLite does not seek
        /// with it: page 900 then walked 90,000 index entries.)
        func after(_ cursor: PageCursor) -> (String, StatementArguments)? {
            switch (self, cursor.key) {
            case (.newest, _): ("tracks.id < ?", [cursor.id])
            case (.oldest, _): ("tracks.id > ?", [cursor.id])
            case (.title, .text(let title)?):
                ("tracks.title COLLATE NOCASE >= ? AND (tracks.title COLLATE NOCASE > ? OR tracks.id > ?)", [title, title, cursor.id])
            case (.plays, .number(let plays)?):
                ("tracks.play_count <= ? AND (tracks.play_count < ? OR tracks.id < ?)", [plays, plays, cursor.id])
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
    public typealias Page = ListPage<LibraryTrack>

    public init(database: SpoolDatabase) {
        self.database = database
    }

    public func tracks(_ filter: Filter) throws -> Page {
        let query = try pageQuery(filter)
        let (rows, total) = try database.read { db in
            (try LibraryTrack.fetchAll(db, sql: query.sql, arguments: query.arguments), try matching(db, filter))
        }
        return Page(rows, limit: filter.limit, total: total) { filter.sort.cursor(after: $0.track) }
    }

    /// The conditions of `filter` without the cursor, and their arguments.
    private func conditions(_ filter: Filter) -> ([String], StatementArguments) {
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
            // `+` keeps the term out of index choice: rating = 1 would otherwise let the
            // planner read the likes' partial index and sort every like; walking the sort's own
            // index and skipping the others stops after the page.
            conditions.append("+tracks.rating = ?")
            arguments += [rating]
        }
        return (conditions, arguments)
    }

    /// The query of one page of `filter` (what `tracks(_:)` runs).
    func pageQuery(_ filter: Filter) throws -> ListQuery {
        var (conditions, arguments) = conditions(filter)
        if let cursor = filter.after {
            guard let (condition, values) = filter.sort.after(cursor) else {
                throw DomainError.invalid(field: "before", "This cursor belongs to another sort order; start from the first page.")
            }
            conditions.append(condition)
            arguments += values
        }
        return ListQuery("""
            SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(filter.sort.orderBy) LIMIT ?
            """, arguments + [filter.limit + 1])
    }

    /// How many tracks match `filter` in all: the counters (`StoredCounts`), or, for a search,
    /// a count of the matches (`countQuery`).
    private func matching(_ db: Database, _ filter: Filter) throws -> Int {
        guard let query = countQuery(filter) else {
            return try StoredCounts.tracks(db, owner: filter.sourceId ?? StoredCounts.everyOwner, trashed: filter.trashed, rating: filter.rating)
        }
        return try Int.fetchOne(db, sql: query.sql, arguments: query.arguments) ?? 0
    }

    /// The count of a search's matches; nil when the counters know the total (no search).
    func countQuery(_ filter: Filter) -> ListQuery? {
        guard filter.query.flatMap(Self.matchExpression) != nil else { return nil }
        let (conditions, arguments) = conditions(filter)
        return ListQuery("SELECT count(*) FROM tracks WHERE \(conditions.joined(separator: " AND "))", arguments)
    }

    public func track(_ id: Int64) throws -> LibraryTrack? {
        try database.read { try LibraryTrack.fetch($0, id: id) }
    }

    /// Liked tracks not in the trash, in a stable play order: when they were liked, then id; a
    /// page at a time (the player loads the next page as it plays).
    public func likes(after cursor: PageCursor? = nil, limit: Int = 100) throws -> ListPage<LibraryTrack> {
        let query = likesQuery(after: cursor, limit: limit)
        return try database.read { db in
            ListPage(try LibraryTrack.fetchAll(db, sql: query.sql, arguments: query.arguments), limit: limit,
                     total: try StoredCounts.tracks(db, trashed: false, rating: 1)) { liked in
                PageCursor(key: liked.track.likedAt.map { .number($0.timeIntervalSince1970) }, id: liked.id)
            }
        }
    }

    /// One page of likes, walking `tracks_likes` (liked_at, id). A like without its time (none
    /// is written so) sorts first and pages by id.
    func likesQuery(after cursor: PageCursor?, limit: Int) -> ListQuery {
        var condition = ""
        var arguments: StatementArguments = []
        if let cursor {
            if case .number(let likedAt)? = cursor.key {
                condition = "AND tracks.liked_at >= ? AND (tracks.liked_at > ? OR tracks.id > ?)"
                arguments = [likedAt, likedAt, cursor.id]
            } else {
                condition = "AND (tracks.liked_at IS NOT NULL OR tracks.id > ?)"
                arguments = [cursor.id]
            }
        }
        return ListQuery("""
            SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
            WHERE tracks.rating = 1 AND tracks.deleted_at IS NULL \(condition)
            ORDER BY tracks.liked_at, tracks.id LIMIT ?
            """, arguments + [limit + 1])
    }

    /// The trash, newest deletion first, a page at a time.
    public func trash(after cursor: PageCursor? = nil, limit: Int = 100) throws -> ListPage<LibraryTrack> {
        let query = try trashQuery(after: cursor, limit: limit)
        return try database.read { db in
            ListPage(try LibraryTrack.fetchAll(db, sql: query.sql, arguments: query.arguments), limit: limit,
                     total: try StoredCounts.tracks(db, trashed: true)) { trashed in
                PageCursor(key: .number(trashed.track.deletedAt?.timeIntervalSince1970 ?? 0), id: trashed.id)
            }
        }
    }

    /// One page of the trash, walking `tracks_trash` (deleted_at) backwards.
    func trashQuery(after cursor: PageCursor?, limit: Int) throws -> ListQuery {
        var condition = ""
        var arguments: StatementArguments = []
        if let cursor {
            guard case .number(let deletedAt)? = cursor.key else {
                throw DomainError.invalid(field: "before", "is not a cursor from the trash's next_before.")
            }
            condition = "AND tracks.deleted_at <= ? AND (tracks.deleted_at < ? OR tracks.id < ?)"
            arguments = [deletedAt, deletedAt, cursor.id]
        }
        return ListQuery("""
            SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source)
            WHERE tracks.deleted_at IS NOT NULL \(condition)
            ORDER BY tracks.deleted_at DESC, tracks.id DESC LIMIT ?
            """, arguments + [limit + 1])
    }

    /// One past play.
    public struct Play: Sendable {
        public let track: LibraryTrack
        public let playedAt: Date
        public let position: Double?
        /// The play event's id (the cursor's tie-breaker).
        let eventId: Int64
    }

    /// The most recent `play` events, newest first, a page at a time.
    public func history(after cursor: PageCursor? = nil, limit: Int) throws -> ListPage<Play> {
        let query = try historyQuery(after: cursor, limit: limit)
        return try database.read { db in
            let plays = try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).map { row in
                Play(track: try LibraryTrack(row: row), playedAt: Date(timeIntervalSince1970: row["played_at"]),
                     position: row["play_position"], eventId: row["play_id"])
            }
            return ListPage(plays, limit: limit, total: nil) { play in
                PageCursor(key: .number(play.playedAt.timeIntervalSince1970), id: play.eventId)
            }
        }
    }

    /// One page of history, walking `play_events_plays` (received_at) backwards.
    func historyQuery(after cursor: PageCursor?, limit: Int) throws -> ListQuery {
        var condition = ""
        var arguments: StatementArguments = []
        if let cursor {
            guard case .number(let playedAt)? = cursor.key else {
                throw DomainError.invalid(field: "before", "is not a cursor from the history's next_before.")
            }
            condition = "AND play_events.received_at <= ? AND (play_events.received_at < ? OR play_events.id < ?)"
            arguments = [playedAt, playedAt, cursor.id]
        }
        return ListQuery("""
            SELECT \(LibraryTrack.selection), play_events.received_at AS played_at, play_events.position AS play_position,
                   play_events.id AS play_id
            FROM play_events JOIN tracks ON tracks.id = play_events.track_id
            LEFT JOIN sources ON sources.id = tracks.source_id
            WHERE play_events.type = 'play' \(condition)
            ORDER BY play_events.received_at DESC, play_events.id DESC LIMIT ?
            """, arguments + [limit + 1])
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
