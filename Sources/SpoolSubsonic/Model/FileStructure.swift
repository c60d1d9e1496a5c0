import Foundation

/// `getMusicDirectory`: a folder and what is in it, folders (`isDir`) or songs. The file-structure
/// views predate ID3 browsing; DSub and Ultrasonic still browse this way unless told to use tags.
public struct Directory: Sendable, Hashable {
    public var id: String
    public var parent: String?
    public var name: String
    public var starred: Date?
    public var userRating: Int?
    public var playCount: Int64?
    public var children: [Child]

    public init(id: String, parent: String? = nil, name: String, starred: Date? = nil, userRating: Int? = nil,
                playCount: Int64? = nil, children: [Child]) {
        self.id = id
        self.parent = parent
        self.name = name
        self.starred = starred
        self.userRating = userRating
        self.playCount = playCount
        self.children = children
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("parent", parent)
        w.attribute("name", name)
        w.attribute("starred", starred)
        w.attribute("userRating", validRating(userRating))
        w.attribute("playCount", playCount)
        w.list("child", children) { $1.write(to: &$0) }
    }
}

/// `search2` and `getStarred` (the same three lists): artists as `Artist`, albums as folders.
public struct SearchResult2: Sendable, Hashable {
    public var artists: [Artist]
    public var albums: [Child]
    public var songs: [Child]
    public init(artists: [Artist] = [], albums: [Child] = [], songs: [Child] = []) {
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

/// `getStarred`'s content: starred artists, albums and songs.
public typealias Starred = SearchResult2

/// One entry of `getNowPlaying`: the song, who plays it, since how many whole minutes, and on
/// which player (the schema's `playerId` is a number; `playerName` is the app's `c`).
public struct NowPlayingEntry: Sendable, Hashable {
    public var song: Child
    public var username: String
    public var minutesAgo: Int
    public var playerID: Int
    public var playerName: String?

    public init(song: Child, username: String, minutesAgo: Int, playerID: Int, playerName: String?) {
        self.song = song
        self.username = username
        self.minutesAgo = minutesAgo
        self.playerID = playerID
        self.playerName = playerName
    }

    func write(to w: inout SubsonicWriter) {
        song.writeAttributes(to: &w)
        w.attribute("username", username)
        w.attribute("minutesAgo", minutesAgo)
        w.attribute("playerId", playerID)
        w.attribute("playerName", playerName)
        song.writeElements(to: &w)
    }
}

/// One entry of `getGenres`: the genre's name as the element's text (`"value"` in JSON) and how
/// many songs and albums carry it.
public struct Genre: Sendable, Hashable {
    public var name: String
    public var songCount: Int
    public var albumCount: Int

    public init(name: String, songCount: Int, albumCount: Int) {
        self.name = name
        self.songCount = songCount
        self.albumCount = albumCount
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("songCount", songCount)
        w.attribute("albumCount", albumCount)
        w.text(name)
    }
}
