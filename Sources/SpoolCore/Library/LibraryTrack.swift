import GRDB
import SpoolStore

/// A track row as the library shows it: the record plus its channel's title (a LEFT JOIN, so a
/// track whose channel was removed still shows).
public struct LibraryTrack: Sendable, Equatable {
    public var track: Track
    public var channelTitle: String?

    /// The columns every library query selects; `LibraryTrack(row:)` reads them.
    static let selection = "tracks.*, channels.title AS channel_title"
    /// The FROM clause matching `selection`.
    static let source = "tracks LEFT JOIN channels ON channels.id = tracks.channel_id"

    public init(track: Track, channelTitle: String?) {
        self.track = track
        self.channelTitle = channelTitle
    }

    init(row: Row) throws {
        self.track = try Track(row: row)
        self.channelTitle = row["channel_title"]
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
