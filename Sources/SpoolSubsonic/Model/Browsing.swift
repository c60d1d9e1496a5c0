import Foundation

/// `getMusicFolders`' element. Spool has one library, so one folder.
public struct MusicFolder: Sendable, Hashable {
    public var id: Int
    public var name: String?
    public init(id: Int, name: String? = nil) {
        self.id = id
        self.name = name
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("name", name)
    }
}

/// An artist in `getIndexes` (the file-structure `Artist` type: no album count).
public struct Artist: Sendable, Hashable {
    public var id: String
    public var name: String
    public var starred: Date?
    public var userRating: Int?
    public var averageRating: Double?
    public var coverArt: String?
    public var artistImageURL: String?

    public init(id: String, name: String, starred: Date? = nil, userRating: Int? = nil,
                averageRating: Double? = nil, coverArt: String? = nil, artistImageURL: String? = nil) {
        self.id = id
        self.name = name
        self.starred = starred
        self.userRating = userRating
        self.averageRating = averageRating
        self.coverArt = coverArt
        self.artistImageURL = artistImageURL
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("name", name)
        w.attribute("starred", starred)
        w.attribute("userRating", validRating(userRating))
        w.attribute("averageRating", averageRating)
        w.attribute("coverArt", coverArt)
        w.attribute("artistImageUrl", artistImageURL)
    }
}

/// `getIndexes`: artists grouped under index letters.
public struct Indexes: Sendable, Hashable {
    public struct Index: Sendable, Hashable {
        public var name: String
        public var artists: [Artist]
        public init(name: String, artists: [Artist]) {
            self.name = name
            self.artists = artists
        }
    }

    /// When the collection last changed, in milliseconds since 1970 (clients send it back as
    /// `ifModifiedSince`).
    public var lastModified: Int64
    /// Space-separated articles the index ignores when sorting ("The El La Los Las Le Les").
    public var ignoredArticles: String
    public var shortcuts: [Artist]
    public var indexes: [Index]
    public var children: [Child]

    public init(lastModified: Int64, ignoredArticles: String, shortcuts: [Artist] = [], indexes: [Index], children: [Child] = []) {
        self.lastModified = lastModified
        self.ignoredArticles = ignoredArticles
        self.shortcuts = shortcuts
        self.indexes = indexes
        self.children = children
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("lastModified", lastModified)
        w.attribute("ignoredArticles", ignoredArticles)
        w.list("shortcut", shortcuts) { $1.write(to: &$0) }
        w.list("index", indexes) { w, index in
            w.attribute("name", index.name)
            w.list("artist", index.artists) { $1.write(to: &$0) }
        }
        w.list("child", children) { $1.write(to: &$0) }
    }
}

/// An artist in the ID3 views (`getArtists`, `getArtist`, `search3`, `getStarred2`). In Spool, a
/// source (a channel).
public struct ArtistID3: Sendable, Hashable {
    public var id: String
    public var name: String
    public var coverArt: String?
    public var albumCount: Int
    public var starred: Date?
    public var userRating: Int?
    public var artistImageURL: String?
    // OpenSubsonic
    public var musicBrainzID: String?
    public var sortName: String?
    public var roles: [String]?

    public init(id: String, name: String, coverArt: String? = nil, albumCount: Int, starred: Date? = nil,
                userRating: Int? = nil, artistImageURL: String? = nil, musicBrainzID: String? = nil,
                sortName: String? = nil, roles: [String]? = nil) {
        self.id = id
        self.name = name
        self.coverArt = coverArt
        self.albumCount = albumCount
        self.starred = starred
        self.userRating = userRating
        self.artistImageURL = artistImageURL
        self.musicBrainzID = musicBrainzID
        self.sortName = sortName
        self.roles = roles
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("name", name)
        w.attribute("coverArt", coverArt)
        w.attribute("albumCount", albumCount)
        w.attribute("starred", starred)
        w.attribute("userRating", validRating(userRating))
        w.attribute("artistImageUrl", artistImageURL)
        w.attribute("musicBrainzId", musicBrainzID)
        w.attribute("sortName", sortName)
        if let roles { w.valueList("roles", roles, emptyInJSON: .emptyArray) }
    }
}

/// `getArtists`: ID3 artists grouped under index letters.
public struct ArtistsID3: Sendable, Hashable {
    public struct Index: Sendable, Hashable {
        public var name: String
        public var artists: [ArtistID3]
        public init(name: String, artists: [ArtistID3]) {
            self.name = name
            self.artists = artists
        }
    }

    public var ignoredArticles: String
    /// Not in the 1.16.1 schema for this element, but Navidrome sends it and clients use it to
    /// skip a refresh; nil leaves it out.
    public var lastModified: Int64?
    public var indexes: [Index]

    public init(ignoredArticles: String, lastModified: Int64? = nil, indexes: [Index]) {
        self.ignoredArticles = ignoredArticles
        self.lastModified = lastModified
        self.indexes = indexes
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("ignoredArticles", ignoredArticles)
        w.attribute("lastModified", lastModified)
        w.list("index", indexes) { w, index in
            w.attribute("name", index.name)
            w.list("artist", index.artists) { $1.write(to: &$0) }
        }
    }
}

/// An album in the ID3 views. In Spool, a channel tab or a playlist of a source.
public struct AlbumID3: Sendable, Hashable {
    public var id: String
    public var name: String
    public var artist: String?
    public var artistID: String?
    public var coverArt: String?
    public var songCount: Int
    /// Whole seconds of all songs.
    public var duration: Int
    public var playCount: Int64?
    public var created: Date
    public var starred: Date?
    public var year: Int?
    public var genre: String?
    // OpenSubsonic
    public var version: String?
    public var played: Date?
    public var userRating: Int?
    public var musicBrainzID: String?
    public var isCompilation: Bool?
    public var sortName: String?
    public var displayArtist: String?
    public var explicitStatus: SubsonicExplicitStatus?
    public var genres: [ItemGenre]?
    public var artists: [ArtistReference]?
    public var releaseDate: ItemDate?
    public var originalReleaseDate: ItemDate?
    public var releaseTypes: [String]?

    public init(
        id: String, name: String, artist: String? = nil, artistID: String? = nil, coverArt: String? = nil,
        songCount: Int, duration: Int, playCount: Int64? = nil, created: Date, starred: Date? = nil,
        year: Int? = nil, genre: String? = nil, version: String? = nil, played: Date? = nil,
        userRating: Int? = nil, musicBrainzID: String? = nil, isCompilation: Bool? = nil,
        sortName: String? = nil, displayArtist: String? = nil, explicitStatus: SubsonicExplicitStatus? = nil,
        genres: [ItemGenre]? = nil, artists: [ArtistReference]? = nil, releaseDate: ItemDate? = nil,
        originalReleaseDate: ItemDate? = nil, releaseTypes: [String]? = nil
    ) {
        self.id = id
        self.name = name
        self.artist = artist
        self.artistID = artistID
        self.coverArt = coverArt
        self.songCount = songCount
        self.duration = duration
        self.playCount = playCount
        self.created = created
        self.starred = starred
        self.year = year
        self.genre = genre
        self.version = version
        self.played = played
        self.userRating = userRating
        self.musicBrainzID = musicBrainzID
        self.isCompilation = isCompilation
        self.sortName = sortName
        self.displayArtist = displayArtist
        self.explicitStatus = explicitStatus
        self.genres = genres
        self.artists = artists
        self.releaseDate = releaseDate
        self.originalReleaseDate = originalReleaseDate
        self.releaseTypes = releaseTypes
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("name", name)
        w.attribute("artist", artist)
        w.attribute("artistId", artistID)
        w.attribute("coverArt", coverArt)
        w.attribute("songCount", songCount)
        w.attribute("duration", duration)
        w.attribute("playCount", playCount)
        w.attribute("created", created)
        w.attribute("starred", starred)
        w.attribute("year", year)
        w.attribute("genre", genre)
        w.attribute("version", version)
        w.attribute("played", played)
        w.attribute("userRating", validRating(userRating))
        w.attribute("musicBrainzId", musicBrainzID)
        w.attribute("isCompilation", isCompilation)
        w.attribute("sortName", sortName)
        w.attribute("displayArtist", displayArtist)
        w.attribute("explicitStatus", explicitStatus)
        if let genres { w.list("genres", genres, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
        if let artists { w.list("artists", artists, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
        if let originalReleaseDate { w.element("originalReleaseDate") { originalReleaseDate.write(to: &$0) } }
        if let releaseDate { w.element("releaseDate") { releaseDate.write(to: &$0) } }
        if let releaseTypes { w.valueList("releaseTypes", releaseTypes, emptyInJSON: .emptyArray) }
    }
}

/// `getArtist`: an artist and its albums.
public struct ArtistWithAlbumsID3: Sendable, Hashable {
    public var artist: ArtistID3
    public var albums: [AlbumID3]
    public init(artist: ArtistID3, albums: [AlbumID3]) {
        self.artist = artist
        self.albums = albums
    }

    func write(to w: inout SubsonicWriter) {
        artist.write(to: &w)
        w.list("album", albums) { $1.write(to: &$0) }
    }
}

/// `getAlbum`: an album and its songs.
public struct AlbumWithSongsID3: Sendable, Hashable {
    public var album: AlbumID3
    public var songs: [Child]
    public init(album: AlbumID3, songs: [Child]) {
        self.album = album
        self.songs = songs
    }

    func write(to w: inout SubsonicWriter) {
        album.write(to: &w)
        w.list("song", songs) { $1.write(to: &$0) }
    }
}

/// `search3` and `getStarred2` (the same three lists).
public struct SearchResult3: Sendable, Hashable {
    public var artists: [ArtistID3]
    public var albums: [AlbumID3]
    public var songs: [Child]
    public init(artists: [ArtistID3] = [], albums: [AlbumID3] = [], songs: [Child] = []) {
        self.artists = artists
        self.albums = albums
        self.songs = songs
    }

    func write(to w: inout SubsonicWriter) {
        w.list("artist", artists) { $1.write(to: &$0) }
        w.list("album", albums) { $1.write(to: &$0) }
        w.list("song", songs) { $1.write(to: &$0) }
    }
}

/// `getStarred2`'s content: starred artists, albums and songs.
public typealias Starred2 = SearchResult3
