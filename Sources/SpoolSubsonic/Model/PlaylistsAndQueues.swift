import Foundation

/// A playlist as listed by `getPlaylists`. In Spool: the user's Likes, each source, and the
/// user's own playlists.
public struct Playlist: Sendable, Hashable {
    public var id: String
    public var name: String
    public var comment: String?
    public var songCount: Int
    /// Whole seconds.
    public var duration: Int
    public var isPublic: Bool?
    public var owner: String?
    public var created: Date
    public var changed: Date
    public var coverArt: String?
    public var allowedUsers: [String]
    // OpenSubsonic
    /// True for playlists Spool generates (Likes, a source): clients hide their edit actions.
    public var readonly: Bool?
    public var validUntil: Date?

    public init(id: String, name: String, comment: String? = nil, songCount: Int, duration: Int,
                isPublic: Bool? = nil, owner: String? = nil, created: Date, changed: Date,
                coverArt: String? = nil, allowedUsers: [String] = [], readonly: Bool? = nil, validUntil: Date? = nil) {
        self.id = id
        self.name = name
        self.comment = comment
        self.songCount = songCount
        self.duration = duration
        self.isPublic = isPublic
        self.owner = owner
        self.created = created
        self.changed = changed
        self.coverArt = coverArt
        self.allowedUsers = allowedUsers
        self.readonly = readonly
        self.validUntil = validUntil
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("name", name)
        w.attribute("comment", comment)
        w.attribute("songCount", songCount)
        w.attribute("duration", duration)
        w.attribute("public", isPublic)
        w.attribute("owner", owner)
        w.attribute("created", created)
        w.attribute("changed", changed)
        w.attribute("coverArt", coverArt)
        w.attribute("readonly", readonly)
        w.attribute("validUntil", validUntil)
        w.valueList("allowedUser", allowedUsers)
    }
}

/// `getPlaylist` (and `createPlaylist`'s answer since 1.14.0): a playlist and its songs.
public struct PlaylistWithSongs: Sendable, Hashable {
    public var playlist: Playlist
    public var entries: [Child]
    public init(playlist: Playlist, entries: [Child]) {
        self.playlist = playlist
        self.entries = entries
    }

    func write(to w: inout SubsonicWriter) {
        playlist.write(to: &w)
        w.list("entry", entries) { $1.write(to: &$0) }
    }
}

/// A saved position in a file (`getBookmarks`). In Spool, a resume position.
public struct Bookmark: Sendable, Hashable {
    public var entry: Child
    /// Milliseconds into the file.
    public var position: Int64
    public var username: String
    public var comment: String?
    public var created: Date
    public var changed: Date

    public init(entry: Child, position: Int64, username: String, comment: String? = nil, created: Date, changed: Date) {
        self.entry = entry
        self.position = position
        self.username = username
        self.comment = comment
        self.created = created
        self.changed = changed
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("position", position)
        w.attribute("username", username)
        w.attribute("comment", comment)
        w.attribute("created", created)
        w.attribute("changed", changed)
        w.element("entry") { entry.write(to: &$0) }
    }
}

/// `getPlayQueue`: the queue a client saved, for another client to resume.
public struct PlayQueue: Sendable, Hashable {
    public var entries: [Child]
    /// The playing song's id; must be one of `entries` when there are any (OpenSubsonic).
    public var current: String?
    /// Milliseconds into the current song.
    public var position: Int64?
    public var username: String
    public var changed: Date
    /// The client (`c`) that saved it.
    public var changedBy: String

    public init(entries: [Child], current: String?, position: Int64?, username: String, changed: Date, changedBy: String) {
        self.entries = entries
        self.current = current
        self.position = position
        self.username = username
        self.changed = changed
        self.changedBy = changedBy
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("current", current)
        w.attribute("position", position)
        w.attribute("username", username)
        w.attribute("changed", changed)
        w.attribute("changedBy", changedBy)
        w.list("entry", entries) { $1.write(to: &$0) }
    }
}
