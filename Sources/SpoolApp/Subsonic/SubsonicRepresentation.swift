import Foundation
import SpoolCore
import SpoolStore
import SpoolSubsonic

/// Spool's library in Subsonic's shapes: a source is an artist with one album, a track is a
/// song. The mapping, field by field, is in `docs/subsonic.md`.
enum SubsonicRepresentation {
    /// Articles the indexes and sort names skip ("The Beatles" files under B).
    static let ignoredArticles = "The El La Los Las Le Les"
    private static let articles = ignoredArticles.split(separator: " ").map { String($0).lowercased() + " " }

    // MARK: - Songs

    static func song(_ item: LibraryTrack) -> Child {
        let track = item.track
        let id = item.id
        let sourceId = track.sourceId ?? 0
        let albumName = albumName(sourceId: sourceId, title: item.sourceTitle)
        // A YouTube Music track's own artist tag reads better in a music app than the channel
        // that uploaded it; the song still belongs to its source's artist and album.
        let artistName = track.artist.flatMap { $0.isEmpty ? nil : $0 } ?? albumName
        let state = item.state ?? UserTrackState()
        let isVideo = track.mimeType.hasPrefix("video/")
        let position = state.lastPosition.flatMap { $0 > 0 ? Int64(($0 * 1000).rounded()) : nil }
        return Child(
            id: SubsonicID.song(id).description, parent: SubsonicID.album(sourceId).description, isDir: false,
            title: track.title, album: albumName, artist: artistName, track: track.trackNumber,
            year: year(of: track.uploadedAt), coverArt: SubsonicID.song(id).description, size: track.size,
            contentType: track.mimeType, suffix: suffix(of: track),
            starred: state.rating == 1 ? state.likedAt : nil,
            duration: track.duration.map(SubsonicDuration.wholeSeconds), bitRate: bitRate(of: track),
            path: track.filePath, playCount: Int64(state.playCount), created: track.createdAt,
            albumID: SubsonicID.album(sourceId).description, artistID: SubsonicID.artist(sourceId).description,
            type: isVideo ? .video : .music, userRating: state.stars, isVideo: isVideo, bookmarkPosition: position,
            played: state.lastPlayedAt, sortName: sortName(track.title), mediaType: .song,
            displayArtist: artistName, displayAlbumArtist: albumName, explicitStatus: .unknown, genres: [],
            artists: [ArtistReference(id: SubsonicID.artist(sourceId).description, name: albumName)],
            albumArtists: [ArtistReference(id: SubsonicID.artist(sourceId).description, name: albumName)])
    }

    static func albumName(sourceId: Int64, title: String?) -> String {
        if let title, !title.isEmpty { return title }
        return sourceId == 0 ? MusicAlbum.unknownSourceName : "Source \(sourceId)"
    }

    static func suffix(of track: Track) -> String {
        (track.filePath as NSString).pathExtension.lowercased()
    }

    /// Kilobits per second from the file's size and duration (the whole file, container
    /// included, which is what a player's buffer sees).
    static func bitRate(of track: Track) -> Int? {
        guard let duration = track.duration, duration > 0, track.size > 0 else { return nil }
        return Int((Double(track.size) * 8 / duration / 1000).rounded())
    }

    static func year(of date: Date?) -> Int? {
        date.map { utc.component(.year, from: $0) }
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The name without a leading article, as clients sort it.
    static func sortName(_ name: String) -> String {
        let lower = name.lowercased()
        for article in articles where lower.hasPrefix(article) && lower.count > article.count {
            return String(name.dropFirst(article.count))
        }
        return name
    }

    // MARK: - Albums and artists

    static func album(_ album: MusicAlbum) -> AlbumID3 {
        let date = utc.dateComponents([.year, .month, .day], from: album.newestUpload)
        return AlbumID3(
            id: SubsonicID.album(album.sourceId).description, name: album.name, artist: album.name,
            artistID: SubsonicID.artist(album.sourceId).description, coverArt: SubsonicID.album(album.sourceId).description,
            songCount: album.songCount, duration: SubsonicDuration.wholeSeconds(album.duration), playCount: Int64(album.playCount),
            created: album.createdAt, starred: album.starredAt, year: date.year, played: album.lastPlayedAt,
            userRating: album.stars, isCompilation: false, sortName: sortName(album.name), displayArtist: album.name,
            explicitStatus: .unknown, genres: [],
            artists: [ArtistReference(id: SubsonicID.artist(album.sourceId).description, name: album.name)],
            releaseDate: ItemDate(year: date.year, month: date.month, day: date.day), releaseTypes: [])
    }

    static func artist(_ artist: MusicArtist) -> ArtistID3 {
        ArtistID3(id: SubsonicID.artist(artist.sourceId).description, name: artist.name,
                  coverArt: SubsonicID.artist(artist.sourceId).description, albumCount: 1, starred: artist.starredAt,
                  userRating: artist.stars, sortName: sortName(artist.name), roles: ["artist", "albumartist"])
    }

    /// A source as the file-structure views' artist (`getIndexes`, `search2`, `getStarred`).
    static func indexArtist(_ artist: MusicArtist) -> Artist {
        Artist(id: SubsonicID.artist(artist.sourceId).description, name: artist.name, starred: artist.starredAt,
               userRating: artist.stars, coverArt: SubsonicID.artist(artist.sourceId).description)
    }

    /// A source's album as a folder of the file-structure views (`getMusicDirectory`,
    /// `getAlbumList`, `search2`, `getStarred`): its `AlbumID3`'s fields on a `Child` with
    /// `isDir`, inside its artist's folder.
    static func albumFolder(_ album: MusicAlbum) -> Child {
        let id3 = self.album(album)
        return Child(id: id3.id, parent: id3.artistID, isDir: true, title: album.name, album: album.name, artist: album.name,
                     year: id3.year, coverArt: id3.coverArt, starred: album.starredAt, duration: id3.duration,
                     playCount: id3.playCount, created: album.createdAt, albumID: id3.id, artistID: id3.artistID,
                     userRating: album.stars, played: album.lastPlayedAt, sortName: id3.sortName, mediaType: .album,
                     name: album.name, songCount: album.songCount)
    }

    /// The index letter of a name: its first letter after an ignored article, `#` for anything
    /// that is not a letter.
    static func indexKey(_ name: String) -> String {
        guard let first = sortName(name).first else { return "#" }
        let letter = String(first).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).uppercased()
        return letter.count == 1 && letter.first!.isLetter && letter.first!.isASCII ? letter : "#"
    }

    /// Albums grouped under their index letters, `#` last (Navidrome's order).
    static func indexed(_ artists: [MusicArtist]) -> [(key: String, artists: [MusicArtist])] {
        let groups = Dictionary(grouping: artists, by: { indexKey($0.name) })
        return groups.keys.sorted { ($0 == "#" ? "~" : $0) < ($1 == "#" ? "~" : $1) }.map { key in
            // Each name loses its article once, not at every comparison.
            (key, groups[key]!.map { (artist: $0, name: sortName($0.name)) }
                .sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }.map(\.artist))
        }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    // MARK: - Playlists

    static func playlist(_ playlist: UserPlaylist, readerId: Int64) -> Playlist {
        Playlist(id: SubsonicID.playlist(playlist.id).description, name: playlist.name, comment: playlist.comment,
                 songCount: playlist.songCount, duration: SubsonicDuration.wholeSeconds(playlist.duration),
                 isPublic: playlist.isPublic, owner: playlist.ownerName, created: playlist.createdAt, changed: playlist.updatedAt,
                 readonly: playlist.ownerId != readerId)
    }

    static func likesPlaylist(_ likes: MusicLibrary.LikesPlaylist, owner: String) -> Playlist {
        Playlist(id: SubsonicID.likes.description, name: "Likes", comment: "The songs you liked, the newest first.",
                 songCount: likes.songCount, duration: SubsonicDuration.wholeSeconds(likes.duration),
                 isPublic: false, owner: owner, created: likes.firstLikedAt ?? Date(timeIntervalSince1970: 0),
                 changed: likes.lastLikedAt ?? Date(timeIntervalSince1970: 0),
                 coverArt: likes.newestSongId.map { SubsonicID.song($0).description }, readonly: true)
    }

    static func sourcePlaylist(_ source: MusicLibrary.SourcePlaylist, owner: String) -> Playlist {
        Playlist(id: SubsonicID.sourcePlaylist(source.sourceId).description, name: source.name,
                 comment: "Every track of this source, as Spool keeps it.", songCount: source.songCount,
                 duration: SubsonicDuration.wholeSeconds(source.duration), isPublic: false, owner: owner,
                 created: source.createdAt, changed: source.newestAt, coverArt: SubsonicID.album(source.sourceId).description,
                 readonly: true)
    }

    // MARK: - The user

    static func user(_ principal: Principal) -> SpoolSubsonic.User {
        SpoolSubsonic.User(username: principal.name, scrobblingEnabled: true,
                           roles: .init(admin: principal.isAdmin, download: true, playlist: true, coverArt: true, stream: true),
                           folders: [1])
    }
}
