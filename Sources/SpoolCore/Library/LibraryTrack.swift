import Foundation
import GRDB
import SpoolStore

/// A track row as the library shows it: the record, its source's title (a LEFT JOIN, so a
/// track whose source was removed still shows) and, when read for a user, that user's state of
/// it (rating, counts, position; a LEFT JOIN too: no row means "never touched").
public struct LibraryTrack: Sendable, Equatable {
    public var track: Track
    public var sourceTitle: String?
    /// The reading user's state; nil when read for nobody (an event every client receives, where
    /// each user's own state must not leak to the others).
    public var state: UserTrackState?
    /// Where the track stands in its source's listing, when the query read it (a source's
    /// order, `TrackLibrary.Filter.inSourceOrder`): the key of the next page's cursor.
    public var sourceOrder: SourceOrder?

    public struct SourceOrder: Sendable, Equatable {
        /// `source_entries.position`, or `TrackLibrary.unplaced` for an entry without one.
        public let position: Double
        public let entryId: Int64
    }

    /// The columns every library query selects; `LibraryTrack(row:)` reads them by position: the
    /// track's own (`Track.columnNames`), its source's title, then the user's state. A query may
    /// add the entry's id and order after them (a source's order).
    static let selection = Track.qualifiedColumns("tracks") + """
        , sources.title AS source_title, ut.user_id AS ut_user, ut.rating AS ut_rating, ut.liked_at AS ut_liked_at,
        ut.play_count AS ut_play_count, ut.skip_count AS ut_skip_count, ut.last_position AS ut_last_position,
        ut.last_played_at AS ut_last_played_at, ut.hidden_at AS ut_hidden_at, ut.stars AS ut_stars, ut.position_at AS ut_position_at
        """

    /// Where `selection`'s columns after the track's start: the source's title, then the state
    /// (`UserTrackState(row:at:)`, 10 columns), then a source order's entry id and order.
    private static let sourceTitleColumn = Track.columnNames.count
    private static let stateColumn = sourceTitleColumn + 1
    private static let entryColumn = stateColumn + UserTrackState.columnCount

    /// The FROM clause matching `selection`, with the state of `userId` (nil: no user's state;
    /// 0 never matches a row). The id is an integer, written into the SQL so that the clause
    /// needs no argument ahead of the WHERE clause's.
    static func source(for userId: Int64?) -> String {
        "tracks" + joins(for: userId)
    }

    /// The joins of `source(for:)` after `tracks`, for queries that start from another table.
    static func joins(for userId: Int64?) -> String {
        " LEFT JOIN sources ON sources.id = tracks.source_id LEFT JOIN user_tracks ut ON ut.track_id = tracks.id AND ut.user_id = \(userId ?? 0)"
    }

    public init(track: Track, sourceTitle: String?, state: UserTrackState? = nil) {
        self.track = track
        self.sourceTitle = sourceTitle
        self.state = state
    }

    /// Reads a row of `selection`; `forUser` says whether a state belongs in the result (a row
    /// read for a user who never touched the track has the empty state, not none).
    init(row: Row, forUser: Bool = true) throws {
        self.track = try Track(row: row)
        self.sourceTitle = row[Self.sourceTitleColumn]
        self.state = forUser ? UserTrackState(row: row, at: Self.stateColumn) : nil
        if row.count > Self.entryColumn + 1, let entryId = row[Self.entryColumn] as Int64?,
           let position = row[Self.entryColumn + 1] as Double? {
            sourceOrder = SourceOrder(position: position, entryId: entryId)
        }
    }

    public var id: Int64 { track.id ?? 0 }

    /// The same track without anyone's state, for events every client receives.
    public var shared: LibraryTrack { LibraryTrack(track: track, sourceTitle: sourceTitle) }

    /// Fetches one track by id, trashed or not, with `userId`'s state (nil: none).
    static func fetch(_ db: Database, id: Int64, userId: Int64? = nil) throws -> LibraryTrack? {
        try Row.fetchOne(db, sql: "SELECT \(selection) FROM \(source(for: userId)) WHERE tracks.id = ?", arguments: [id])
            .map { try LibraryTrack(row: $0, forUser: userId != nil) }
    }

    /// Fetches every row of `sql` (which must select `selection` from `source(for: userId)`).
    static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = [], userId: Int64?) throws -> [LibraryTrack] {
        try fetchAll(db.makeStatement(sql: sql), arguments: arguments, userId: userId)
    }

    /// Fetches every row of `statement` (a cached one, which must select `selection`).
    static func fetchAll(_ statement: Statement, arguments: StatementArguments, userId: Int64?) throws -> [LibraryTrack] {
        try Row.fetchAll(statement, arguments: arguments).map { try LibraryTrack(row: $0, forUser: userId != nil) }
    }
}

/// One user's state of a track, as the library shows it.
public struct UserTrackState: Sendable, Equatable {
    /// −1 dislike, 0 none, +1 like.
    public var rating = 0
    public var likedAt: Date?
    public var playCount = 0
    public var skipCount = 0
    public var lastPosition: Double?
    public var lastPlayedAt: Date?
    /// The user deleted it for themselves.
    public var hiddenAt: Date?
    /// A 1–5 star rating (Subsonic's `setRating`), beside the like/dislike `rating`.
    public var stars: Int?
    /// When `lastPosition` last changed (a Subsonic bookmark's date).
    public var positionAt: Date?

    public init() {}

    /// The columns of `LibraryTrack.selection` that `init(row:at:)` reads.
    static let columnCount = 10

    /// Reads the state's columns of `LibraryTrack.selection`, starting at `first` (the user's id,
    /// null when the user never touched the track: the empty state).
    init(row: Row, at first: Int) {
        guard (row[first] as Int64?) != nil else { return }
        rating = row[first + 1]
        likedAt = Date(unixSeconds: row[first + 2] as Double?)
        playCount = row[first + 3]
        skipCount = row[first + 4]
        lastPosition = row[first + 5]
        lastPlayedAt = Date(unixSeconds: row[first + 6] as Double?)
        hiddenAt = Date(unixSeconds: row[first + 7] as Double?)
        stars = row[first + 8]
        positionAt = Date(unixSeconds: row[first + 9] as Double?)
    }
}
