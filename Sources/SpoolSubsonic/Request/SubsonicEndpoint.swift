/// The Subsonic methods Spool answers (issue 18's list). The raw value is the method name as it
/// appears in `/rest/<name>` and `/rest/<name>.view`.
public enum SubsonicEndpoint: String, Sendable, Hashable, CaseIterable {
    // System
    case ping, getLicense, getOpenSubsonicExtensions, tokenInfo
    // Browsing
    case getMusicFolders, getIndexes, getArtists, getArtist, getAlbum, getSong
    // Browsing by folder (the file-structure views DSub and Ultrasonic use unless told to
    // browse by tags): a source's folder holds its album's folder, which holds the songs
    case getMusicDirectory, getAlbumList, search2, getStarred
    // Lists and search
    case getAlbumList2, getRandomSongs, getStarred2, search3, getNowPlaying, getGenres, getSongsByGenre
    // Media retrieval (binary answers; errors still use the envelope)
    case stream, download, getCoverArt
    // Annotation
    case star, unstar, setRating, scrobble
    // Playlists
    case getPlaylists, getPlaylist, createPlaylist, updatePlaylist, deletePlaylist
    // Bookmarks and the play queue
    case getBookmarks, createBookmark, deleteBookmark, getPlayQueue, savePlayQueue
    // Users
    case getUser

    /// The method a request path names: the last path segment without a `.view` suffix, so
    /// `/rest/ping`, `/rest/ping.view` and `ping` are the same method. Method names are
    /// case-sensitive, as in every Subsonic server.
    public static func methodName(fromPath path: String) -> String {
        let segment = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        return segment.hasSuffix(".view") ? String(segment.dropLast(5)) : segment
    }

    /// The endpoint a path names, or code 0 naming the unknown method (HTTP status stays 200:
    /// clients read the failure from the body).
    public static func resolve(path: String) throws(SubsonicError) -> SubsonicEndpoint {
        let name = methodName(fromPath: path)
        guard let endpoint = SubsonicEndpoint(rawValue: name) else {
            throw SubsonicError(.generic, "Unknown or unsupported Subsonic method '\(SubsonicParameters.excerpt(name))'.")
        }
        return endpoint
    }

    /// Whether a successful answer is a file rather than a `subsonic-response` envelope.
    public var answersWithBinary: Bool {
        switch self {
        case .stream, .download, .getCoverArt: true
        default: false
        }
    }

    /// OpenSubsonic requires `getOpenSubsonicExtensions` to answer without credentials, so a
    /// client can learn how to authenticate before it has.
    public var requiresAuthentication: Bool { self != .getOpenSubsonicExtensions }
}
