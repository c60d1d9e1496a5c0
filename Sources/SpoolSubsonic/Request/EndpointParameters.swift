import Foundation

// The parameters of each endpoint that takes more than an `id`, read and checked in one place so
// that a handler receives values it can use as they are. Every list is bounded by
// `SubsonicRequestLimits`. Endpoints taking only `id` (getArtist, getAlbum, getSong,
// getPlaylist, deletePlaylist, deleteBookmark, download) use `parameters.requiredString("id")`.

/// Years accepted by `fromYear`/`toYear`.
private let yearRange = 0...9999
/// Music folder ids are `xs:int` in the schema.
private let folderIDRange = 0...Int(Int32.max)

/// `getAlbumList2`.
public struct AlbumListParameters: Sendable, Hashable {
    public enum ListType: Sendable, Hashable {
        case random, newest, highest, frequent, recent, alphabeticalByName, alphabeticalByArtist, starred
        /// `fromYear > toYear` asks for a reverse chronological list.
        case byYear(from: Int, to: Int)
        case byGenre(String)
    }

    public var type: ListType
    /// 10 by default, at most `maxListSize` (500).
    public var size: Int
    public var offset: Int
    public var musicFolderID: Int?

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        let name = try parameters.requiredString("type")
        switch name {
        case "random": type = .random
        case "newest": type = .newest
        case "highest": type = .highest
        case "frequent": type = .frequent
        case "recent": type = .recent
        case "alphabeticalByName": type = .alphabeticalByName
        case "alphabeticalByArtist": type = .alphabeticalByArtist
        case "starred": type = .starred
        case "byYear":
            type = .byYear(from: try parameters.requiredInt("fromYear", in: yearRange),
                           to: try parameters.requiredInt("toYear", in: yearRange))
        case "byGenre":
            type = .byGenre(try parameters.requiredString("genre"))
        default:
            throw .invalidParameter("type", "expected random, newest, highest, frequent, recent, alphabeticalByName, alphabeticalByArtist, starred, byYear or byGenre, got '\(SubsonicParameters.excerpt(name))'")
        }
        size = try parameters.count("size", default: 10)
        offset = try parameters.offset("offset")
        musicFolderID = try parameters.optionalInt("musicFolderId", in: folderIDRange)
    }
}

/// `getRandomSongs`.
public struct RandomSongsParameters: Sendable, Hashable {
    /// 10 by default, at most `maxListSize` (500).
    public var size: Int
    public var genre: String?
    public var fromYear: Int?
    public var toYear: Int?
    public var musicFolderID: Int?

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        size = try parameters.count("size", default: 10)
        genre = parameters.optionalString("genre")
        fromYear = try parameters.optionalInt("fromYear", in: yearRange)
        toYear = try parameters.optionalInt("toYear", in: yearRange)
        musicFolderID = try parameters.optionalInt("musicFolderId", in: folderIDRange)
    }
}

/// `getSongsByGenre`.
public struct SongsByGenreParameters: Sendable, Hashable {
    public var genre: String
    /// 10 by default, at most `maxListSize` (500).
    public var count: Int
    public var offset: Int
    public var musicFolderID: Int?

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        genre = try parameters.requiredString("genre")
        count = try parameters.count("count", default: 10)
        offset = try parameters.offset("offset")
        musicFolderID = try parameters.optionalInt("musicFolderId", in: folderIDRange)
    }
}

/// `search3`.
public struct Search3Parameters: Sendable, Hashable {
    /// The words to look for, with what old clients wrap them in removed: a `""` query (the
    /// spec's own example) is the empty query, which OpenSubsonic defines as "everything" for
    /// offline sync; a trailing `*` (DSub's Lucene habit) is dropped.
    public var query: String
    public var artistCount: Int
    public var artistOffset: Int
    public var albumCount: Int
    public var albumOffset: Int
    public var songCount: Int
    public var songOffset: Int
    public var musicFolderID: Int?

    /// Whether the query asks for everything (paged by the counts and offsets).
    public var matchesEverything: Bool { query.isEmpty }

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        var query = try parameters.requiredPossiblyEmptyString("query").trimmingCharacters(in: .whitespaces)
        if query == "\"\"" { query = "" }
        while query.hasSuffix("*") { query.removeLast() }
        self.query = query.trimmingCharacters(in: .whitespaces)
        artistCount = try parameters.count("artistCount", default: 20)
        artistOffset = try parameters.offset("artistOffset")
        albumCount = try parameters.count("albumCount", default: 20)
        albumOffset = try parameters.offset("albumOffset")
        songCount = try parameters.count("songCount", default: 20)
        songOffset = try parameters.offset("songOffset")
        musicFolderID = try parameters.optionalInt("musicFolderId", in: folderIDRange)
    }
}

/// `star` and `unstar`: each list may repeat; at least one id in all three.
public struct StarParameters: Sendable, Hashable {
    /// `id`: songs, or albums/artists for file-structure clients.
    public var ids: [String]
    public var albumIDs: [String]
    public var artistIDs: [String]

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        ids = try parameters.strings("id")
        albumIDs = try parameters.strings("albumId")
        artistIDs = try parameters.strings("artistId")
        guard !(ids.isEmpty && albumIDs.isEmpty && artistIDs.isEmpty) else {
            throw SubsonicError(.missingParameter, "Required parameter 'id', 'albumId' or 'artistId' is missing.")
        }
    }
}

/// `setRating`.
public struct SetRatingParameters: Sendable, Hashable {
    public var id: String
    /// 1–5, or 0 to remove the rating.
    public var rating: Int

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        id = try parameters.requiredString("id")
        rating = try parameters.requiredInt("rating", in: 0...5)
    }
}

/// `scrobble`: one or more plays (`id` may repeat, with one `time` per `id`).
public struct ScrobbleParameters: Sendable, Hashable {
    public struct Play: Sendable, Hashable {
        public var id: String
        /// When the song was heard; nil when the client sent no `time` (use the arrival time).
        public var time: Date?
    }

    public var plays: [Play]
    /// false: a "now playing" notification, not a play to count.
    public var submission: Bool

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        let ids = try parameters.strings("id")
        guard !ids.isEmpty else { throw .missingParameter("id") }
        let times = try parameters.timestamps("time")
        guard times.isEmpty || times.count == ids.count else {
            throw .invalidParameter("time", "one time per id is needed, got \(times.count) for \(ids.count) ids")
        }
        let plays = ids.enumerated().map { index, id in Play(id: id, time: times.isEmpty ? nil : times[index]) }
        self.plays = plays
        submission = try parameters.bool("submission", default: true)
    }
}

/// `createBookmark`.
public struct CreateBookmarkParameters: Sendable, Hashable {
    public var id: String
    /// Milliseconds into the file.
    public var positionMilliseconds: Int64
    public var comment: String?

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        id = try parameters.requiredString("id")
        positionMilliseconds = Int64(try parameters.requiredInt("position", in: 0...Int.max))
        comment = parameters.optionalString("comment")
    }
}

/// `savePlayQueue`. No `id` at all clears the saved queue (OpenSubsonic).
public struct SavePlayQueueParameters: Sendable, Hashable {
    public var ids: [String]
    /// The playing song; always one of `ids` when `ids` is not empty (OpenSubsonic requires
    /// `getPlayQueue` to return a `current` that is in its list).
    public var current: String?
    public var positionMilliseconds: Int64

    public var clearsQueue: Bool { ids.isEmpty }

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        ids = try parameters.strings("id")
        positionMilliseconds = Int64(try parameters.optionalInt("position", in: 0...Int.max) ?? 0)
        if ids.isEmpty {
            current = nil
            return
        }
        let current = try parameters.requiredString("current")
        guard ids.contains(current) else {
            throw .invalidParameter("current", "'\(SubsonicParameters.excerpt(current))' is not one of the queue's ids")
        }
        self.current = current
    }
}

/// `createPlaylist`: creates a playlist from `name`, or replaces the songs of `playlistId`.
public struct CreatePlaylistParameters: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case create(name: String)
        case replace(playlistID: String, name: String?)
    }

    public var target: Target
    /// In playlist order; may repeat a song.
    public var songIDs: [String]

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        if let playlistID = parameters.optionalString("playlistId") {
            target = .replace(playlistID: playlistID, name: parameters.optionalString("name"))
        } else if let name = parameters.optionalString("name") {
            target = .create(name: name)
        } else {
            throw SubsonicError(.missingParameter, "Required parameter 'name' (to create) or 'playlistId' (to update) is missing.")
        }
        songIDs = try parameters.strings("songId")
    }
}

/// `updatePlaylist`.
public struct UpdatePlaylistParameters: Sendable, Hashable {
    public var playlistID: String
    public var name: String?
    public var comment: String?
    public var isPublic: Bool?
    public var songIDsToAdd: [String]
    /// Positions in the playlist as it was before this call, deduplicated, highest first, so
    /// removing them one by one never shifts a position still to be removed.
    public var songIndexesToRemove: [Int]

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        playlistID = try parameters.requiredString("playlistId")
        name = parameters.optionalString("name")
        comment = parameters.first("comment")
        isPublic = try parameters.optionalBool("public")
        songIDsToAdd = try parameters.strings("songIdToAdd")
        var indexes = Set<Int>()
        for text in try parameters.strings("songIndexToRemove") {
            guard let index = Int(text), index >= 0 else {
                throw .invalidParameter("songIndexToRemove", "expected a position from 0, got '\(SubsonicParameters.excerpt(text))'")
            }
            indexes.insert(index)
        }
        songIndexesToRemove = indexes.sorted(by: >)
    }
}

/// `getCoverArt`.
public struct CoverArtParameters: Sendable, Hashable {
    public var id: String
    /// The longest side in pixels, clamped to `maxCoverArtSize`; nil for the original.
    public var size: Int?

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        id = try parameters.requiredString("id")
        size = try parameters.optionalInt("size", in: 1...Int.max).map { min($0, parameters.limits.maxCoverArtSize) }
    }
}

/// `stream`.
public struct StreamParameters: Sendable, Hashable {
    public var id: String
    /// Kilobits per second; nil or 0 means no limit.
    public var maxBitRate: Int?
    /// The wanted format (`mp3`, `opus`…); `raw` or nil means the file as it is.
    public var format: String?
    /// Seconds to skip (the `transcodeOffset` extension).
    public var timeOffsetSeconds: Int?
    public var estimateContentLength: Bool

    /// Whether the call asks for something other than the stored file.
    public var requestsTranscoding: Bool {
        if let format, format != "raw" { return true }
        return (maxBitRate ?? 0) > 0
    }

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        id = try parameters.requiredString("id")
        // 10 Mbit/s is far above any audio codec's useful rate.
        maxBitRate = try parameters.optionalInt("maxBitRate", in: 0...10_000)
        format = parameters.optionalString("format")?.lowercased()
        timeOffsetSeconds = try parameters.optionalInt("timeOffset", in: 0...Int(Int32.max))
        estimateContentLength = try parameters.bool("estimateContentLength", default: false)
    }
}

/// `getIndexes` and `getArtists`.
public struct IndexesParameters: Sendable, Hashable {
    public var musicFolderID: Int?
    /// `getIndexes` only: answer with an empty index when nothing changed since.
    public var ifModifiedSince: Date?

    public init(_ parameters: SubsonicParameters) throws(SubsonicError) {
        musicFolderID = try parameters.optionalInt("musicFolderId", in: folderIDRange)
        ifModifiedSince = try parameters.optionalTimestamp("ifModifiedSince")
    }
}
