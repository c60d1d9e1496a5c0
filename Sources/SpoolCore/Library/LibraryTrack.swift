import GRDB
import SpoolStore

/// A track row as the library shows it: the record plus its channel's title (a LEFT JOIN, so a
/// track whose channel was removed still shows).
public struct LibraryTrack: Sendable, Equatable {
    public var track: Track
    public var sourceTitle: String?

    /// The columns every library query selects; `LibraryTrack(row:)` reads them.
    static let selection = "tracks.*, sources.title AS source_title"
    /// The FROM clause matching `selection`.
    static let source = "tracks LEFT JOIN sources ON sources.id = tracks.source_id"

    public init(track: Track, sourceTitle: String?) {
        self.track = track
        self.sourceTitle = sourceTitle
    }

    init(row: Row) throws {
        self.track = try Track(row: row)
        self.sourceTitle = row["source_title"]
    }

    public var id: Int64 { track.id ?? 0 }

    /// Fetches one track by id, trashed or not.
    static func fetch(_ db: Database, id: Int64) throws -> LibraryTrack? {
        try Row.fetchOne(db, sql: "SELECT \(selection) FROM \(source) WHERE tracks.id = ?", arguments: [id])
            .map(LibraryTrack.init(row:))
    }

    /// Fetches every row of `sql` (which must select `selection`).
    static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [LibraryTrack] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map(LibraryTrack.init(row:))
    }
}
