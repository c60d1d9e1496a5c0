import Foundation
import GRDB
import SpoolAuth
import SpoolMedia
import SpoolStore
import XCTest
@testable import SpoolCore

/// The domain behind the Subsonic API and the podcast feeds (issue 18), on a real database:
/// what each user sees (nothing hidden by them, nothing in the trash), the lists' bounds and
/// orders, the writes that land in the web app's state, playlists, Subsonic passwords and the
/// server key's fingerprint, and when a stream is converted.
final class MusicLibraryTests: XCTestCase {
    private var h: DomainHarness!
    private var ann: Principal!
    private var bob: Principal!
    private var channel: Int64 = 0
    private var playlistSource: Int64 = 0
    private var tracks: [Int64] = []

    override func setUpWithError() throws {
        h = try DomainHarness(configure: { $0.serverKey = ServerKey.generate() })
        let accounts = h.domain.accounts
        ann = accounts.principal(of: try accounts.create(name: "ann", role: .listener, password: "ann password"))
        bob = accounts.principal(of: try accounts.create(name: "bob", role: .listener, password: "bob password"))
        (channel, playlistSource, tracks) = try h.database.write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(sql: "INSERT INTO sources (url, title, added_at, kind) VALUES ('https://a.test/c', 'The Zebras', ?, 'channel')", arguments: [now])
            let channel = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO sources (url, title, added_at, kind) VALUES ('https://a.test/p', 'Aardvark Mix', ?, 'playlist')", arguments: [now])
            let playlist = db.lastInsertedRowID
            var ids: [Int64] = []
            // Five channel uploads a year apart (from 2021), two playlist entries with positions.
            for index in 0..<7 {
                let source = index < 5 ? channel : playlist
                let uploaded = Date(timeIntervalSince1970: 1_609_459_200 + Double(index) * 365 * 86_400).timeIntervalSince1970
                try db.execute(sql: """
                    INSERT INTO tracks (video_id, source_id, title, duration, file_path, size, mime_type, created_at, uploaded_at, track_number)
                    VALUES (?, ?, ?, 100, ?, 1000, 'audio/mp4', ?, ?, ?)
                    """, arguments: ["v\(index)", source, index == 2 ? "Quiet Sine Song" : "Song \(index)", "f\(index).m4a",
                                     now + Double(index), uploaded, index < 5 ? nil : 7 - index])
                ids.append(db.lastInsertedRowID)
            }
            return (channel, playlist, ids)
        }
    }

    override func tearDownWithError() throws {
        h = nil
    }

    /// `getAlbumList2`'s newest, by-name, random and starred lists order the albums' keys
    /// (one seek per source) and aggregate only their page: the keys name exactly the albums
    /// the whole pass finds, for each user, and "newest" follows each one's newest visible track.
    func testAlbumKeysNameTheAlbumsEachUserSeesByTheirNewestVisibleTrack() throws {
        let music = h.domain.music
        func keys(_ user: Principal) throws -> [Int64] {
            try music.albumKeys(for: user.userId).sorted { $0.newestTrackId > $1.newestTrackId }.map(\.sourceId)
        }
        XCTAssertEqual(try keys(ann), [playlistSource, channel], "the playlist got the newest track")
        // Ann hides the playlist's newest track and the trash takes the other: her playlist
        // album is gone; Bob still sees its newest track.
        _ = try h.domain.listening.setHidden(true, tracks[6], by: ann)
        try h.database.write { db in try db.execute(sql: "UPDATE tracks SET deleted_at = 1 WHERE id = ?", arguments: [self.tracks[5]]) }
        XCTAssertEqual(try keys(ann), [channel])
        XCTAssertEqual(try keys(bob), [playlistSource, channel])
        XCTAssertEqual(try music.albumKeys(for: bob.userId).first { $0.sourceId == playlistSource }?.newestTrackId, tracks[6])
        // A track whose source was removed is album 0's.
        try h.database.write { db in try db.execute(sql: "UPDATE tracks SET source_id = NULL WHERE id = ?", arguments: [self.tracks[4]]) }
        for user in [ann!, bob!] {
            XCTAssertEqual(Set(try keys(user)), Set(try music.albums(for: user.userId).map(\.sourceId)), user.name)
            XCTAssertEqual(try music.albums(try keys(user), for: user.userId).map(\.sourceId), try keys(user), "in the order asked")
        }
        XCTAssertEqual(try keys(ann).first, 0)
        // The artists (`getArtists`, `getIndexes`) are the same seeks: exactly the whole pass's
        // artists, with each user's own stars of them.
        try h.domain.annotations.star([.artist(channel), .album(channel)], by: ann)
        try h.domain.annotations.rate(.artist(channel), stars: 3, by: ann)
        for user in [ann!, bob!] {
            XCTAssertEqual(try music.artists(for: user.userId).sorted { $0.sourceId < $1.sourceId },
                           try music.albums(for: user.userId).map(\.artist).sorted { $0.sourceId < $1.sourceId }, user.name)
        }
        let annsChannel = try XCTUnwrap(try music.artists(for: ann.userId).first { $0.sourceId == channel })
        XCTAssertNotNil(annsChannel.starredAt)
        XCTAssertEqual(annsChannel.stars, 3)
        XCTAssertNil(try music.artists(for: bob.userId).first { $0.sourceId == channel }?.starredAt)
        XCTAssertNotNil(try music.albumKeys(for: ann.userId).first { $0.sourceId == channel }?.starredAt, "the album's star is its own")
    }

    /// `getAlbumList2`'s orders by a total (recent, frequent, highest, byYear) rank the albums
    /// from the users' sums, a walk of their plays and one seek per source
    /// (`albumIds(ranked:first:for:)`); they must list the same albums in the same order as the
    /// whole pass sorted by its totals (`reference`, the route's code before), for every user,
    /// page length and year range, while plays, stars, album ratings, hides, the trash, restores,
    /// purges and a removed source change what each user sees. Ties (equal plays, last plays,
    /// ratings, uploads; equal names) are on purpose.
    func testAlbumRankingsListWhatTheWholePassSortedByItsTotalsLists() throws {
        let music = h.domain.music
        let users: [Principal] = [ann, bob, Principal(userId: 1, name: "admin", role: .admin)]
        var dice = UInt64(18)
        func roll(_ sides: Int) -> Int {
            dice = dice &* 6364136223846793005 &+ 1442695040888963407
            return Int((dice >> 33) % UInt64(sides))
        }
        // Six more sources, two of them with one name (the tie falls to the source id).
        let added: [Int64] = try h.database.write { db in
            try ["Echo", "Delta", "Echo", "Bravo", "Foxtrot", "Golf"].enumerated().map { index, title in
                try db.execute(sql: "INSERT INTO sources (url, title, added_at, kind) VALUES (?, ?, 0, 'channel')",
                               arguments: ["https://b.test/\(index)", title])
                return db.lastInsertedRowID
            }
        }
        let sources = [channel, playlistSource] + added
        let newTracks: [Int64] = try h.database.write { db in
            try (0..<60).map { index in
                // Uploads over 2019–2024 on whole days, so albums share newest uploads and years.
                let uploaded = 1_546_300_800 + Double(roll(6)) * 365 * 86_400 + Double(roll(3)) * 86_400
                try db.execute(sql: """
                    INSERT INTO tracks (video_id, source_id, title, duration, file_path, size, mime_type, created_at, uploaded_at)
                    VALUES (?, ?, ?, 60, ?, 1000, 'audio/mp4', ?, ?)
                    """, arguments: ["r\(index)", sources[roll(sources.count)], "Ranked \(index)", "r\(index).m4a",
                                     1_700_000_000 + Double(index), roll(5) == 0 ? nil : uploaded])
                return db.lastInsertedRowID
            }
        }
        var all = tracks + newTracks
        var removedSource = false
        func check(_ moment: String) throws {
            for user in users {
                for ranking: MusicLibrary.AlbumRanking in [.lastPlayed, .plays, .stars, .year(from: 2019, to: 2024),
                                                            .year(from: 2024, to: 2020), .year(from: 2021, to: 2021)] {
                    let expected = try reference(ranking, user)
                    for limit in [1, 2, 3, 5, 100] {
                        XCTAssertEqual(try music.albumIds(ranked: ranking, first: limit, for: user.userId), Array(expected.prefix(limit)),
                                       "\(moment): \(user.name) \(ranking) first \(limit)")
                    }
                }
                // `getPlaylists`: each source's playlist totals what its album totals, and the
                // likes playlist what its songs add up to, without reading the albums' or the songs' rows.
                XCTAssertEqual(try music.sourcePlaylists(for: user.userId).sorted { $0.sourceId < $1.sourceId },
                               try music.albums(for: user.userId).map(MusicLibrary.SourcePlaylist.init).sorted { $0.sourceId < $1.sourceId },
                               "\(moment): \(user.name)'s source playlists")
                XCTAssertEqual(try music.likesPlaylist(for: user.userId), MusicLibrary.LikesPlaylist(songs: try music.likedSongs(for: user.userId)),
                               "\(moment): \(user.name)'s likes playlist")
            }
        }
        try check("before any play")
        var steps: [String: Int] = [:]
        for step in 0..<160 {
            let user = users[roll(users.count)]
            let track = all[roll(all.count)]
            // Whole minutes: different tracks played at the same time tie.
            let now = 1_750_000_000 + Double(step / 3) * 60
            var operation = ""
            try h.database.write { db in
                switch roll(12) {
                case 0...4:
                    operation = "play"
                    try UserTrackStore.applyPlayback(.play, position: nil, to: track, for: user.userId, db, now: now)
                case 5, 6:
                    operation = "stars"
                    _ = try UserTrackStore.setStars(roll(6) == 0 ? nil : 1 + roll(5), of: track, for: user.userId, db)
                case 7:
                    operation = "album rating"
                    let album = roll(4) == 0 ? 0 : sources[roll(sources.count)]
                    try db.execute(sql: """
                        INSERT INTO user_annotations (user_id, item, rating) VALUES (?, ?, ?)
                        ON CONFLICT (user_id, item) DO UPDATE SET rating = excluded.rating
                        """, arguments: [user.userId, "album:\(album)", roll(4) == 0 ? nil : 1 + roll(5)])
                case 8:
                    operation = "hide"
                    _ = try UserTrackStore.setHidden(roll(3) != 0, track, for: user.userId, db)
                case 9:
                    operation = "trash"
                    try db.execute(sql: "UPDATE tracks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", arguments: [now, track])
                case 10:
                    operation = "restore"
                    try db.execute(sql: "UPDATE tracks SET deleted_at = NULL WHERE id = (SELECT id FROM tracks WHERE deleted_at IS NOT NULL ORDER BY id LIMIT 1)")
                default:
                    operation = "purge"
                    if let purged = try Int64.fetchOne(db, sql: "SELECT id FROM tracks WHERE deleted_at IS NOT NULL ORDER BY id DESC LIMIT 1") {
                        try db.execute(sql: "DELETE FROM tracks WHERE id = ?", arguments: [purged])
                        all.removeAll { $0 == purged }
                    }
                }
            }
            steps[operation, default: 0] += 1
            // Likes and unlikes beside the dice (their sequence stays the rankings' own).
            if step % 4 == 1 {
                try h.database.write { db in _ = try UserTrackStore.setRating(step % 12 == 9 ? 0 : 1, of: track, for: user.userId, db, now: Date(timeIntervalSince1970: now)) }
            }
            if step == 100 {
                // A source removed: its tracks (and their plays and stars) become album 0's.
                _ = try h.domain.sources.remove(added[1], deleteFiles: false)
                removedSource = true
            }
            if step % 20 == 19 { try check("after step \(step)") }
        }
        XCTAssertTrue(removedSource)
        for name in ["play", "stars", "album rating", "hide", "trash", "restore", "purge"] {
            XCTAssertGreaterThan(steps[name] ?? 0, 0, name)
        }
        // The playlists' totals met likes, and sources with a hidden live track (their exact path).
        XCTAssertGreaterThan(try users.map { try music.likesPlaylist(for: $0.userId).songCount }.max() ?? 0, 3)
        XCTAssertGreaterThan(try h.database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT coalesce(tracks.source_id, 0)) FROM user_tracks ut JOIN tracks ON tracks.id = ut.track_id
                WHERE ut.hidden_at IS NOT NULL AND tracks.deleted_at IS NULL
                """)!
        }, 1)
        // A hidden track that is its source's newest arrival: that source is totalled over its
        // visible tracks alone, as its album is.
        let newest = try h.database.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM tracks WHERE deleted_at IS NULL AND source_id IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1")!
        }
        _ = try h.domain.listening.setHidden(true, newest, by: ann)
        let endsHidden = try h.database.read { db in
            try Row.fetchAll(db, sql: MusicLibrary.sourcePlaylistsQuery(for: ann.userId).sql, arguments: [ann.userId]).filter { $0["ends_hidden"] as Bool? ?? false }.count
        }
        XCTAssertGreaterThan(endsHidden, 0)
        try check("after hiding a source's newest track")
        // The rankings were not empty or trivial: several albums in each, for someone.
        for ranking: MusicLibrary.AlbumRanking in [.lastPlayed, .plays, .stars, .year(from: 2019, to: 2024)] {
            XCTAssertGreaterThan(try users.map { try reference(ranking, $0).count }.max() ?? 0, 3, "\(ranking)")
        }
    }

    /// The whole pass sorted by its totals: what `getAlbumList2` answered before the rankings.
    private func reference(_ ranking: MusicLibrary.AlbumRanking, _ user: Principal) throws -> [Int64] {
        var albums = try h.domain.music.albums(for: user.userId)
        switch ranking {
        case .lastPlayed:
            albums = albums.filter { $0.lastPlayedAt != nil }
            albums.sort { $0.lastPlayedAt! > $1.lastPlayedAt! }
        case .plays:
            albums = albums.filter { $0.playCount > 0 }
            albums.sort { ($0.playCount, $0.sourceId) > ($1.playCount, $1.sourceId) }
        case .stars:
            albums = albums.filter { $0.stars != nil || $0.meanSongStars != nil }
            albums.sort { (Double($0.stars ?? 0), $0.meanSongStars ?? 0) > (Double($1.stars ?? 0), $1.meanSongStars ?? 0) }
        case .year(let from, let to):
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            albums = albums.filter { (min(from, to)...max(from, to)).contains(utc.component(.year, from: $0.newestUpload)) }
            albums.sort { from <= to ? $0.newestUpload < $1.newestUpload : $0.newestUpload > $1.newestUpload }
        }
        return albums.map(\.sourceId)
    }

    func testAlbumsCountWhatEachUserSeesHidingIsPersonalAndTheTrashIsEveryones() throws {
        let music = h.domain.music
        XCTAssertEqual(try music.albums(for: ann.userId).map(\.name), ["Aardvark Mix", "The Zebras"], "by name")
        _ = try h.domain.listening.setHidden(true, tracks[0], by: ann)
        try h.database.write { db in try db.execute(sql: "UPDATE tracks SET deleted_at = 1 WHERE id = ?", arguments: [self.tracks[1]]) }
        let annZebras = try XCTUnwrap(try music.album(channel, for: ann.userId))
        let bobZebras = try XCTUnwrap(try music.album(channel, for: bob.userId))
        XCTAssertEqual(annZebras.songCount, 3, "ann hid one, one is in the trash")
        XCTAssertEqual(bobZebras.songCount, 4, "the trash is everyone's, the hiding only ann's")
        XCTAssertEqual(annZebras.duration, 300)
        XCTAssertEqual(try music.songs(ofSource: channel, for: ann.userId).map(\.id), [tracks[4], tracks[3], tracks[2]], "newest upload first")
        XCTAssertEqual(try music.songs(ofSource: playlistSource, for: ann.userId).map(\.id), [tracks[6], tracks[5]], "a playlist by position")
        XCTAssertNil(try music.song(tracks[0], for: ann.userId))
        XCTAssertNotNil(try music.song(tracks[0], for: bob.userId))
        XCTAssertNil(try music.album(999, for: ann.userId))
    }

    func testAlbumsByNameMatchEveryWordWithoutCaseOrAccentsAndOnlyWhatTheUserSees() throws {
        let music = h.domain.music
        try h.database.write { db in
            try db.execute(sql: "INSERT INTO sources (url, title, added_at) VALUES ('https://a.test/e', 'Zébra Crossing', 1)")
        }
        XCTAssertEqual(try music.albums(named: ["zebra"], first: 10, for: ann.userId).map(\.name), ["The Zebras"],
                       "a source with no track is no album")
        XCTAssertEqual(try music.albums(named: ["ZEBRAS", "the"], first: 10, for: ann.userId).map(\.sourceId), [channel])
        XCTAssertEqual(try music.albums(named: [], first: 10, for: ann.userId).map(\.name), ["Aardvark Mix", "The Zebras"])
        XCTAssertEqual(try music.albums(named: [], first: 1, for: ann.userId).map(\.name), ["Aardvark Mix"])
        let same = try XCTUnwrap(try music.albums(named: ["mix"], first: 10, for: ann.userId).first)
        XCTAssertEqual(same.songCount, try XCTUnwrap(try music.album(playlistSource, for: ann.userId)).songCount)
        for track in tracks[5...] { _ = try h.domain.listening.setHidden(true, track, by: ann) }
        XCTAssertEqual(try music.albums(named: ["mix"], first: 10, for: ann.userId).count, 0, "ann hid all of it")
        XCTAssertEqual(try music.albums(named: ["mix"], first: 10, for: bob.userId).count, 1)
        try h.database.write { db in
            try db.execute(sql: "INSERT INTO sources (url, title, added_at) VALUES ('https://a.test/z', 'Zébra Two', 1)")
            try db.execute(sql: """
                INSERT INTO tracks (video_id, source_id, title, duration, file_path, size, mime_type, created_at)
                VALUES ('vz', ?, 'Z', 1, 'fz.m4a', 1, 'audio/mp4', 1)
                """, arguments: [db.lastInsertedRowID])
        }
        XCTAssertEqual(try music.albums(named: ["zebra"], first: 10, for: ann.userId).map(\.name), ["The Zebras", "Zébra Two"])
    }

    func testRandomSongsAreDistinctVisibleAndBoundedAndSearchPagesThroughEverything() throws {
        let music = h.domain.music
        _ = try h.domain.listening.setHidden(true, tracks[3], by: ann)
        for _ in 0..<20 {
            let picked = try music.randomSongs(count: 50, for: ann.userId).map(\.id)
            XCTAssertEqual(picked.count, Set(picked).count, "no song twice")
            XCTAssertFalse(picked.contains(tracks[3]), "never a song ann hid")
            XCTAssertLessThanOrEqual(picked.count, 6)
        }
        // Fewer than half the library asked: random seeks, still distinct and visible.
        var seen = Set<Int64>()
        for _ in 0..<40 {
            let two = try music.randomSongs(count: 2, for: ann.userId).map(\.id)
            XCTAssertEqual(two.count, 2)
            XCTAssertNotEqual(two.first, two.last)
            XCTAssertFalse(two.contains(tracks[3]))
            seen.formUnion(two)
        }
        XCTAssertGreaterThanOrEqual(seen.count, 4, "the picks spread over the library")
        let inYears = try music.randomSongs(count: 10, fromYear: 2022, toYear: 2023, for: ann.userId).map(\.id)
        XCTAssertEqual(Set(inYears), [tracks[1], tracks[2]], "uploads of 2022 and 2023")
        XCTAssertEqual(try music.searchSongs("sine", offset: 0, limit: 10, for: ann.userId).map(\.id), [tracks[2]])
        XCTAssertEqual(try music.searchSongs("qui", offset: 0, limit: 10, for: ann.userId).map(\.id), [tracks[2]], "the last word is a prefix")
        let all = try music.searchSongs("", offset: 0, limit: 4, for: ann.userId).map(\.id)
        let rest = try music.searchSongs("", offset: 4, limit: 4, for: ann.userId).map(\.id)
        XCTAssertEqual(all + rest, tracks.reversed().filter { $0 != tracks[3] }, "the empty query pages newest first")
    }

    func testStarsRatingsScrobblesAndBookmarksLandInTheWebAppsState() throws {
        let annotations = h.domain.annotations
        let music = h.domain.music
        try annotations.star([.song(tracks[2]), .album(channel), .artist(playlistSource)], by: ann)
        let liked = try XCTUnwrap(try h.domain.library.track(tracks[2], for: ann.userId))
        XCTAssertEqual(liked.state?.rating, 1, "a star is a like")
        XCTAssertEqual(try h.domain.library.likes(of: ann.userId).items.map(\.id), [tracks[2]])
        XCTAssertTrue(try h.domain.library.likes(of: bob.userId).items.isEmpty)
        let albums = try music.albums(for: ann.userId)
        XCTAssertNotNil(albums.first { $0.sourceId == channel }?.starredAt)
        XCTAssertNotNil(albums.first { $0.sourceId == playlistSource }?.artistStarredAt)
        XCTAssertNil(try music.albums(for: bob.userId).first { $0.sourceId == channel }?.starredAt)

        // One unknown id and nothing changes.
        XCTAssertThrowsError(try annotations.star([.song(tracks[3]), .song(999_999)], by: ann))
        XCTAssertEqual(try h.domain.library.track(tracks[3], for: ann.userId)?.state?.rating ?? 0, 0)

        _ = try h.domain.listening.setRating(-1, of: tracks[4], by: ann)
        try annotations.unstar([.song(tracks[2]), .song(tracks[4]), .album(channel)], by: ann)
        XCTAssertEqual(try h.domain.library.track(tracks[2], for: ann.userId)?.state?.rating, 0)
        XCTAssertEqual(try h.domain.library.track(tracks[4], for: ann.userId)?.state?.rating, -1, "unstarring leaves a dislike alone")
        XCTAssertNil(try music.albums(for: ann.userId).first { $0.sourceId == channel }?.starredAt)

        try annotations.rate(.song(tracks[2]), stars: 4, by: ann)
        try annotations.rate(.album(channel), stars: 5, by: ann)
        XCTAssertEqual(try music.song(tracks[2], for: ann.userId)?.state?.stars, 4)
        XCTAssertEqual(try music.album(channel, for: ann.userId)?.stars, 5)
        XCTAssertEqual(try music.album(channel, for: ann.userId)?.meanSongStars, 4)
        try annotations.rate(.song(tracks[2]), stars: 0, by: ann)
        XCTAssertNil(try music.song(tracks[2], for: ann.userId)?.state?.stars)
        XCTAssertThrowsError(try annotations.rate(.song(tracks[2]), stars: 6, by: ann))

        let heard = Date(timeIntervalSince1970: 1_700_000_000)
        try annotations.scrobble([(trackId: tracks[0], time: heard)], client: "DSub", by: ann)
        let history = try h.domain.library.history(of: ann.userId, limit: 10).items
        XCTAssertEqual(history.map(\.track.id), [tracks[0]])
        XCTAssertEqual(history.first?.track.state?.playCount, 1)
        let session = try h.database.read { try String.fetchOne($0, sql: "SELECT session || '|' || client_time FROM play_events") }
        XCTAssertEqual(session, "subsonic:DSub|1700000000.0")

        try annotations.setPosition(42.5, of: tracks[1], by: ann)
        Thread.sleep(forTimeInterval: 0.01)
        try annotations.setPosition(7, of: tracks[0], by: ann)
        XCTAssertEqual(try music.songsWithPositions(for: ann.userId).map(\.id), [tracks[0], tracks[1]], "the newest bookmark first")
        XCTAssertEqual(try h.domain.library.track(tracks[1], for: ann.userId)?.state?.lastPosition, 42.5)
        try annotations.clearPosition(of: tracks[1], by: ann)
        XCTAssertEqual(try music.songsWithPositions(for: ann.userId).map(\.id), [tracks[0]])
        XCTAssertTrue(try music.songsWithPositions(for: bob.userId).isEmpty)
    }

    func testTheQueueIsTheUsersQueueInTheWebAppsShape() throws {
        let annotations = h.domain.annotations
        try annotations.saveQueue(SavedQueue(ids: [tracks[2], tracks[0]], index: 1, position: 12.5, changedBy: "Tempo", changedAt: Date()), by: ann)
        let json = try XCTUnwrap(try h.domain.listening.queue(of: ann))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["ids"] as? [Int64], [tracks[2], tracks[0]])
        XCTAssertEqual(object["index"] as? Int, 1)
        XCTAssertEqual(try annotations.queue(of: ann)?.changedBy, "Tempo")
        XCTAssertNil(try annotations.queue(of: bob))
        XCTAssertThrowsError(try annotations.saveQueue(SavedQueue(ids: [999_999], index: 0, position: 0, changedBy: nil, changedAt: Date()), by: ann))
        XCTAssertEqual(try annotations.queue(of: ann)?.ids, [tracks[2], tracks[0]], "a refused save changes nothing")
    }

    func testPlaylistsKeepOrderRepeatsAndIndexesCountWhatTheUserSees() throws {
        let lists = h.domain.userPlaylists
        let id = try lists.create(name: "  Road trip ", trackIds: [tracks[0], tracks[1], tracks[0], tracks[2]], by: ann)
        _ = try h.domain.listening.setHidden(true, tracks[1], by: ann)
        var (list, songs) = try XCTUnwrap(try lists.playlist(id, for: ann))
        XCTAssertEqual(list.name, "Road trip")
        XCTAssertEqual(songs.map(\.id), [tracks[0], tracks[0], tracks[2]], "the hidden one is left out")
        XCTAssertEqual(list.songCount, 3)
        // Index 1 is the second song ann sees (the repeated one), not the hidden track.
        try lists.update(id, name: nil, comment: "for the car", isPublic: true, adding: [tracks[4]], removingIndexes: [1], by: ann)
        (list, songs) = try XCTUnwrap(try lists.playlist(id, for: ann))
        XCTAssertEqual(songs.map(\.id), [tracks[0], tracks[2], tracks[4]])
        XCTAssertEqual(list.comment, "for the car")
        _ = try h.domain.listening.setHidden(false, tracks[1], by: ann)
        XCTAssertEqual(try lists.playlist(id, for: ann)?.1.map(\.id), [tracks[0], tracks[1], tracks[2], tracks[4]], "kept while hidden")

        XCTAssertEqual(try lists.playlist(id, for: bob)?.1.count, 4, "public: bob reads it")
        XCTAssertThrowsError(try lists.delete(id, by: bob)) { XCTAssertTrue($0 is NotYours, "\($0)") }
        XCTAssertThrowsError(try lists.update(id, name: nil, comment: nil, isPublic: nil, adding: [], removingIndexes: [9], by: ann))
        XCTAssertThrowsError(try lists.create(name: "", trackIds: [], by: ann))
        XCTAssertThrowsError(try lists.create(name: "x", trackIds: [999_999], by: ann))
        try lists.update(id, name: nil, comment: nil, isPublic: false, adding: [], removingIndexes: [], by: ann)
        XCTAssertNil(try lists.playlist(id, for: bob), "private again")
        try lists.delete(id, by: ann)
        XCTAssertNil(try lists.playlist(id, for: ann))
    }

    func testSubsonicPasswordsOpenOnlyWithTheirKeyAndAReplacedKeyIsReported() throws {
        let passwords = h.domain.subsonicPasswords
        XCTAssertFalse(try passwords.hasPassword(ann))
        let password = try passwords.generate(for: ann)
        XCTAssertTrue(try passwords.hasPassword(ann))
        let check = passwords.authenticator(credentials: h.domain.credentials)
        let salt = "5a1t"
        let token = Hex.encode(Digest.md5(Array((password + salt).utf8)))
        let parameters = ["u": "ann", "t": token, "s": salt]
        guard case .success(let who) = try check.authenticate({ parameters[$0] }) else { return XCTFail("the token is refused") }
        XCTAssertEqual(who.account, ann)
        guard case .failure(let refusal) = try check.authenticate({ ["u": "ann", "p": "ann password"][$0] }) else {
            return XCTFail("the account password must not sign a Subsonic app in")
        }
        XCTAssertEqual(refusal.code, 40)
        let stored = try XCTUnwrap(try h.domain.accounts.user(ann.userId).subsonicPassword)
        XCTAssertNil(String(data: stored, encoding: .utf8)?.range(of: password), "sealed at rest")

        XCTAssertEqual(try passwords.checkServerKey(), 0, "the first start stores the fingerprint")
        XCTAssertEqual(try passwords.checkServerKey(), 0, "the same key: nothing to say")
        // The key file replaced: ann's password no longer opens, and that is counted once.
        let replaced = SubsonicPasswords(accounts: h.domain.accounts, database: h.database, key: ServerKey.generate(), logger: .init(label: "test"))
        XCTAssertFalse(try replaced.hasPassword(ann))
        XCTAssertEqual(try replaced.checkServerKey(), 1)
        XCTAssertEqual(try replaced.checkServerKey(), 0)
        guard case .failure = try replaced.authenticator(credentials: h.domain.credentials).authenticate({ parameters[$0] }) else {
            return XCTFail("a password sealed with another key must not open")
        }
    }

    func testAStreamIsConvertedOnlyWhenTheFileIsNotWhatThePlayerAsked() throws {
        let transcoding = h.domain.transcoding
        var track = Track(videoId: "x", sourceId: nil, title: "t", duration: 100, filePath: "a/t.m4a", size: 1_600_000, mimeType: "audio/mp4")
        // 1.6 MB over 100 s is 128 kbit/s.
        XCTAssertNil(try transcoding.plan(for: track, format: nil, maxBitRate: nil))
        XCTAssertNil(try transcoding.plan(for: track, format: "raw", maxBitRate: 64))
        XCTAssertNil(try transcoding.plan(for: track, format: nil, maxBitRate: 128), "the file keeps the limit")
        XCTAssertNil(try transcoding.plan(for: track, format: "m4a", maxBitRate: 0), "already AAC in MP4")
        XCTAssertEqual(try transcoding.plan(for: track, format: nil, maxBitRate: 96), .init(format: .mp3, bitRate: 96))
        XCTAssertEqual(try transcoding.plan(for: track, format: "mp3", maxBitRate: 128), .init(format: .mp3, bitRate: 128))
        XCTAssertEqual(try transcoding.plan(for: track, format: "opus", maxBitRate: nil), .init(format: .opus, bitRate: 128))
        XCTAssertEqual(try transcoding.plan(for: track, format: "mp3", maxBitRate: 8), .init(format: .mp3, bitRate: 32), "within the encoder's range")
        XCTAssertThrowsError(try transcoding.plan(for: track, format: "wav9", maxBitRate: nil))
        track.duration = nil
        XCTAssertEqual(try transcoding.plan(for: track, format: nil, maxBitRate: 320), .init(format: .mp3, bitRate: 192),
                       "a file of unknown rate is converted, never above the format's default")
    }
}
