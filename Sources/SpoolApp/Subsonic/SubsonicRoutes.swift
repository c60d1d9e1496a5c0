import Foundation
import Logging
import SpoolAuth
import SpoolCore
import SpoolHTTP
import SpoolSubsonic

/// The OpenSubsonic API at `/rest/<method>` and `/rest/<method>.view`, GET and form POST: each
/// call is parsed by `SpoolSubsonic`, authenticated by `SubsonicAuthenticator` (a user's
/// Subsonic password or API key, never the account password), answered by the domain, and
/// rendered in the `subsonic-response` envelope in the format it asked for. Every answer is
/// HTTP 200, failures included: clients read `status="failed"` from the body. No failure is a
/// 500: anything unexpected is logged and answered as error 0.
///
/// `stream`, `download` and `getCoverArt` answer with bytes (`SubsonicMedia`).
struct SubsonicRoutes: RouteCollection {
    let domain: Domain
    let renderer: SubsonicRenderer
    let authenticator: SubsonicAuthenticator<Principal>
    let media: SubsonicMedia
    /// What each user's apps play now (`getNowPlaying`), in memory; the web app's player
    /// reports to it too (`TelemetryRoutes`).
    let nowPlaying: NowPlayingBoard
    /// The sign-in throttle `LoginAPI` uses too (one per server).
    let throttle: LoginThrottle
    let logger: Logger

    /// The one music folder: the library.
    static let musicFolder = MusicFolder(id: 1, name: "Spool")
    /// What Spool implements beyond the Subsonic API.
    static let extensions = OpenSubsonicExtension.spoolSupported + [OpenSubsonicExtension(name: "transcodeOffset", versions: [1])]

    init(domain: Domain, renderer: SubsonicRenderer, nowPlaying: NowPlayingBoard = NowPlayingBoard(), throttle: LoginThrottle, logger: Logger) {
        self.domain = domain
        self.nowPlaying = nowPlaying
        self.throttle = throttle
        self.renderer = renderer
        self.authenticator = domain.subsonicPasswords.authenticator(credentials: domain.credentials)
        self.media = SubsonicMedia(domain: domain, logger: logger)
        self.logger = logger
    }

    func register(on routes: inout Routes) {
        routes.get("/rest/{method}", .ownCredentials) { request in handle(request) }
        routes.post("/rest/{method}", .ownCredentials, maximumBodySize: SubsonicRequestLimits.standard.maxBodyBytes) { request in
            handle(request)
        }
    }

    // MARK: - One call

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let call: SubsonicRequest
        do {
            call = try SubsonicRequest(path: request.path, rawQuery: request.rawQuery ?? Self.encodedQuery(request.query),
                                       body: request.body, contentType: request.headers["Content-Type"])
        } catch {
            return Self.reply(renderer.render(error))
        }
        do {
            try call.requireClientIdentification()
            guard call.endpoint.requiresAuthentication else { return try answer(call, for: .anonymous, request: request) }
            // The sign-in's throttle, shared with `POST /api/login`: the client's address and
            // the name tried, so ten wrong guesses a minute is the most either gets, whichever
            // door they knock on. As there, a name locked out by guesses stays open to
            // addresses that have not guessed wrong: the user's own phone keeps playing.
            let address = LoginThrottle.Subject.client(request.remoteAddress)
            var subjects = [address]
            if let name = call.parameters.first("u") { subjects.append(.user(named: String(name.prefix(256)))) }
            let checked = throttle.hasRecentFailures(address) ? subjects : [address]
            if case .lockedOut(let seconds) = throttle.verdict(for: checked) {
                return lockedOut(seconds, call: call)
            }
            switch try authenticate(call) {
            case .success(let user):
                throttle.recordSuccess(for: subjects)
                return try answer(call, for: user, request: request)
            case .failure(let refusal):
                guard refusal.isGuess else { throw refusal.error }
                switch throttle.recordFailure(for: subjects) {
                case .delay(let seconds):
                    return Self.reply(renderer.render(refusal.error, as: call.format)).delayed(by: seconds)
                case .lockedOut(let seconds):
                    return lockedOut(seconds, call: call)
                }
            }
        } catch {
            return Self.reply(renderer.render(subsonicError(for: error, call: call), as: call.format))
        }
    }

    /// A refused sign-in: the Subsonic error, and whether it was a guess at a secret (a wrong
    /// password, token or API key), which the throttle counts; a missing parameter or a
    /// mix of mechanisms is a client's mistake, not a guess.
    struct Refusal: Error {
        let error: SubsonicError
        let isGuess: Bool
    }

    private func authenticate(_ call: SubsonicRequest) throws -> Result<Principal, Refusal> {
        let result: Result<SubsonicAuthentication<Principal>, SubsonicAuthError>
        do {
            result = try authenticator.authenticate { call.parameters.first($0) }
        } catch {
            // The database, or a sealed password that does not open: never "wrong password".
            logger.error("Subsonic authentication could not be checked", metadata: ["error": "\(error)"])
            throw SubsonicError(.generic, "Spool could not check the credentials; try again in a moment.")
        }
        switch result {
        case .success(let authentication):
            return .success(authentication.account)
        case .failure(let refusal):
            let error = SubsonicError(SubsonicErrorCode(rawValue: refusal.code) ?? .generic, refusal.message,
                                      helpURL: refusal.code == 44 || refusal.code == 40 ? "https://opensubsonic.netlify.app/docs/extensions/apikeyauth/" : nil)
            return .failure(Refusal(error: error, isGuess: refusal.code == 40 || refusal.code == 44))
        }
    }

    /// Locked out by the throttle: the credentials are not even looked at. Error 0 rather than
    /// 40, so that an app with the right password says why it is refused; `Retry-After` as on
    /// `POST /api/login`'s 429 (the envelope keeps HTTP 200, as every Subsonic answer).
    private func lockedOut(_ seconds: Int, call: SubsonicRequest) -> HTTPResponse {
        let error = SubsonicError(.generic, "Too many wrong sign-ins from this address or for this user; try again in \(seconds) s.")
        var response = Self.reply(renderer.render(error, as: call.format))
        response.headers.add("Retry-After", String(seconds))
        return response
    }

    /// The domain's errors as Subsonic codes: an unknown id is 70, someone else's playlist 50,
    /// a value the domain refuses 0 naming the field; anything else is logged and answered 0.
    private func subsonicError(for error: any Error, call: SubsonicRequest) -> SubsonicError {
        switch error {
        case let error as SubsonicError:
            return error
        case let error as DomainError:
            switch error {
            case .notFound(let message): return SubsonicError(.notFound, message)
            case .invalid(let field, let message): return .invalidParameter(field, message.hasSuffix(".") ? String(message.dropLast()) : message)
            case .conflict(let message), .unavailable(let message): return SubsonicError(.generic, message)
            }
        case let error as NotYours:
            return SubsonicError(.notAuthorized, error.description)
        default:
            logger.error("Subsonic call failed", metadata: ["method": "\(call.endpoint.rawValue)", "error": "\(error)"])
            let storage = ErrorMapping.httpError(for: error)
            return SubsonicError(.generic, storage?.message ?? "Spool could not answer this call; the server's log has the details.")
        }
    }

    static func reply(_ body: SubsonicBody) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", body.contentType)
        headers.add("Cache-Control", "no-store")
        // Browser players on other origins (Feishin, Airsonic Refix) read answers that carry
        // credentials in their parameters, never a cookie.
        headers.add("Access-Control-Allow-Origin", "*")
        return HTTPResponse(status: 200, headers: headers, body: .bytes(body.bytes))
    }

    /// A query dictionary as a query string, for requests made without one (in-process tests).
    static func encodedQuery(_ query: [String: String]) -> String? {
        guard !query.isEmpty else { return nil }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return query.sorted { $0.key < $1.key }.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }

    // MARK: - Endpoints

    private func answer(_ call: SubsonicRequest, for user: Principal, request: HTTPRequest) throws -> HTTPResponse {
        let p = call.parameters
        let payload: SubsonicPayload
        switch call.endpoint {
        case .ping:
            payload = .empty
        case .getLicense:
            payload = .license(License(valid: true))
        case .getOpenSubsonicExtensions:
            payload = .openSubsonicExtensions(Self.extensions)
        case .tokenInfo:
            payload = .tokenInfo(username: user.name)
        case .getMusicFolders:
            payload = .musicFolders([Self.musicFolder])
        case .getIndexes:
            payload = .indexes(try indexes(IndexesParameters(p), user))
        case .getArtists:
            payload = .artists(try artists(IndexesParameters(p), user))
        case .getArtist:
            payload = .artist(try artist(try p.requiredString("id"), user))
        case .getAlbum:
            payload = .album(try album(try p.requiredString("id"), user))
        case .getSong:
            let id = try SubsonicID.song(try p.requiredString("id"))
            guard let song = try domain.music.song(id, for: user.userId) else { throw SubsonicError.notFound("Song 'tr-\(id)'") }
            payload = .song(SubsonicRepresentation.song(song))
        case .getAlbumList2:
            payload = .albumList2(try albumList(AlbumListParameters(p), user).map(SubsonicRepresentation.album))
        case .getAlbumList:
            payload = .albumList(try albumList(AlbumListParameters(p), user).map(SubsonicRepresentation.albumFolder))
        case .getMusicDirectory:
            payload = .directory(try directory(try p.requiredString("id"), user))
        case .getRandomSongs:
            let parameters = try RandomSongsParameters(p)
            try Self.requireFolder(parameters.musicFolderID)
            // Spool has no genres: a genre filter matches nothing.
            let songs = parameters.genre != nil ? [] : try domain.music.randomSongs(
                count: parameters.size, fromYear: parameters.fromYear, toYear: parameters.toYear, for: user.userId)
            payload = .randomSongs(songs.map(SubsonicRepresentation.song))
        case .search3:
            let found = try search(Search3Parameters(p), user)
            payload = .searchResult3(SearchResult3(artists: found.artists.map(SubsonicRepresentation.artist),
                                                   albums: found.albums.map(SubsonicRepresentation.album),
                                                   songs: found.songs.map(SubsonicRepresentation.song)))
        case .search2:
            // The same parameters as search3's; the answer in the file-structure shapes.
            let found = try search(Search3Parameters(p), user)
            payload = .searchResult2(SearchResult2(artists: found.artists.map(SubsonicRepresentation.indexArtist),
                                                   albums: found.albums.map(SubsonicRepresentation.albumFolder),
                                                   songs: found.songs.map(SubsonicRepresentation.song)))
        case .getStarred2:
            let found = try starred(user)
            payload = .starred2(Starred2(artists: found.artists.map(SubsonicRepresentation.artist),
                                         albums: found.albums.map(SubsonicRepresentation.album),
                                         songs: found.songs.map(SubsonicRepresentation.song)))
        case .getStarred:
            let found = try starred(user)
            payload = .starred(Starred(artists: found.artists.map(SubsonicRepresentation.indexArtist),
                                       albums: found.albums.map(SubsonicRepresentation.albumFolder),
                                       songs: found.songs.map(SubsonicRepresentation.song)))
        case .star, .unstar:
            let items = try Self.annotationItems(StarParameters(p))
            if call.endpoint == .star { try domain.annotations.star(items, by: user) } else { try domain.annotations.unstar(items, by: user) }
            payload = .empty
        case .setRating:
            let parameters = try SetRatingParameters(p)
            guard let item = Self.annotationItem(parameters.id) else { throw SubsonicError.notFound("'\(SubsonicID.excerpt(parameters.id))'") }
            try domain.annotations.rate(item, stars: parameters.rating, by: user)
            payload = .empty
        case .scrobble:
            let parameters = try ScrobbleParameters(p)
            let plays = try parameters.plays.map { (trackId: try SubsonicID.song($0.id), time: $0.time) }
            if parameters.submission {
                try domain.annotations.scrobble(plays, client: call.clientName, by: user)
            } else {
                // "Now playing": the app started this track (with several ids, the last one).
                let found = try domain.music.songs(plays.map(\.trackId), for: user.userId)
                if let first = found.missing.first { throw SubsonicError.notFound("Song 'tr-\(first)'") }
                if let last = plays.last, let song = found.songs.first(where: { $0.id == last.trackId }) {
                    nowPlaying.announce(song.id, duration: song.track.duration, userId: user.userId, player: call.clientName)
                }
            }
            payload = .empty
        case .getPlaylists:
            if let name = p.optionalString("username"), name.lowercased() != user.name.lowercased() {
                throw SubsonicError(.notAuthorized, "Spool lists only your own playlists and public ones.")
            }
            payload = .playlists(try playlists(user))
        case .getPlaylist:
            payload = .playlist(try playlist(try p.requiredString("id"), user))
        case .createPlaylist:
            payload = .playlist(try createPlaylist(CreatePlaylistParameters(p), user))
        case .updatePlaylist:
            let parameters = try UpdatePlaylistParameters(p)
            let id = try Self.ownPlaylist(parameters.playlistID)
            try domain.userPlaylists.update(id, name: parameters.name, comment: parameters.comment, isPublic: parameters.isPublic,
                                        adding: try parameters.songIDsToAdd.map(SubsonicID.song),
                                        removingIndexes: parameters.songIndexesToRemove, by: user)
            payload = .empty
        case .deletePlaylist:
            try domain.userPlaylists.delete(try Self.ownPlaylist(try p.requiredString("id")), by: user)
            payload = .empty
        case .getBookmarks:
            payload = .bookmarks(try domain.music.songsWithPositions(for: user.userId).map { song in
                let changed = song.state?.positionAt ?? song.state?.lastPlayedAt ?? song.track.createdAt
                return Bookmark(entry: SubsonicRepresentation.song(song), position: Int64(((song.state?.lastPosition ?? 0) * 1000).rounded()),
                                username: user.name, created: changed, changed: changed)
            })
        case .createBookmark:
            let parameters = try CreateBookmarkParameters(p)
            try domain.annotations.setPosition(Double(parameters.positionMilliseconds) / 1000, of: try SubsonicID.song(parameters.id), by: user)
            payload = .empty
        case .deleteBookmark:
            try domain.annotations.clearPosition(of: try SubsonicID.song(try p.requiredString("id")), by: user)
            payload = .empty
        case .getPlayQueue:
            payload = .playQueue(try playQueue(user))
        case .savePlayQueue:
            let parameters = try SavePlayQueueParameters(p)
            let ids = try parameters.ids.map(SubsonicID.song)
            let index = parameters.current.flatMap { parameters.ids.firstIndex(of: $0) }
            try domain.annotations.saveQueue(SavedQueue(ids: ids, index: index, position: Double(parameters.positionMilliseconds) / 1000,
                                                        changedBy: call.clientName, changedAt: Date()), by: user)
            payload = .empty
        case .getUser:
            let name = try p.requiredString("username")
            if name.lowercased() == user.name.lowercased() {
                payload = .user(SubsonicRepresentation.user(user))
            } else {
                guard user.isAdmin else { throw SubsonicError(.notAuthorized, "Only an admin may see another user.") }
                guard let other = try domain.accounts.user(named: name) else { throw SubsonicError.notFound("User '\(SubsonicID.excerpt(name))'") }
                payload = .user(SubsonicRepresentation.user(domain.accounts.principal(of: other)))
            }
        case .getNowPlaying:
            payload = .nowPlaying(try nowPlayingEntries(user))
        case .getGenres:
            // Spool stores no genres (the tagging of issue 15 reads none): the library's genres
            // are none, as getAlbumList2's byGenre and getRandomSongs' genre filter answer.
            payload = .genres([])
        case .getSongsByGenre:
            try Self.requireFolder(try SongsByGenreParameters(p).musicFolderID)
            payload = .songsByGenre([])
        case .stream:
            let (response, song) = try media.stream(StreamParameters(p), for: user, request: request)
            nowPlaying.streamed(song.id, duration: song.track.duration, userId: user.userId, player: call.clientName)
            return response
        case .download:
            return try media.download(try p.requiredString("id"), for: user, request: request)
        case .getCoverArt:
            return try media.coverArt(CoverArtParameters(p), for: user, request: request)
        }
        return Self.reply(renderer.render(payload, as: call.format))
    }

    private static func requireFolder(_ id: Int?) throws {
        if let id, id != musicFolder.id { throw SubsonicError.notFound("Music folder \(id)") }
    }

    // MARK: Browsing

    private func indexes(_ parameters: IndexesParameters, _ user: Principal) throws -> Indexes {
        try Self.requireFolder(parameters.musicFolderID)
        let lastModified = SubsonicRepresentation.milliseconds(try domain.music.lastModified())
        if let since = parameters.ifModifiedSince, SubsonicRepresentation.milliseconds(since) >= lastModified {
            return Indexes(lastModified: lastModified, ignoredArticles: SubsonicRepresentation.ignoredArticles, indexes: [])
        }
        let groups = SubsonicRepresentation.indexed(try domain.music.artists(for: user.userId))
        return Indexes(lastModified: lastModified, ignoredArticles: SubsonicRepresentation.ignoredArticles, indexes: groups.map { group in
            Indexes.Index(name: group.key, artists: group.artists.map(SubsonicRepresentation.indexArtist))
        })
    }

    private func artists(_ parameters: IndexesParameters, _ user: Principal) throws -> ArtistsID3 {
        try Self.requireFolder(parameters.musicFolderID)
        let groups = SubsonicRepresentation.indexed(try domain.music.artists(for: user.userId))
        return ArtistsID3(ignoredArticles: SubsonicRepresentation.ignoredArticles,
                          lastModified: SubsonicRepresentation.milliseconds(try domain.music.lastModified()),
                          indexes: groups.map { ArtistsID3.Index(name: $0.key, artists: $0.artists.map(SubsonicRepresentation.artist)) })
    }

    private func artist(_ text: String, _ user: Principal) throws -> ArtistWithAlbumsID3 {
        guard case .artist(let id)? = SubsonicID(text), let album = try domain.music.album(id, for: user.userId) else {
            throw SubsonicError.notFound("Artist '\(SubsonicID.excerpt(text))'")
        }
        return ArtistWithAlbumsID3(artist: SubsonicRepresentation.artist(album.artist), albums: [SubsonicRepresentation.album(album)])
    }

    private func album(_ text: String, _ user: Principal) throws -> AlbumWithSongsID3 {
        guard case .album(let id)? = SubsonicID(text), let album = try domain.music.album(id, for: user.userId) else {
            throw SubsonicError.notFound("Album '\(SubsonicID.excerpt(text))'")
        }
        return AlbumWithSongsID3(album: SubsonicRepresentation.album(album),
                                 songs: try domain.music.songs(ofSource: id, for: user.userId).map(SubsonicRepresentation.song))
    }

    // MARK: Lists and search

    /// A page of `getAlbumList2`'s (and `getAlbumList`'s) albums, in the list's order.
    private func albumList(_ parameters: AlbumListParameters, _ user: Principal) throws -> ArraySlice<MusicAlbum> {
        try Self.requireFolder(parameters.musicFolderID)
        let order: MusicLibrary.AlbumOrder
        switch parameters.type {
        case .random: order = .random
        case .newest: order = .newest
        // An album's artist is its source, whose name is the album's.
        case .alphabeticalByName, .alphabeticalByArtist: order = .byName(sortName: SubsonicRepresentation.sortName)
        case .starred: order = .starred
        case .recent: order = .ranked(.lastPlayed)
        case .frequent: order = .ranked(.plays)
        case .highest: order = .ranked(.stars)
        case .byYear(let from, let to): order = .ranked(.year(from: from, to: to))
        case .byGenre: return []   // no genres in Spool
        }
        return try domain.music.albumPage(order, offset: parameters.offset, size: parameters.size, for: user.userId)[...]
    }

    /// What `search3` and `search2` find, in the domain's shapes: sources (artists and albums) and songs.
    private func search(_ parameters: Search3Parameters, _ user: Principal) throws -> (artists: [MusicArtist], albums: ArraySlice<MusicAlbum>, songs: [LibraryTrack]) {
        try Self.requireFolder(parameters.musicFolderID)
        let words = parameters.query.split(whereSeparator: \.isWhitespace).map(String.init)
        let albums = try domain.music.albums(
            named: words, first: max(parameters.artistOffset + parameters.artistCount, parameters.albumOffset + parameters.albumCount),
            for: user.userId)
        let songs = try domain.music.searchSongs(parameters.query, offset: parameters.songOffset, limit: parameters.songCount, for: user.userId)
        return (albums.dropFirst(parameters.artistOffset).prefix(parameters.artistCount).map(\.artist),
                albums.dropFirst(parameters.albumOffset).prefix(parameters.albumCount), songs)
    }

    /// What `getStarred2` and `getStarred` list: starred sources (as artists and as albums),
    /// newest star first, and the liked songs. Only the starred albums are totalled
    /// (`albums(_:for:)`); the artists need no totals.
    private func starred(_ user: Principal) throws -> (artists: [MusicArtist], albums: [MusicAlbum], songs: [LibraryTrack]) {
        let sources = try domain.music.visibleSources(for: user.userId)
        let artists = sources.map(\.artist).filter { $0.starredAt != nil }.sorted { $0.starredAt! > $1.starredAt! }
        let albumIds = sources.map(\.key).filter { $0.starredAt != nil }.sorted { $0.starredAt! > $1.starredAt! }.map(\.sourceId)
        return (artists, try domain.music.albums(albumIds, for: user.userId), try domain.music.likedSongs(for: user.userId))
    }

    /// `getMusicDirectory`: a source's folder (`ar-`) holds its album's folder; the album's
    /// folder (`al-`) holds its songs. The ids are the ID3 views', so a star or a cover set in
    /// one view is the same in the other.
    private func directory(_ text: String, _ user: Principal) throws -> Directory {
        switch SubsonicID(text) {
        case .artist(let id)?:
            guard let album = try domain.music.album(id, for: user.userId) else { break }
            return Directory(id: SubsonicID.artist(id).description, name: album.name, starred: album.artistStarredAt,
                             userRating: album.artistStars, children: [SubsonicRepresentation.albumFolder(album)])
        case .album(let id)?:
            guard let album = try domain.music.album(id, for: user.userId) else { break }
            return Directory(id: SubsonicID.album(id).description, parent: SubsonicID.artist(id).description, name: album.name,
                             starred: album.starredAt, userRating: album.stars, playCount: Int64(album.playCount),
                             children: try domain.music.songs(ofSource: id, for: user.userId).map(SubsonicRepresentation.song))
        default:
            break
        }
        throw SubsonicError.notFound("Directory '\(SubsonicID.excerpt(text))'")
    }

    // MARK: Now playing

    /// The caller's own players: Spool keeps each user's listening to themselves (history,
    /// likes), so one user's apps never show what another plays. Songs trashed or hidden
    /// since are left out.
    private func nowPlayingEntries(_ user: Principal) throws -> [NowPlayingEntry] {
        let entries = nowPlaying.entries(userId: user.userId)
        guard !entries.isEmpty else { return [] }
        let songs = try domain.music.songs(entries.map(\.trackId), for: user.userId).songs
        let byId = Dictionary(songs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let now = Date()
        return entries.compactMap { entry in
            byId[entry.trackId].map {
                NowPlayingEntry(song: SubsonicRepresentation.song($0), username: user.name,
                                minutesAgo: max(0, Int(now.timeIntervalSince(entry.startedAt) / 60)), playerID: entry.playerId,
                                playerName: entry.playerName.isEmpty ? nil : entry.playerName)
            }
        }
    }

    // MARK: Annotation

    /// `star`'s ids: `id` may name a song, album or artist (file-structure clients star albums
    /// with `id`); `albumId` and `artistId` must name what they say.
    private static func annotationItems(_ parameters: StarParameters) throws -> [MusicAnnotations.Item] {
        var items: [MusicAnnotations.Item] = []
        for text in parameters.ids {
            guard let item = annotationItem(text) else { throw SubsonicError.notFound("'\(SubsonicID.excerpt(text))'") }
            items.append(item)
        }
        for text in parameters.albumIDs {
            guard case .album(let id)? = SubsonicID(text) else { throw SubsonicError.notFound("Album '\(SubsonicID.excerpt(text))'") }
            items.append(.album(id))
        }
        for text in parameters.artistIDs {
            guard case .artist(let id)? = SubsonicID(text) else { throw SubsonicError.notFound("Artist '\(SubsonicID.excerpt(text))'") }
            items.append(.artist(id))
        }
        return items
    }

    private static func annotationItem(_ text: String) -> MusicAnnotations.Item? {
        switch SubsonicID(text) {
        case .song(let id)?: .song(id)
        case .album(let id)?: .album(id)
        case .artist(let id)?: .artist(id)
        default: nil
        }
    }

    // MARK: Playlists

    private func playlists(_ user: Principal) throws -> [Playlist] {
        var lists = [SubsonicRepresentation.likesPlaylist(try domain.music.likesPlaylist(for: user.userId), owner: user.name)]
        lists += try domain.music.sourcePlaylists(for: user.userId).map { SubsonicRepresentation.sourcePlaylist($0, owner: user.name) }
        lists += try domain.userPlaylists.playlists(for: user).map { SubsonicRepresentation.playlist($0, readerId: user.userId) }
        return lists
    }

    private func playlist(_ text: String, _ user: Principal) throws -> PlaylistWithSongs {
        switch SubsonicID(text) {
        case .likes?:
            let songs = try domain.music.likedSongs(for: user.userId)
            return PlaylistWithSongs(playlist: SubsonicRepresentation.likesPlaylist(.init(songs: songs), owner: user.name),
                                     entries: songs.map(SubsonicRepresentation.song))
        case .sourcePlaylist(let id)?:
            guard let album = try domain.music.album(id, for: user.userId) else { break }
            return PlaylistWithSongs(playlist: SubsonicRepresentation.sourcePlaylist(.init(album), owner: user.name),
                                     entries: try domain.music.songs(ofSource: id, for: user.userId).map(SubsonicRepresentation.song))
        case .playlist(let id)?:
            guard let (playlist, songs) = try domain.userPlaylists.playlist(id, for: user) else { break }
            return PlaylistWithSongs(playlist: SubsonicRepresentation.playlist(playlist, readerId: user.userId),
                                     entries: songs.map(SubsonicRepresentation.song))
        default:
            break
        }
        throw SubsonicError.notFound("Playlist '\(SubsonicID.excerpt(text))'")
    }

    private func createPlaylist(_ parameters: CreatePlaylistParameters, _ user: Principal) throws -> PlaylistWithSongs {
        let songs = try parameters.songIDs.map(SubsonicID.song)
        switch parameters.target {
        case .create(let name):
            let id = try domain.userPlaylists.create(name: name, trackIds: songs, by: user)
            return try playlist(SubsonicID.playlist(id).description, user)
        case .replace(let text, let name):
            let id = try Self.ownPlaylist(text)
            try domain.userPlaylists.replace(id, name: name, trackIds: songs, by: user)
            return try playlist(text, user)
        }
    }

    /// A user playlist's id; Likes and source playlists are Spool's own and read-only (50).
    private static func ownPlaylist(_ text: String) throws -> Int64 {
        switch SubsonicID(text) {
        case .playlist(let id)?: return id
        case .likes?, .sourcePlaylist?:
            throw SubsonicError(.notAuthorized, "'\(text)' is made by Spool from your likes or a source and cannot be changed; like or unlike its songs instead.")
        default:
            throw SubsonicError.notFound("Playlist '\(SubsonicID.excerpt(text))'")
        }
    }

    // MARK: Play queue

    private func playQueue(_ user: Principal) throws -> PlayQueue {
        guard let saved = try domain.annotations.queue(of: user), !saved.ids.isEmpty else {
            return PlayQueue(entries: [], current: nil, position: nil, username: user.name, changed: Date(), changedBy: "")
        }
        // Songs trashed or hidden since are left out; the current one follows its song.
        let songs = try domain.music.songs(saved.ids, for: user.userId).songs
        let currentId = saved.index.flatMap { saved.ids.indices.contains($0) ? saved.ids[$0] : nil }
        let current = currentId.flatMap { id in songs.contains { $0.id == id } ? id : nil } ?? songs.first?.id
        return PlayQueue(entries: songs.map(SubsonicRepresentation.song), current: current.map { SubsonicID.song($0).description },
                         position: saved.position.map { Int64(($0 * 1000).rounded()) }, username: user.name,
                         changed: saved.changedAt.map(Date.init(timeIntervalSince1970:)) ?? Date(), changedBy: saved.changedBy ?? "")
    }
}
