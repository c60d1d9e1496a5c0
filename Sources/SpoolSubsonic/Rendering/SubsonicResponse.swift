import Foundation

/// What a successful call answers, one case per response element of the endpoints Spool serves.
public enum SubsonicPayload: Sendable, Hashable {
    /// Nothing but the envelope: `ping`, `star`, `unstar`, `setRating`, `scrobble`,
    /// `createBookmark`, `deleteBookmark`, `savePlayQueue`, `updatePlaylist`, `deletePlaylist`.
    /// Not for `getPlayQueue` with nothing saved: py-opensonic then reads `playQueue`
    /// unconditionally, so answer with a `PlayQueue` without entries (as Navidrome does).
    case empty
    case license(License)
    case musicFolders([MusicFolder])
    case indexes(Indexes)
    case artists(ArtistsID3)
    case artist(ArtistWithAlbumsID3)
    case album(AlbumWithSongsID3)
    case song(Child)
    case albumList2([AlbumID3])
    /// `getAlbumList`: albums as folders (`Child` with `isDir`).
    case albumList([Child])
    /// `getMusicDirectory`.
    case directory(Directory)
    case searchResult2(SearchResult2)
    case starred(Starred)
    case nowPlaying([NowPlayingEntry])
    case genres([Genre])
    case songsByGenre([Child])
    case randomSongs([Child])
    case searchResult3(SearchResult3)
    case starred2(Starred2)
    case playlists([Playlist])
    /// `getPlaylist`, and `createPlaylist` (which answers with the playlist since 1.14.0).
    case playlist(PlaylistWithSongs)
    case bookmarks([Bookmark])
    case playQueue(PlayQueue)
    case user(User)
    case openSubsonicExtensions([OpenSubsonicExtension])
    /// `tokenInfo` (the `apiKeyAuthentication` extension): whose API key this is.
    case tokenInfo(username: String)

    func write(to w: inout SubsonicWriter) {
        switch self {
        case .empty:
            break
        case .license(let license):
            w.element("license") { license.write(to: &$0) }
        case .musicFolders(let folders):
            w.element("musicFolders") { $0.list("musicFolder", folders) { $1.write(to: &$0) } }
        case .indexes(let indexes):
            w.element("indexes") { indexes.write(to: &$0) }
        case .artists(let artists):
            w.element("artists") { artists.write(to: &$0) }
        case .artist(let artist):
            w.element("artist") { artist.write(to: &$0) }
        case .album(let album):
            w.element("album") { album.write(to: &$0) }
        case .song(let song):
            w.element("song") { song.write(to: &$0) }
        case .albumList2(let albums):
            w.element("albumList2") { $0.list("album", albums) { $1.write(to: &$0) } }
        case .albumList(let albums):
            w.element("albumList") { $0.list("album", albums) { $1.write(to: &$0) } }
        case .directory(let directory):
            w.element("directory") { directory.write(to: &$0) }
        case .searchResult2(let result):
            w.element("searchResult2") { result.write(to: &$0) }
        case .starred(let starred):
            w.element("starred") { starred.write(to: &$0) }
        case .nowPlaying(let entries):
            // `[]` in JSON when nobody plays: knuckles reads `nowPlaying.entry` unconditionally.
            w.element("nowPlaying") { $0.list("entry", entries, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
        case .genres(let genres):
            // `[]` in JSON when there are none: knuckles reads `genres.genre` unconditionally.
            w.element("genres") { $0.list("genre", genres, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
        case .songsByGenre(let songs):
            w.element("songsByGenre") { $0.list("song", songs, emptyInJSON: .emptyArray) { $1.write(to: &$0) } }
        case .randomSongs(let songs):
            w.element("randomSongs") { $0.list("song", songs) { $1.write(to: &$0) } }
        case .searchResult3(let result):
            w.element("searchResult3") { result.write(to: &$0) }
        case .starred2(let starred):
            w.element("starred2") { starred.write(to: &$0) }
        case .playlists(let playlists):
            w.element("playlists") { $0.list("playlist", playlists) { $1.write(to: &$0) } }
        case .playlist(let playlist):
            w.element("playlist") { playlist.write(to: &$0) }
        case .bookmarks(let bookmarks):
            w.element("bookmarks") { $0.list("bookmark", bookmarks) { $1.write(to: &$0) } }
        case .playQueue(let queue):
            w.element("playQueue") { queue.write(to: &$0) }
        case .user(let user):
            w.element("user") { user.write(to: &$0) }
        case .openSubsonicExtensions(let extensions):
            // A bare list under the root, an array in JSON even when empty (the spec's shape).
            w.list("openSubsonicExtensions", extensions, emptyInJSON: .emptyArray) { $1.write(to: &$0) }
        case .tokenInfo(let username):
            w.element("tokenInfo") { $0.attribute("username", username) }
        }
    }
}

/// Who is answering: the envelope's `version`, and OpenSubsonic's `type` and `serverVersion`.
public struct SubsonicServerIdentity: Sendable, Hashable {
    /// The Subsonic API version implemented; 1.16.1 is the last one Subsonic published and what
    /// OpenSubsonic servers report.
    public var apiVersion: String
    /// The server's name, so clients can adapt to its quirks.
    public var type: String
    /// Spool's own version, so clients notice an upgrade and re-read the extensions.
    public var serverVersion: String

    public init(apiVersion: String = "1.16.1", type: String = "spool", serverVersion: String) {
        self.apiVersion = apiVersion
        self.type = type
        self.serverVersion = serverVersion
    }
}

/// A rendered answer: the bytes to send and the `Content-Type` to send them with. The HTTP
/// status is 200 for failures too; clients read `status="failed"` from the body.
public struct SubsonicBody: Sendable, Hashable {
    public let bytes: [UInt8]
    public let contentType: String

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Renders `subsonic-response` envelopes in the format a call asked for.
public struct SubsonicRenderer: Sendable {
    public let server: SubsonicServerIdentity

    public init(server: SubsonicServerIdentity) {
        self.server = server
    }

    /// A `status="ok"` answer.
    public func render(_ payload: SubsonicPayload, as format: SubsonicFormat) -> SubsonicBody {
        envelope(status: "ok", format: format) { payload.write(to: &$0) }
    }

    /// A `status="failed"` answer carrying `<error code=".." message=".."/>`.
    public func render(_ error: SubsonicError, as format: SubsonicFormat) -> SubsonicBody {
        envelope(status: "failed", format: format) { w in
            w.element("error") { w in
                w.attribute("code", error.code.rawValue)
                w.attribute("message", error.message)
                w.attribute("helpUrl", error.helpURL)
            }
        }
    }

    /// The answer to a call that could not be parsed, in the format it asked for.
    public func render(_ failure: SubsonicRequestFailure) -> SubsonicBody {
        render(failure.error, as: failure.format)
    }

    private func envelope(status: String, format: SubsonicFormat, _ content: (inout SubsonicWriter) -> Void) -> SubsonicBody {
        var writer = SubsonicWriter(syntax: format == .xml ? .xml : .json)
        if case .jsonp(let callback) = format {
            writer.appendRaw(callback)
            writer.appendRaw("(")
        }
        writer.document(root: "subsonic-response") { w in
            w.xmlOnlyAttribute("xmlns", "http://subsonic.org/restapi")
            w.attribute("status", status)
            w.attribute("version", server.apiVersion)
            w.attribute("type", server.type)
            w.attribute("serverVersion", server.serverVersion)
            w.attribute("openSubsonic", true)
            content(&w)
        }
        if case .jsonp = format {
            writer.appendRaw(");")
        }
        return SubsonicBody(bytes: writer.bytes, contentType: format.contentType)
    }
}
