import Foundation

/// A song (Subsonic `Child`): the element of album songs, playlist entries, random songs, search
/// hits, starred songs, bookmarks and the play queue. Optional fields left nil are not written;
/// an OpenSubsonic field set to an empty value is written empty, which is how a server tells
/// clients it supports the field.
public struct Child: Sendable, Hashable {
    public var id: String
    public var parent: String?
    public var isDir: Bool
    public var title: String
    public var album: String?
    public var artist: String?
    public var track: Int?
    public var year: Int?
    public var genre: String?
    public var coverArt: String?
    /// Bytes of the file.
    public var size: Int64?
    public var contentType: String?
    public var suffix: String?
    public var starred: Date?
    public var transcodedContentType: String?
    public var transcodedSuffix: String?
    /// Whole seconds (see `SubsonicDuration.wholeSeconds`).
    public var duration: Int?
    /// Kilobits per second.
    public var bitRate: Int?
    public var path: String?
    public var playCount: Int64?
    public var discNumber: Int?
    public var created: Date?
    public var albumID: String?
    public var artistID: String?
    public var type: SubsonicMediaKind?
    /// 1–5; 0 or nil is "not rated" and is not written (the schema allows only 1–5).
    public var userRating: Int?
    public var averageRating: Double?
    public var isVideo: Bool?
    /// Milliseconds (the schema's comment, and what Navidrome sends).
    public var bookmarkPosition: Int64?
    // OpenSubsonic
    public var played: Date?
    public var bpm: Int?
    public var comment: String?
    public var sortName: String?
    public var mediaType: SubsonicItemType?
    public var musicBrainzID: String?
    public var channelCount: Int?
    public var samplingRate: Int?
    public var bitDepth: Int?
    public var displayArtist: String?
    public var displayAlbumArtist: String?
    public var explicitStatus: SubsonicExplicitStatus?
    public var genres: [ItemGenre]?
    public var replayGain: ReplayGain?
    public var artists: [ArtistReference]?
    public var albumArtists: [ArtistReference]?
    // An album as a folder (`isDir`) of the file-structure views: its name and song count,
    // which Navidrome writes and py-opensonic requires of `getAlbumList`'s entries.
    public var name: String?
    public var songCount: Int?

    public init(
        id: String, parent: String? = nil, isDir: Bool = false, title: String, album: String? = nil,
        artist: String? = nil, track: Int? = nil, year: Int? = nil, genre: String? = nil,
        coverArt: String? = nil, size: Int64? = nil, contentType: String? = nil, suffix: String? = nil,
        starred: Date? = nil, transcodedContentType: String? = nil, transcodedSuffix: String? = nil,
        duration: Int? = nil, bitRate: Int? = nil, path: String? = nil, playCount: Int64? = nil,
        discNumber: Int? = nil, created: Date? = nil, albumID: String? = nil, artistID: String? = nil,
        type: SubsonicMediaKind? = nil, userRating: Int? = nil, averageRating: Double? = nil,
        isVideo: Bool? = nil, bookmarkPosition: Int64? = nil, played: Date? = nil, bpm: Int? = nil,
        comment: String? = nil, sortName: String? = nil, mediaType: SubsonicItemType? = nil,
        musicBrainzID: String? = nil, channelCount: Int? = nil, samplingRate: Int? = nil,
        bitDepth: Int? = nil, displayArtist: String? = nil, displayAlbumArtist: String? = nil,
        explicitStatus: SubsonicExplicitStatus? = nil, genres: [ItemGenre]? = nil,
        replayGain: ReplayGain? = nil, artists: [ArtistReference]? = nil,
        albumArtists: [ArtistReference]? = nil, name: String? = nil, songCount: Int? = nil
    ) {
        self.id = id
        self.parent = parent
        self.isDir = isDir
        self.title = title
        self.album = album
        self.artist = artist
        self.track = track
        self.year = year
        self.genre = genre
        self.coverArt = coverArt
        self.size = size
        self.contentType = contentType
        self.suffix = suffix
        self.starred = starred
        self.transcodedContentType = transcodedContentType
        self.transcodedSuffix = transcodedSuffix
        self.duration = duration
        self.bitRate = bitRate
        self.path = path
        self.playCount = playCount
        self.discNumber = discNumber
        self.created = created
        self.albumID = albumID
        self.artistID = artistID
        self.type = type
        self.userRating = userRating
        self.averageRating = averageRating
        self.isVideo = isVideo
        self.bookmarkPosition = bookmarkPosition
        self.played = played
        self.bpm = bpm
        self.comment = comment
        self.sortName = sortName
        self.mediaType = mediaType
        self.musicBrainzID = musicBrainzID
        self.channelCount = channelCount
        self.samplingRate = samplingRate
        self.bitDepth = bitDepth
        self.displayArtist = displayArtist
        self.displayAlbumArtist = displayAlbumArtist
        self.explicitStatus = explicitStatus
        self.genres = genres
        self.replayGain = replayGain
        self.artists = artists
        self.albumArtists = albumArtists
        self.name = name
        self.songCount = songCount
    }

    /// Attributes in the order Navidrome writes them, then the OpenSubsonic child elements.
    func write(to w: inout SubsonicWriter) {
        writeAttributes(to: &w)
        writeElements(to: &w)
    }

    /// The attributes alone, for types that extend a `Child` with attributes of their own
    /// (`NowPlayingEntry`), which must come before any child element in XML.
    func writeAttributes(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("parent", parent)
        w.attribute("isDir", isDir)
        w.attribute("title", title)
        w.attribute("name", name)
        w.attribute("album", album)
        w.attribute("artist", artist)
        w.attribute("track", track)
        w.attribute("year", year)
        w.attribute("genre", genre)
        w.attribute("coverArt", coverArt)
        w.attribute("size", size)
        w.attribute("contentType", contentType)
        w.attribute("suffix", suffix)
        w.attribute("starred", starred)
        w.attribute("transcodedContentType", transcodedContentType)
        w.attribute("transcodedSuffix", transcodedSuffix)
        w.attribute("duration", duration)
        w.attribute("songCount", songCount)
        w.attribute("bitRate", bitRate)
        w.attribute("path", path)
        w.attribute("playCount", playCount)
        w.attribute("discNumber", discNumber)
        w.attribute("created", created)
        w.attribute("albumId", albumID)
        w.attribute("artistId", artistID)
        w.attribute("type", type)
        w.attribute("userRating", validRating(userRating))
        w.attribute("averageRating", averageRating)
        w.attribute("isVideo", isVideo)
        w.attribute("bookmarkPosition", bookmarkPosition)
        w.attribute("played", played)
        w.attribute("bpm", bpm)
        w.attribute("comment", comment)
        w.attribute("sortName", sortName)
        w.attribute("mediaType", mediaType)
        w.attribute("musicBrainzId", musicBrainzID)
        w.attribute("channelCount", channelCount)
        w.attribute("samplingRate", samplingRate)
        w.attribute("bitDepth", bitDepth)
        w.attribute("displayArtist", displayArtist)
        w.attribute("displayAlbumArtist", displayAlbumArtist)
        w.attribute("explicitStatus", explicitStatus)
    }

    func writeElements(to w: inout SubsonicWriter) {
        if let genres { w.list("genres", genres, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
        if let replayGain { w.element("replayGain") { replayGain.write(to: &$0) } }
        if let artists { w.list("artists", artists, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
        if let albumArtists { w.list("albumArtists", albumArtists, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
    }
}

/// A rating the schema accepts (1–5), or nil: Spool's "no rating" is 0, which the schema's
/// `UserRating` type forbids.
func validRating(_ rating: Int?) -> Int? {
    guard let rating, (1...5).contains(rating) else { return nil }
    return rating
}
