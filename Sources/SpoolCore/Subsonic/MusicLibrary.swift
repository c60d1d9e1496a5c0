import Foundation
import GRDB
import SpoolStore

/// One source as music apps see it: an artist with one album (until sources have tabs), made
/// of the tracks a user may see — not in the trash, not hidden by that user. Tracks whose
/// source was removed form source 0.
public struct MusicAlbum: Sendable, Equatable {
    /// The source's id; 0 for tracks whose source was removed.
    public var sourceId: Int64
    /// The source's title (its artist's and its album's name).
    public var name: String
    public var kind: SourceKind?
    public var songCount: Int
    /// Seconds, summed over the songs.
    public var duration: Double
    /// The user's plays of its songs.
    public var playCount: Int
    /// When its first track arrived.
    public var createdAt: Date
    /// When its newest track arrived.
    public var newestAt: Date
    /// Its newest upload (falling back to arrival).
    public var newestUpload: Date
    public var lastPlayedAt: Date?
    /// The user's star and 1–5 rating of the album, and of the artist.
    public var starredAt: Date?
    public var stars: Int?
    public var artistStarredAt: Date?
    public var artistStars: Int?
    /// The mean of the user's star ratings of its songs (nil: none rated).
    public var meanSongStars: Double?

    /// The name of source 0.
    public static let unknownSourceName = "Unknown source"

    /// Its source as an artist.
    public var artist: MusicArtist {
        MusicArtist(sourceId: sourceId, name: name, starredAt: artistStarredAt, stars: artistStars)
    }
}

/// One source as music apps' artist lists show it (`getArtists`, `getIndexes`): a source with
/// a track the user may see, its name, and the user's star and 1–5 rating of the artist; no
/// totals (each artist has the one album `MusicAlbum` totals).
public struct MusicArtist: Sendable, Equatable {
    /// The source's id; 0 for tracks whose source was removed.
    public var sourceId: Int64
    public var name: String
    public var starredAt: Date?
    public var stars: Int?
}

/// The reads behind the Subsonic API: sources as artists and albums, tracks as songs, all for
/// one user (their state; nothing they hid; nothing in the trash). Every list is bounded; the
/// whole-library aggregate (`albums(for:)`) is one indexed pass over the tracks, grouped by
/// source, and the app sorts and pages its few hundred rows in memory.
public struct MusicLibrary: Sendable {
    let database: SpoolDatabase

    /// The most songs one album or generated playlist lists: a channel of 20,000 uploads would
    /// otherwise be a 10 MB answer that phones choke on. `search3` with an empty query pages
    /// through everything.
    public static let maximumSongsPerList = 5_000

    public init(database: SpoolDatabase) {
        self.database = database
    }

    /// The condition (on `tracks` joined with the user's `ut`) of a track the user may see.
    static let visible = "tracks.deleted_at IS NULL AND ut.hidden_at IS NULL"

    // MARK: - Albums and artists

    /// Every source with at least one track the user may see, by name.
    public func albums(for userId: Int64) throws -> [MusicAlbum] {
        try database.read { db in try Self.albums(db, userId: userId, sourceId: nil) }
    }

    /// One source's album; nil when the user can see none of its tracks (or it does not exist).
    public func album(_ sourceId: Int64, for userId: Int64) throws -> MusicAlbum? {
        try database.read { db in try Self.albums(db, userId: userId, sourceId: sourceId).first }
    }

    /// The albums whose name holds every word of `words` (case and diacritics ignored), by name,
    /// at most `limit`: `search3`'s albums and artists. The names are matched on the sources'
    /// titles (one row per source) and only the matches are aggregated, each over its own
    /// index range: `albums(for:)` reads every track (170 ms at 100,000 tracks, release build,
    /// `scripts/bench/subsonic.py`), which a search of one album need not.
    public func albums(named words: [String], first limit: Int, for userId: Int64) throws -> [MusicAlbum] {
        guard limit > 0 else { return [] }
        return try database.read { db in
            var names = try Row.fetchAll(db, sql: "SELECT id, title FROM sources").map { row in
                (id: row["id"] as Int64, name: Self.albumName(sourceId: row["id"], title: row["title"]))
            }
            names.append((id: 0, name: Self.albumName(sourceId: 0, title: nil)))
            let matching = names
                .filter { entry in words.allSatisfy { entry.name.range(of: $0, options: [.caseInsensitive, .diacriticInsensitive]) != nil } }
                .sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
            var found: [MusicAlbum] = []
            for entry in matching where found.count < limit {
                // Nil when the user can see none of its tracks.
                if let album = try Self.albums(db, userId: userId, sourceId: entry.id).first { found.append(album) }
            }
            return found
        }
    }

    /// Where an album stands in the lists that need none of its totals (`getAlbumList2` newest,
    /// by name, random, starred).
    public struct AlbumKey: Sendable, Equatable {
        public var sourceId: Int64
        public var name: String
        /// Its newest track the user can see: the order of "newest" (ids grow with arrival).
        public var newestTrackId: Int64
        public var starredAt: Date?
    }

    /// Every album the user can see a track of, without its totals: per source one seek of
    /// `tracks_channel` (source, id) from its newest track down to the first one the user can
    /// see, so 500 sources cost 500 short seeks whatever their sizes. `albums(for:)` reads every
    /// track instead (~140 ms at 100,000 tracks, docs/benchmarks.md); a list then aggregates
    /// only its page (`albums(_:for:)`).
    public func albumKeys(for userId: Int64) throws -> [AlbumKey] {
        try visibleSources(for: userId).map(\.key)
    }

    /// Every artist the user can see a track of, in no order, from the same seeks as
    /// `albumKeys(for:)`: `getArtists` and `getIndexes` list names and the user's stars, none of
    /// an album's totals, which `albums(for:)` computed for every track (302 ms p50 for
    /// `getArtists` at 100,000 tracks, docs/benchmarks.md).
    public func artists(for userId: Int64) throws -> [MusicArtist] {
        try visibleSources(for: userId).map(\.artist)
    }

    /// Both at once, from one read: each source the user can see a track of, as an album key
    /// and as an artist (`getStarred2` lists the starred of each).
    public func visibleSources(for userId: Int64) throws -> [(key: AlbumKey, artist: MusicArtist)] {
        try database.read { db in
            let query = Self.albumKeysQuery(for: userId)
            return try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).compactMap { row in
                guard let newest = row["newest"] as Int64? else { return nil }
                let sourceId: Int64 = row["id"]
                let name = Self.albumName(sourceId: sourceId, title: row["title"])
                return (key: AlbumKey(sourceId: sourceId, name: name, newestTrackId: newest, starredAt: Self.date(row["starred_at"])),
                        artist: MusicArtist(sourceId: sourceId, name: name, starredAt: Self.date(row["artist_starred"]),
                                            stars: row["artist_rating"]))
            }
        }
    }

    /// Every source (and source 0) with its newest track the user can see (nil when none), and
    /// the user's annotations of it as an album and as an artist.
    static func albumKeysQuery(for userId: Int64) -> ListQuery {
        ListQuery("""
            SELECT s.id, s.title, a.starred_at, ar.starred_at AS artist_starred, ar.rating AS artist_rating,
                   (\(newestVisible("tracks.id", ofSource: "s.id"))) AS newest
            FROM (SELECT id, title FROM sources UNION ALL SELECT 0, NULL) s
            LEFT JOIN user_annotations a ON a.user_id = ?1 AND a.item = 'album:' || s.id
            LEFT JOIN user_annotations ar ON ar.user_id = ?1 AND ar.item = 'artist:' || s.id
            """, [userId])
    }

    /// The greatest `column` of the tracks of `source` (an SQL expression; 0: no source) that the
    /// user `?1` may see: one seek of an index on (source_id, `column`) from its top down past
    /// the tracks in the trash (the index is partial or the walk skips them) and those the user hid.
    static func newestVisible(_ column: String, ofSource source: String) -> String {
        """
        SELECT \(column) FROM tracks
        WHERE tracks.source_id IS nullif(\(source), 0) AND tracks.deleted_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM user_tracks ut WHERE ut.user_id = ?1 AND ut.track_id = tracks.id AND ut.hidden_at IS NOT NULL)
        ORDER BY \(column) DESC LIMIT 1
        """
    }

    /// The orders of `getAlbumList2` (and `getAlbumList`) by one of the user's totals of an album.
    public enum AlbumRanking: Sendable, Equatable {
        /// The user's last play of any of its songs, the newest first (`recent`).
        case lastPlayed
        /// The user's plays of its songs, the most first, then the higher source id (`frequent`).
        case plays
        /// The user's 1–5 rating of the album, then the mean of their stars of its songs, the
        /// highest first; only albums with either (`highest`).
        case stars
        /// Its newest upload, the albums whose newest upload falls in the years `from` to `to`
        /// (UTC, either order), the oldest first when `from` <= `to`, else the newest (`byYear`).
        case year(from: Int, to: Int)
    }

    /// The first `limit` albums of `ranking` as the user sees them, as source ids in order;
    /// albums with equal totals are in name order. The same albums in the same order as sorting
    /// `albums(for:)` by their totals, without that pass over every track (140–170 ms at 100,000
    /// tracks, docs/benchmarks.md):
    /// - plays and stars read the user's sums per source (`StoredCounts.UserSum`, v13), and
    ///   an album rating is one row of `user_annotations` (checked to have a visible track);
    /// - the last play walks the user's plays newest first (`user_tracks_last_played`) until
    ///   the page's albums are found, or every album with a play (`played_songs`) is;
    /// - the year takes each source's newest visible upload, one seek of `tracks_source_upload`.
    public func albumIds(ranked ranking: AlbumRanking, first limit: Int, for userId: Int64) throws -> [Int64] {
        guard limit > 0 else { return [] }
        return try database.read { db in
            var ranked: [(id: Int64, value: (Double, Double))]
            switch ranking {
            case .plays:
                // A total order already: no names needed.
                return try StoredCounts.userSums(db, userId, [.plays])
                    .map { (id: $0.key, plays: $0.value[.plays] ?? 0) }
                    .sorted { ($0.plays, $0.id) > ($1.plays, $1.id) }
                    .prefix(limit).map(\.id)
            case .lastPlayed:
                ranked = try Self.lastPlays(db, userId: userId, first: limit).map { (id: $0.id, value: ($0.time, 0)) }
            case .stars:
                ranked = try Self.ratings(db, userId: userId).map { (id: $0.id, value: (Double($0.album ?? 0), $0.meanSongStars ?? 0)) }
            case .year(let from, let to):
                let (low, high) = (Self.startOfYear(min(from, to)), Self.startOfYear(max(from, to) + 1))
                let query = Self.newestUploadsQuery(for: userId)
                ranked = try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).compactMap { row in
                    guard let upload = row["newest_upload"] as Double?, upload >= low, upload < high else { return nil }
                    // Oldest first is the greatest negated upload first.
                    return (id: row["id"], value: (from <= to ? -upload : upload, 0))
                }
            }
            // Names decide only ties, and comparing them (ICU collation) is the dear part: only
            // the albums whose value reaches the page's last are named and sorted by name.
            ranked.sort { $0.value > $1.value }
            if ranked.count > limit {
                let last = ranked[limit - 1].value
                ranked = Array(ranked.prefix { $0.value >= last })
            }
            let names = try Self.names(db, of: ranked.map(\.id))
            return ranked.sorted { a, b in
                if a.value != b.value { return a.value > b.value }
                let order = names[a.id, default: ""].localizedStandardCompare(names[b.id, default: ""])
                return order == .orderedSame ? a.id < b.id : order == .orderedAscending
            }.prefix(limit).map(\.id)
        }
    }

    /// The user's albums by their last play, the newest first: at least the first `limit` and
    /// every album tied with the last of them. The walk reads plays until then, or until it has
    /// seen every album the user played (`played_songs`); each album's first play on the way is
    /// its last.
    static func lastPlays(_ db: Database, userId: Int64, first limit: Int) throws -> [(id: Int64, time: Double)] {
        let played = try StoredCounts.userSums(db, userId, [.playedSongs]).count
        var found: [(id: Int64, time: Double)] = []
        var seen: Set<Int64> = []
        var boundary: Double?
        let query = lastPlayedWalkQuery(for: userId)
        let rows = try Row.fetchCursor(db, sql: query.sql, arguments: query.arguments)
        while found.count < played, let row = try rows.next() {
            let (sourceId, time): (Int64, Double) = (row[0], row[1])
            if let boundary, time < boundary { break }
            guard seen.insert(sourceId).inserted else { continue }
            found.append((sourceId, time))
            if found.count == limit { boundary = time }
        }
        return found
    }

    /// The user's plays of the tracks they may see, the newest first.
    static func lastPlayedWalkQuery(for userId: Int64) -> ListQuery {
        ListQuery("""
            SELECT coalesce(t.source_id, 0), ut.last_played_at FROM user_tracks ut CROSS JOIN tracks t ON t.id = ut.track_id
            WHERE ut.user_id = ? AND ut.last_played_at IS NOT NULL AND ut.hidden_at IS NULL AND t.deleted_at IS NULL
            ORDER BY ut.last_played_at DESC
            """, [userId])
    }

    /// Every source (and source 0) with its newest upload (falling back to arrival) the user
    /// can see, nil when none.
    static func newestUploadsQuery(for userId: Int64) -> ListQuery {
        ListQuery("""
            SELECT s.id, (\(newestVisible("coalesce(tracks.uploaded_at, tracks.created_at)", ofSource: "s.id"))) AS newest_upload
            FROM (SELECT id FROM sources UNION ALL SELECT 0) s
            """, [userId])
    }

    /// The albums the user rated or whose songs they starred, with the album's rating and the
    /// mean of the song stars: the sums, and the album ratings of albums with a visible track.
    static func ratings(_ db: Database, userId: Int64) throws -> [(id: Int64, album: Int?, meanSongStars: Double?)] {
        var songs: [Int64: Double] = [:]
        for (sourceId, sums) in try StoredCounts.userSums(db, userId, [.ratingSum, .ratedSongs]) {
            if let count = sums[.ratedSongs], count > 0 { songs[sourceId] = Double(sums[.ratingSum] ?? 0) / Double(count) }
        }
        var albums: [Int64: Int] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT item, rating FROM user_annotations WHERE user_id = ? AND item >= 'album:' AND item < 'album;' AND rating IS NOT NULL
            """, arguments: [userId]) {
            let item: String = row[0]
            guard let sourceId = Int64(item.dropFirst("album:".count)), "album:\(sourceId)" == item else { continue }
            // Songs starred: the album has a visible track; else one seek says whether it has one.
            let visible = try songs[sourceId] != nil
                || Int64.fetchOne(db, sql: newestVisible("tracks.id", ofSource: "?2"), arguments: [userId, sourceId]) != nil
            if visible { albums[sourceId] = row[1] }
        }
        return Set(songs.keys).union(albums.keys).map { (id: $0, album: albums[$0], meanSongStars: songs[$0]) }
    }

    /// The names of `sourceIds` (source 0 and removed sources get their stand-ins).
    static func names(_ db: Database, of sourceIds: [Int64]) throws -> [Int64: String] {
        var titles: [Int64: String?] = [:]
        for start in stride(from: 0, to: sourceIds.count, by: 500) {
            let chunk = Array(sourceIds[start..<min(start + 500, sourceIds.count)])
            for row in try Row.fetchAll(db, sql: "SELECT id, title FROM sources WHERE id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                                        arguments: StatementArguments(chunk)) {
                titles[row[0]] = row[1] as String?
            }
        }
        return Dictionary(uniqueKeysWithValues: sourceIds.map { ($0, albumName(sourceId: $0, title: titles[$0] ?? nil)) })
    }

    /// January 1st of `year`, 00:00 UTC, in Unix seconds (the years of `getAlbumList2` are UTC's).
    static func startOfYear(_ year: Int) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: 1, day: 1))!.timeIntervalSince1970
    }

    /// The albums of `sourceIds` the user can see, in that order, each aggregated over its own
    /// index range (a page of a list ordered by `albumKeys`).
    public func albums(_ sourceIds: [Int64], for userId: Int64) throws -> [MusicAlbum] {
        try database.read { db in try sourceIds.compactMap { try Self.albums(db, userId: userId, sourceId: $0).first } }
    }

    // MARK: - Playlists

    /// What `getPlaylists` shows of a source's playlist: its album's name, song count, duration
    /// and first and newest arrival, as `albums(for:)` totals them.
    public struct SourcePlaylist: Sendable, Equatable {
        public var sourceId: Int64
        public var name: String
        public var songCount: Int
        /// Seconds, summed over the songs and rounded to whole ones (what Subsonic shows): the
        /// sum of the visible songs is the live ones' less the hidden ones', which may differ
        /// from the album's sum in its last bits.
        public var duration: Double
        public var createdAt: Date
        public var newestAt: Date

        public init(_ album: MusicAlbum) {
            (sourceId, name, songCount, duration, createdAt, newestAt)
                = (album.sourceId, album.name, album.songCount, album.duration.rounded(), album.createdAt, album.newestAt)
        }

        init(sourceId: Int64, name: String, songCount: Int, duration: Double, createdAt: Date, newestAt: Date) {
            (self.sourceId, self.name, self.songCount, self.duration, self.createdAt, self.newestAt)
                = (sourceId, name, songCount, duration.rounded(), createdAt, newestAt)
        }
    }

    /// The playlist of every source with a track the user may see, by name: what
    /// `albums(for:)` totals for them, without the user's row of every track, which the
    /// albums read for plays, stars and last plays that a playlist does not show (the whole
    /// pass: 138 ms in Python's sqlite3 at 100,000 tracks, this one 25). The live tracks'
    /// totals come from one grouped walk of `tracks_source_totals`, less those of the tracks
    /// the user hid (~0.5 % of them, `user_tracks_hidden`; `sourcePlaylistsQuery`). Where a
    /// hidden track is a source's first or newest arrival (3 of 501 sources for the
    /// benchmark's owner), the source is totalled over its visible tracks, as its album is.
    ///
    /// ```swift
    /// let lists = try music.sourcePlaylists(for: user.userId)   // getPlaylists' sources
    /// ```
    public func sourcePlaylists(for userId: Int64) throws -> [SourcePlaylist] {
        try database.read { db in
            let query = Self.sourcePlaylistsQuery(for: userId)
            let rows = try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.arguments)
            return try rows.compactMap { row -> SourcePlaylist? in
                let sourceId: Int64 = row["source_id"]
                if row["ends_hidden"] as Bool? ?? false {
                    return try Self.albums(db, userId: userId, sourceId: sourceId).first.map(SourcePlaylist.init)
                }
                return SourcePlaylist(sourceId: sourceId, name: Self.albumName(sourceId: sourceId, title: row["title"]), songCount: row["songs"],
                                      duration: row["duration"], createdAt: Date(timeIntervalSince1970: row["created"]),
                                      newestAt: Date(timeIntervalSince1970: row["newest"]))
            }.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
        }
    }

    /// Every source's live tracks totalled in one walk of `tracks_source_totals` (v15: source,
    /// deleted_at, duration, created_at, …; partial on the live ones), grouped in its order
    /// without a sort, less the user's hidden live tracks of each (0 stands for the tracks
    /// without a source); `ends_hidden` when a hidden one is the first or newest arrival.
    static func sourcePlaylistsQuery(for userId: Int64) -> ListQuery {
        ListQuery("""
            WITH live AS (
                SELECT source_id, count(*) AS songs, total(duration) AS duration, min(created_at) AS created, max(created_at) AS newest
                FROM tracks INDEXED BY tracks_source_totals WHERE deleted_at IS NULL GROUP BY source_id
            ), hidden AS (
                SELECT tracks.source_id, count(*) AS songs, total(tracks.duration) AS duration,
                       min(tracks.created_at) AS created, max(tracks.created_at) AS newest
                FROM user_tracks ut INDEXED BY user_tracks_hidden CROSS JOIN tracks ON tracks.id = ut.track_id
                WHERE ut.user_id = ? AND ut.hidden_at IS NOT NULL AND tracks.deleted_at IS NULL GROUP BY tracks.source_id
            )
            SELECT coalesce(live.source_id, 0) AS source_id, live.songs - coalesce(hidden.songs, 0) AS songs,
                   live.duration - coalesce(hidden.duration, 0) AS duration, live.created, live.newest,
                   hidden.created <= live.created OR hidden.newest >= live.newest AS ends_hidden, sources.title
            FROM live LEFT JOIN hidden ON hidden.source_id IS live.source_id LEFT JOIN sources ON sources.id = live.source_id
            """, [userId])
    }

    /// What `getPlaylists` shows of the user's likes: as many songs as their playlist lists
    /// (the newest `maximumSongsPerList`), their duration, the first and last like, the newest
    /// liked song (the cover).
    public struct LikesPlaylist: Sendable, Equatable {
        public var songCount: Int
        /// Seconds, rounded to whole ones (as `SourcePlaylist.duration`).
        public var duration: Double
        public var firstLikedAt: Date?
        public var lastLikedAt: Date?
        public var newestSongId: Int64?

        /// Of the songs `likedSongs(for:)` lists.
        public init(songs: [LibraryTrack]) {
            let dates = songs.compactMap { $0.state?.likedAt }
            (songCount, duration, firstLikedAt, lastLikedAt, newestSongId)
                = (songs.count, songs.reduce(0) { $0 + ($1.track.duration ?? 0) }.rounded(), dates.min(), dates.max(), songs.first?.id)
        }

        init(songCount: Int, duration: Double, firstLikedAt: Date?, lastLikedAt: Date?, newestSongId: Int64?) {
            (self.songCount, self.duration, self.firstLikedAt, self.lastLikedAt, self.newestSongId)
                = (songCount, duration.rounded(), firstLikedAt, lastLikedAt, newestSongId)
        }
    }

    /// The likes playlist's totals in one walk of `user_tracks_likes` (`likesPlaylistQuery`),
    /// instead of reading the rows of every liked song (up to 5,000) to add them up.
    public func likesPlaylist(for userId: Int64) throws -> LikesPlaylist {
        try database.read { db in
            let query = Self.likesPlaylistQuery(for: userId)
            let row = try Row.fetchOne(db.cachedStatement(sql: query.sql), arguments: query.arguments)
            return LikesPlaylist(songCount: row?["songs"] ?? 0, duration: row?["duration"] ?? 0,
                                 firstLikedAt: (row?["first_liked"] as Double?).map(Date.init(timeIntervalSince1970:)),
                                 lastLikedAt: (row?["last_liked"] as Double?).map(Date.init(timeIntervalSince1970:)),
                                 newestSongId: row?["newest_song"])
        }
    }

    /// The user's likes that `likedSongs(for:)` lists (visible, newest first, at most
    /// `maximumSongsPerList`), totalled.
    static func likesPlaylistQuery(for userId: Int64) -> ListQuery {
        // The likes newest first, in their index's order (no sort).
        let walk = """
            FROM user_tracks ut INDEXED BY user_tracks_likes CROSS JOIN tracks ON tracks.id = ut.track_id
            WHERE ut.user_id = ? AND ut.rating = 1 AND \(visible)
            ORDER BY ut.liked_at DESC, ut.track_id DESC LIMIT ?
            """
        return ListQuery("""
            SELECT count(*) AS songs, total(duration) AS duration, min(liked_at) AS first_liked, max(liked_at) AS last_liked,
                   (SELECT tracks.id \(walk)) AS newest_song
            FROM (SELECT tracks.duration, ut.liked_at \(walk))
            """, [userId, 1] + [userId, maximumSongsPerList])  // the newest one; the listed ones
    }

    /// What music apps call a source: its title, or a stand-in when it has none.
    static func albumName(sourceId: Int64, title: String?) -> String {
        title.flatMap { $0.isEmpty ? nil : $0 } ?? (sourceId == 0 ? MusicAlbum.unknownSourceName : "Source \(sourceId)")
    }

    /// The totals of the albums the user can see, with their names' columns: of every source
    /// (`sourceId` nil: one pass grouped by source; 0 stands for the tracks without one), or of
    /// one. One source's totals walk `tracks_source_totals` (v15: the source's visible tracks
    /// with every column the totals read), with no grouping: 50 albums of the benchmark's
    /// library (7,588 tracks) took 59 ms in Python's sqlite3 the way the whole library is read,
    /// 49 without the grouping's sort, and 35 on `tracks_channel` instead of the planner's
    /// `tracks_source_upload`, whose upload order seeks the table rows out of order; in the
    /// index, 15.1 → 9.0 ms (9,961 tracks in another run). The source is an argument, so a page
    /// of `getAlbumList2`, which totals its albums one by one, prepares the statement once.
    static func albumTotalsQuery(for userId: Int64, sourceId: Int64?) -> ListQuery {
        var condition = visible
        // Grouped by the column itself (its NULLs are one group, source 0), not by the
        // `coalesce` of it: an index walk in source order then groups without a sort (the whole
        // pass 136 → 91 ms in sqlite3 on the subsonic benchmark's 100,000 tracks).
        var (key, from, grouping) = ("coalesce(tracks.source_id, 0)", "tracks", "GROUP BY tracks.source_id")
        var arguments: StatementArguments = []
        if let sourceId {
            (key, from, grouping) = ("?", "tracks INDEXED BY tracks_source_totals", "")
            arguments += [sourceId]
            condition += sourceId == 0 ? " AND tracks.source_id IS NULL" : " AND tracks.source_id = ?"
        }
        arguments += [userId]
        if let sourceId, sourceId != 0 { arguments += [sourceId] }
        arguments += [userId, userId]
        return ListQuery("""
            WITH albums AS (
                SELECT \(key) AS source_id, count(*) AS songs, total(tracks.duration) AS duration,
                       total(ut.play_count) AS plays, min(tracks.created_at) AS created, max(tracks.created_at) AS newest,
                       max(coalesce(tracks.uploaded_at, tracks.created_at)) AS newest_upload, max(ut.last_played_at) AS last_played,
                       avg(ut.stars) AS mean_stars
                FROM \(from) LEFT JOIN user_tracks ut ON ut.track_id = tracks.id AND ut.user_id = ?
                WHERE \(condition)
                \(grouping)
            )
            SELECT albums.*, sources.title, sources.kind, al.starred_at AS album_starred, al.rating AS album_rating,
                   ar.starred_at AS artist_starred, ar.rating AS artist_rating
            FROM albums LEFT JOIN sources ON sources.id = albums.source_id
            LEFT JOIN user_annotations al ON al.user_id = ? AND al.item = 'album:' || albums.source_id
            LEFT JOIN user_annotations ar ON ar.user_id = ? AND ar.item = 'artist:' || albums.source_id
            WHERE albums.songs > 0
            """, arguments)
    }

    static func albums(_ db: Database, userId: Int64, sourceId: Int64?) throws -> [MusicAlbum] {
        let query = albumTotalsQuery(for: userId, sourceId: sourceId)
        let rows = try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.arguments)
        return rows.map { row in
            let sourceId: Int64 = row["source_id"]
            return MusicAlbum(
                sourceId: sourceId,
                name: albumName(sourceId: sourceId, title: row["title"]),
                kind: (row["kind"] as String?).flatMap(SourceKind.init(rawValue:)),
                songCount: row["songs"], duration: row["duration"], playCount: Int(row["plays"] as Double),
                createdAt: date(row["created"])!, newestAt: date(row["newest"])!, newestUpload: date(row["newest_upload"])!,
                lastPlayedAt: date(row["last_played"]), starredAt: date(row["album_starred"]), stars: row["album_rating"],
                artistStarredAt: date(row["artist_starred"]), artistStars: row["artist_rating"], meanSongStars: row["mean_stars"])
        }.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
    }

    private static func date(_ seconds: Double?) -> Date? {
        seconds.map(Date.init(timeIntervalSince1970:))
    }

    // MARK: - Songs

    /// The songs of a source's album in album order: a playlist's position (its track numbers)
    /// first, then the newest upload first; at most `maximumSongsPerList`.
    public func songs(ofSource sourceId: Int64, for userId: Int64) throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                WHERE \(Self.visible) AND \(sourceId == 0 ? "tracks.source_id IS NULL" : "tracks.source_id = ?")
                ORDER BY tracks.track_number IS NULL, tracks.track_number, coalesce(tracks.uploaded_at, tracks.created_at) DESC, tracks.id DESC
                LIMIT ?
                """, arguments: sourceId == 0 ? [Self.maximumSongsPerList] : [sourceId, Self.maximumSongsPerList], userId: userId)
        }
    }

    /// One song the user may see, or nil.
    public func song(_ id: Int64, for userId: Int64) throws -> LibraryTrack? {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId)) WHERE tracks.id = ? AND \(Self.visible)
                """, arguments: [id], userId: userId).first
        }
    }

    /// The songs of `ids` the user may see, in the order of `ids` (repeats kept), with the ids
    /// that name no such song.
    public func songs(_ ids: [Int64], for userId: Int64) throws -> (songs: [LibraryTrack], missing: [Int64]) {
        let unique = Array(Set(ids))
        var found: [Int64: LibraryTrack] = [:]
        try database.read { db in
            // SQLite allows 32,766 parameters; stay far below.
            for start in stride(from: 0, to: unique.count, by: 500) {
                let chunk = Array(unique[start..<min(start + 500, unique.count)])
                for song in try LibraryTrack.fetchAll(db, sql: """
                    SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                    WHERE tracks.id IN (\(chunk.map { _ in "?" }.joined(separator: ","))) AND \(Self.visible)
                    """, arguments: StatementArguments(chunk), userId: userId) {
                    found[song.id] = song
                }
            }
        }
        return (ids.compactMap { found[$0] }, ids.filter { found[$0] == nil })
    }

    /// The user's liked songs, the newest like first, at most `maximumSongsPerList`.
    public func likedSongs(for userId: Int64) throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                WHERE ut.rating = 1 AND \(Self.visible) ORDER BY ut.liked_at DESC, tracks.id DESC LIMIT ?
                """, arguments: [Self.maximumSongsPerList], userId: userId)
        }
    }

    /// Songs with a resume position, the most recently changed first (Subsonic bookmarks).
    public func songsWithPositions(for userId: Int64, limit: Int = 500) throws -> [LibraryTrack] {
        try database.read { db in
            try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                WHERE ut.last_position > 0 AND \(Self.visible) ORDER BY ut.position_at DESC, tracks.id DESC LIMIT ?
                """, arguments: [limit], userId: userId)
        }
    }

    /// Up to `count` different songs picked at random among those the user may see, uploaded
    /// between the years when given. Never `ORDER BY random()` (a sort of the whole library):
    /// each pick takes the first visible song at or after a random id, one index seek; gaps in
    /// the ids make songs after a gap a little likelier, which no listener notices.
    public func randomSongs(count: Int, fromYear: Int? = nil, toYear: Int? = nil, for userId: Int64) throws -> [LibraryTrack] {
        guard count > 0 else { return [] }
        var condition = Self.visible
        var yearArguments: StatementArguments = []
        if fromYear != nil || toYear != nil {
            let (low, high) = (min(fromYear ?? 0, toYear ?? 9999), max(fromYear ?? 0, toYear ?? 9999))
            condition += " AND CAST(strftime('%Y', coalesce(tracks.uploaded_at, tracks.created_at), 'unixepoch') AS INTEGER) BETWEEN ? AND ?"
            yearArguments = [low, high]
        }
        return try database.read { db in
            let bounds = Self.randomBoundsQuery(enough: count * 2)
            guard let row = try Row.fetchOne(db.cachedStatement(sql: bounds.sql), arguments: bounds.arguments),
                  let low = row[0] as Int64?, let high = row[1] as Int64? else { return [] }
            // A library not much bigger than the request is read whole and shuffled: random
            // seeks would mostly find songs already picked.
            if (row[2] as Int) <= count * 2 {
                return Array(try LibraryTrack.fetchAll(db, sql: """
                    SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId)) WHERE \(condition)
                    """, arguments: yearArguments, userId: userId).shuffled().prefix(count))
            }
            // One statement, prepared once for the 50–200 seeks of a call.
            let statement = try db.cachedStatement(sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                WHERE tracks.id >= ? AND \(condition) ORDER BY tracks.id LIMIT 1
                """)
            var picked: [Int64: LibraryTrack] = [:]
            var order: [Int64] = []
            // A few misses are expected (repeats, a filter that thins the library); the
            // attempts are bounded, so a thinly matching library answers with what it found.
            for _ in 0..<(count * 4 + 8) where order.count < count {
                let start = Int64.random(in: low...high)
                var candidates = try LibraryTrack.fetchAll(statement, arguments: [start] + yearArguments, userId: userId)
                if candidates.isEmpty {
                    candidates = try LibraryTrack.fetchAll(statement, arguments: [low] + yearArguments, userId: userId)
                }
                guard let song = candidates.first else { break }
                if picked[song.id] == nil {
                    picked[song.id] = song
                    order.append(song.id)
                }
            }
            return order.compactMap { picked[$0] }
        }
    }

    /// The library's lowest and highest track ids, and its size up to `enough + 1` (whether it
    /// holds more than `enough`): two seeks of the rowid and a count that stops early. Asked in
    /// one `SELECT min(id), max(id), count(*)`, SQLite scanned every track (12–14 ms at 100,000).
    static func randomBoundsQuery(enough: Int) -> ListQuery {
        ListQuery("""
            SELECT (SELECT min(id) FROM tracks), (SELECT max(id) FROM tracks), (SELECT count(*) FROM (SELECT 1 FROM tracks LIMIT ?))
            """, [enough + 1])
    }

    /// Songs matching `query` (FTS5 over titles and uploaders, every word required, the last as
    /// a prefix), best match first; an empty query lists every song, newest first, so apps can
    /// page through the library for offline sync.
    public func searchSongs(_ query: String, offset: Int, limit: Int, for userId: Int64) throws -> [LibraryTrack] {
        guard limit > 0 else { return [] }
        return try database.read { db in
            if let match = TrackLibrary.matchExpression(query) {
                return try LibraryTrack.fetchAll(db, sql: """
                    SELECT \(LibraryTrack.selection) FROM tracks_search JOIN tracks ON tracks.id = tracks_search.rowid\(LibraryTrack.joins(for: userId))
                    WHERE tracks_search MATCH ? AND \(Self.visible) ORDER BY tracks_search.rank, tracks.id DESC LIMIT ? OFFSET ?
                    """, arguments: [match, limit, offset], userId: userId)
            }
            return try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
                WHERE \(Self.visible) ORDER BY tracks.id DESC LIMIT ? OFFSET ?
                """, arguments: [limit, offset], userId: userId)
        }
    }

    /// When anything in the library last changed for listing purposes: the newest source or
    /// track (Subsonic's `lastModified` of the indexes).
    public func lastModified() throws -> Date {
        try database.read { db in
            let seconds = try Double.fetchOne(db, sql: """
                SELECT max(coalesce((SELECT max(added_at) FROM sources), 0),
                           coalesce((SELECT created_at FROM tracks ORDER BY id DESC LIMIT 1), 0),
                           coalesce((SELECT max(deleted_at) FROM tracks WHERE deleted_at IS NOT NULL), 0))
                """) ?? 0
            return Date(timeIntervalSince1970: seconds)
        }
    }
}
