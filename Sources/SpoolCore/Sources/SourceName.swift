import Foundation
import GRDB
import SpoolStore

/// What a menu of sources shows of each one: its name, its URL for a source without a title,
/// its kind and whether it is paused. `GET /api/sources?view=names` lists these, for the
/// Library's and the Jobs page's source menus.
///
/// Why not the full list: a menu fills itself with every source, 500 at a time, and 500 full
/// sources (counts, rules, the last sync) were 327 kB and 8.6 ms (p99 23 ms) at the large size
/// of issue 19; 500 names are a sixth of the bytes and need no counters.
///
/// ```swift
/// let page = try sources.names(limit: 500)      // newest first
/// page.items.first?.title                       // "Lofi Girl"
/// try sources.names(after: page.next, limit: 500)
/// ```
public struct SourceName: Sendable, Equatable {
    public let id: Int64
    public let title: String?
    public let url: String
    public let kind: SourceKind
    public let paused: Bool

    public init(id: Int64, title: String?, url: String, kind: SourceKind, paused: Bool) {
        self.id = id
        self.title = title
        self.url = url
        self.kind = kind
        self.paused = paused
    }

    /// One page of names, newest first, as `SourceSnapshot.page` orders its sources (one
    /// cursor serves both views).
    static func page(_ db: Database, after cursor: PageCursor?, limit: Int) throws -> ListPage<SourceName> {
        let query = pageQuery(after: cursor, limit: limit)
        let statement = try db.cachedStatement(sql: query.sql)
        let names = try Row.fetchAll(statement, arguments: query.arguments).map { row in
            SourceName(id: row[0], title: row[1], url: row[2], kind: row[3], paused: row[4])
        }
        return ListPage(names, limit: limit, total: try SourceSnapshot.count(db)) { PageCursor(id: $0.id) }
    }

    /// The page's SQL: the full list's order and cursor, read by position in `page`.
    static func pageQuery(after cursor: PageCursor?, limit: Int) -> ListQuery {
        SourceSnapshot.pageQuery(columns: "id, title, url, kind, paused", after: cursor, limit: limit)
    }
}
