import Foundation
import GRDB
import Logging
import SpoolStore
import XCTest
@testable import SpoolCore

/// The playlist files (issue 15, item 4) on a real SQLite file and a real library folder:
/// order, each user's likes, the trash, paths that resolve, whose files may be touched, names, unchanged
/// files, and how many writes a burst of changes costs.
final class PlaylistFilesTests: XCTestCase {
    /// A database, a library with real files, and the service over them.
    final class Fixture {
        let directory: String
        let database: SpoolDatabase
        let paths: LibraryPaths
        let hub = EventHub()
        let playlists: PlaylistFiles

        init(timing: PlaylistFiles.Timing = PlaylistFiles.Timing()) throws {
            directory = NSTemporaryDirectory() + "spool-playlists-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory + "/library", withIntermediateDirectories: true)
            database = try SpoolDatabase(options: DatabaseOptions(path: directory + "/tracks.db"))
            try database.migrate()
            paths = LibraryPaths(libraryDirectory: directory + "/library")
            playlists = PlaylistFiles(database: database, paths: paths, hub: hub, timing: timing, logger: Logger(label: "test"))
        }

        deinit {
            playlists.stop()
            try? database.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        var folder: String { playlists.folderPath }

        @discardableResult
        func source(_ title: String?) throws -> Int64 {
            try database.write { db in
                var source = Source(url: "https://fixture.test/\(UUID().uuidString)")
                source.title = title
                try source.insert(db)
                return source.id!
            }
        }

        /// A track with a real file at `<folder>/<title> [<video>].m4a`.
        @discardableResult
        func track(_ video: String, source: Int64?, title: String? = nil, folder: String = "Channel",
                   position: Int? = nil, listedBy: Int64? = nil, duration: Double? = 61.6, uploader: String? = "Uploader") throws -> Track {
            let title = title ?? "Title \(video)"
            let relative = LibraryNaming.safeName(folder) + "/" + LibraryNaming.safeName(title) + " [\(video)].m4a"
            let absolute = paths.absolute(relative)!
            try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            XCTAssertTrue(FileManager.default.createFile(atPath: absolute, contents: Data("audio \(video)".utf8)))
            return try database.write { db in
                var track = Track(videoId: video, sourceId: source, title: title, uploader: uploader, duration: duration,
                                  filePath: relative, size: 7, mimeType: "audio/mp4")
                try track.insert(db)
                if let position, let entrySource = listedBy ?? source {
                    var entry = SourceEntry(sourceId: entrySource, videoId: video, url: nil, position: position, title: title,
                                            duration: duration, uploadedAt: nil, seenAt: Date(), skipReason: nil)
                    try entry.insert(db)
                }
                return track
            }
        }

        func user(_ name: String) throws -> Int64 {
            try database.write { db in
                var user = User(name: name, role: .listener, passwordHash: nil)
                try user.insert(db)
                return user.id!
            }
        }

        /// `user` (the owner unless said) likes `track` at the given time.
        func like(_ track: Track, at time: Double, by user: Int64 = Principal.ownerId) throws {
            try sql("""
                INSERT INTO user_tracks (user_id, track_id, rating, liked_at) VALUES (?, ?, 1, ?)
                ON CONFLICT (user_id, track_id) DO UPDATE SET rating = 1, liked_at = excluded.liked_at
                """, [user, track.id, time])
        }

        func entry(_ video: String, source: Int64, position: Int, skipReason: String? = nil) throws {
            try database.write { db in
                var entry = SourceEntry(sourceId: source, videoId: video, url: nil, position: position, title: video,
                                        duration: nil, uploadedAt: nil, seenAt: Date(), skipReason: skipReason)
                try entry.insert(db)
            }
        }

        func sql(_ statement: String, _ arguments: StatementArguments = []) throws {
            try database.write { db in try db.execute(sql: statement, arguments: arguments) }
        }

        /// Runs a pass now, on this thread.
        @discardableResult
        func pass(_ work: PlaylistFiles.Work = PlaylistFiles.Work(everything: true)) throws -> PlaylistFiles.PassResult {
            try playlists.write(work)
        }

        func text(_ name: String) throws -> String {
            try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }

        /// The playlist's entries, each resolved against the playlist's folder as Navidrome,
        /// Jellyfin and mpv do.
        func entries(_ name: String) throws -> [String] {
            try text(name).split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                URL(fileURLWithPath: folder + "/" + line).standardizedFileURL.path
            }
        }

        func absolute(_ track: Track) -> String { paths.absolute(track.filePath)! }

        func files() -> Set<String> {
            Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        }

        func identity(_ name: String) throws -> (inode: UInt64, modified: Date) {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)
            return ((attributes[.systemFileNumber] as! NSNumber).uint64Value, attributes[.modificationDate] as! Date)
        }

        func wait(_ what: String, timeout: Double = 10, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if try condition() { return }
                Thread.sleep(forTimeInterval: 0.02)
            }
            XCTFail("timed out waiting for \(what)")
        }
    }

    func testASourceListsItsTracksInTheListingsOrderAndEveryLineResolves() throws {
        let f = try Fixture()
        let channel = try f.source("Spool Fixture Channel")
        let other = try f.source("Another Channel")
        // Inserted oldest first; the listing says newest first (position 1).
        let old = try f.track("v-old", source: channel, title: "AC/DC: Back/Slash Episode", position: 3)
        let middle = try f.track("v-mid", source: channel, title: "Ünïcødé — 日本語のタイトル 🎵 ça va?", position: 2)
        let new = try f.track("v-new", source: channel, position: 1)
        let unlisted = try f.track("v-unlisted", source: channel)
        let trashed = try f.track("v-trashed", source: channel, position: 4)
        try f.sql("UPDATE tracks SET deleted_at = 1 WHERE id = ?", [trashed.id])
        // Another source's track that this listing names comes in its place; one it skipped does not.
        let borrowed = try f.track("v-borrowed", source: other, folder: "Another Channel", position: 1)
        try f.entry("v-borrowed", source: channel, position: 5)
        let skipped = try f.track("v-skipped", source: other, folder: "Another Channel", position: 2)
        try f.entry("v-skipped", source: channel, position: 6, skipReason: "Shorter than 60 s")

        try f.pass()
        XCTAssertEqual(try f.entries("Spool Fixture Channel.m3u8"),
                       [new, middle, old, borrowed, unlisted].map(f.absolute))
        for path in try f.entries("Spool Fixture Channel.m3u8") {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
        }
        let lines = try f.text("Spool Fixture Channel.m3u8").split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(Array(lines.prefix(6)), [
            "#EXTM3U", "#PLAYLIST:Spool Fixture Channel", "# Written by Spool for source \(channel); edits are overwritten.",
            "#EXTINF:62,Uploader - Title v-new", "../Channel/Title v-new [v-new].m4a",
            "#EXTINF:62,Uploader - Ünïcødé — 日本語のタイトル 🎵 ça va?",
        ])
        XCTAssertEqual(lines.last, "", "the file ends with a line break")
        XCTAssertEqual(try f.entries("Another Channel.m3u8"), [borrowed, skipped].map(f.absolute),
                       "the other source lists its own tracks, whoever else lists them")
    }

    func testAnIncrementalResyncsStalePositionComesAfterTheFreshOne() throws {
        let f = try Fixture()
        let channel = try f.source("Channel")
        let stale = try f.track("v-stale", source: channel, position: 2)
        try f.sql("UPDATE source_entries SET last_seen_at = 1 WHERE video_id = 'v-stale'")
        let fresh = try f.track("v-fresh", source: channel, position: 2)
        let first = try f.track("v-first", source: channel, position: 1)
        try f.pass()
        XCTAssertEqual(try f.entries("Channel.m3u8"), [first, fresh, stale].map(f.absolute))
    }

    func testEachUsersLikesAreInTheOrderTheyLikedThemWithoutTheTrashOrWhatTheyHid() throws {
        let f = try Fixture()
        let channel = try f.source("Channel")
        let a = try f.track("a", source: channel)
        let b = try f.track("b", source: channel)
        let c = try f.track("c", source: channel)
        let d = try f.track("d", source: nil, folder: "Loose")
        let ben = try f.user("Ben")
        try f.like(a, at: 30)
        try f.like(b, at: 10)
        try f.like(c, at: 20)
        try f.like(d, at: 25)
        try f.sql("UPDATE tracks SET deleted_at = 40 WHERE id = ?", [c.id])
        try f.like(a, at: 5, by: ben)
        try f.like(b, at: 6, by: ben)
        try f.sql("UPDATE user_tracks SET hidden_at = 50 WHERE user_id = ? AND track_id = ?", [ben, b.id])
        try f.pass()
        XCTAssertEqual(try f.entries("Likes.m3u8"), [b, d, a].map(f.absolute), "the owner's")
        XCTAssertTrue(try f.text("Likes.m3u8").hasPrefix("#EXTM3U\n#PLAYLIST:Likes\n# Written by Spool for Likes of user 1; edits are overwritten.\n"))
        XCTAssertEqual(try f.entries("Likes - Ben.m3u8"), [a].map(f.absolute), "Ben's, without what Ben hid")
        XCTAssertTrue(try f.text("Likes - Ben.m3u8").contains("#PLAYLIST:Likes - Ben\n# Written by Spool for Likes of user \(ben);"))
        XCTAssertEqual(try f.entries("Channel.m3u8"), [a, b].map(f.absolute), "the trash is in no list; a hide is one user's")

        // Ben unlikes: his file goes. Ben is renamed: his file follows. The owner's stays.
        try f.sql("UPDATE users SET name = 'Benjamin' WHERE id = ?", [ben])
        try f.like(b, at: 7, by: ben)
        try f.sql("UPDATE user_tracks SET hidden_at = NULL WHERE user_id = ? AND track_id = ?", [ben, b.id])
        try f.pass(PlaylistFiles.Work(likes: [ben]))
        XCTAssertEqual(f.files(), ["Channel.m3u8", "Likes.m3u8", "Likes - Benjamin.m3u8"])
        XCTAssertEqual(try f.entries("Likes - Benjamin.m3u8"), [a, b].map(f.absolute))
        try f.sql("UPDATE user_tracks SET rating = 0, liked_at = NULL WHERE user_id = ?", [ben])
        try f.pass(PlaylistFiles.Work(likes: [ben]))
        XCTAssertEqual(f.files(), ["Channel.m3u8", "Likes.m3u8"])
    }

    func testAUsersOwnFilesAreNeverTouchedAndSpoolsStaleFilesGo() throws {
        let f = try Fixture()
        let channel = try f.source("Channel")
        let track = try f.track("a", source: channel)
        try FileManager.default.createDirectory(atPath: f.folder, withIntermediateDirectories: true)
        let mine = "#EXTM3U\n../Channel/Title a [a].m4a\n"
        try mine.write(toFile: f.folder + "/Mine.m3u8", atomically: true, encoding: .utf8)
        // A user's list that happens to carry a source's name, and one named Likes.
        try mine.write(toFile: f.folder + "/Channel.m3u8", atomically: true, encoding: .utf8)
        try mine.write(toFile: f.folder + "/likes.m3u8", atomically: true, encoding: .utf8)
        // Spool's files from before: a removed source, and this source under an old name.
        let stale = "#EXTM3U\n#PLAYLIST:Gone\n# Written by Spool for source 99; edits are overwritten.\n"
        try stale.replacingOccurrences(of: "source 99", with: "Likes of user 42")
            .write(toFile: f.folder + "/Likes - Gone.m3u8", atomically: true, encoding: .utf8)
        try stale.write(toFile: f.folder + "/Gone.m3u8", atomically: true, encoding: .utf8)
        try stale.replacingOccurrences(of: "source 99", with: "source \(channel)")
            .write(toFile: f.folder + "/Old name.m3u8", atomically: true, encoding: .utf8)

        try f.like(track, at: 1)
        let result = try f.pass()
        XCTAssertEqual(f.files(), ["Mine.m3u8", "Channel.m3u8", "likes.m3u8", "Channel [\(channel)].m3u8", "Likes [Spool].m3u8"])
        XCTAssertEqual(result.removed, 3, "a removed source's, a renamed source's, a removed user's")
        for name in ["Mine.m3u8", "Channel.m3u8", "likes.m3u8"] {
            XCTAssertEqual(try f.text(name), mine, "\(name) is the user's")
        }
        XCTAssertEqual(try f.entries("Channel [\(channel)].m3u8"), [f.absolute(track)])

        // The user removes their file: the name is free, and the list takes it (its old file goes).
        try FileManager.default.removeItem(atPath: f.folder + "/Channel.m3u8")
        try f.pass()
        XCTAssertEqual(f.files(), ["Mine.m3u8", "likes.m3u8", "Channel.m3u8", "Likes [Spool].m3u8"])
        XCTAssertEqual(try f.entries("Channel.m3u8"), [f.absolute(track)])
    }

    func testAnEmptiedOrRemovedSourceLosesItsFile() throws {
        let f = try Fixture()
        let kept = try f.source("Kept")
        let emptied = try f.source("Emptied")
        let removed = try f.source("Removed")
        _ = try f.source("Never synced")
        try f.track("k", source: kept)
        let e = try f.track("e", source: emptied)
        try f.track("r", source: removed)
        try f.pass()
        XCTAssertEqual(f.files(), ["Kept.m3u8", "Emptied.m3u8", "Removed.m3u8"], "no file for a source without tracks, nor for no likes")

        try f.sql("UPDATE tracks SET deleted_at = 1 WHERE id = ?", [e.id])
        try f.sql("DELETE FROM sources WHERE id = ?", [removed])
        try f.pass(PlaylistFiles.Work(sources: [emptied, removed]))
        XCTAssertEqual(f.files(), ["Kept.m3u8"])
    }

    func testTwoSourcesWithTheSameSafeTitleKeepTheirOwnFilesStably() throws {
        let f = try Fixture()
        let first = try f.source("AC/DC")
        let second = try f.source("AC-DC")
        let third = try f.source("ac-dc")
        let a = try f.track("a", source: first)
        let b = try f.track("b", source: second)
        let c = try f.track("c", source: third)
        try f.pass()
        XCTAssertEqual(try f.entries("AC-DC.m3u8"), [f.absolute(a)])
        XCTAssertEqual(try f.entries("AC-DC [\(second)].m3u8"), [f.absolute(b)])
        XCTAssertEqual(try f.entries("ac-dc [\(third)].m3u8"), [f.absolute(c)], "names differ case-insensitively")
        XCTAssertTrue(try f.text("AC-DC.m3u8").contains("#PLAYLIST:AC/DC\n"), "the list keeps the source's own title")

        // Emptying the first leaves the others where they are.
        try f.sql("UPDATE tracks SET deleted_at = 1 WHERE id = ?", [a.id])
        try f.pass()
        XCTAssertEqual(f.files(), ["AC-DC [\(second)].m3u8", "ac-dc [\(third)].m3u8"])
    }

    func testAnUnchangedListIsNotRewrittenAndAChangedOneIsReplaced() throws {
        let f = try Fixture()
        let channel = try f.source("Channel")
        try f.track("a", source: channel, position: 2)
        try f.pass()
        let before = try f.identity("Channel.m3u8")
        Thread.sleep(forTimeInterval: 0.05)
        let again = try f.pass()
        XCTAssertEqual(again.written, 0)
        let after = try f.identity("Channel.m3u8")
        XCTAssertEqual(after.inode, before.inode)
        XCTAssertEqual(after.modified, before.modified)

        // A hand edit is repaired; a new track replaces the file in one rename (a new inode).
        try "#EXTM3U\n# Written by Spool for source \(channel); edits are overwritten.\nedited\n"
            .write(toFile: f.folder + "/Channel.m3u8", atomically: false, encoding: .utf8)
        try f.pass()
        XCTAssertFalse(try f.text("Channel.m3u8").contains("edited"))
        let b = try f.track("b", source: channel, position: 1)
        let replaced = try f.identity("Channel.m3u8")
        try f.pass()
        XCTAssertNotEqual(try f.identity("Channel.m3u8").inode, replaced.inode)
        XCTAssertEqual(try f.entries("Channel.m3u8").first, f.absolute(b))
        XCTAssertEqual(f.files(), ["Channel.m3u8"], "no temporary file is left")
    }

    /// 200 tracks arriving in a burst cost one write, once the changes pause.
    func testABurstOfChangesIsWrittenOnceAfterItEnds() throws {
        let f = try Fixture(timing: PlaylistFiles.Timing(quietSeconds: 1, maximumDelaySeconds: 30))
        let channel = try f.source("Channel")
        f.playlists.start()
        try f.wait("the start-up pass") { f.playlists.passes == 1 }
        XCTAssertFalse(f.files().contains("Channel.m3u8"))
        for index in 0..<200 {
            let track = try f.track("v\(index)", source: channel, position: 200 - index)
            f.hub.publish(.trackAdded(LibraryTrack(track: track, sourceTitle: "Channel")))
        }
        try f.wait("the list") { f.files().contains("Channel.m3u8") }
        XCTAssertEqual(try f.entries("Channel.m3u8").count, 200)
        Thread.sleep(forTimeInterval: 1.2)
        XCTAssertEqual(f.playlists.passes, 2, "one pass for the whole burst")
        XCTAssertEqual(f.playlists.status.written, 1, "the channel, once")
    }

    /// Changes that never pause long enough are still written every `maximumDelaySeconds`.
    func testChangesThatKeepComingAreWrittenAtLeastEveryMaximumDelay() throws {
        let f = try Fixture(timing: PlaylistFiles.Timing(quietSeconds: 1, maximumDelaySeconds: 0.5))
        let channel = try f.source("Channel")
        f.playlists.start()
        try f.wait("the start-up pass") { f.playlists.passes == 1 }
        let started = Date()
        var index = 0
        while Date().timeIntervalSince(started) < 2 {
            let track = try f.track("v\(index)", source: channel, position: 1000 - index)
            f.hub.publish(.trackAdded(LibraryTrack(track: track, sourceTitle: "Channel")))
            index += 1
            Thread.sleep(forTimeInterval: 0.05)
        }
        let passes = f.playlists.passes - 1
        XCTAssertGreaterThanOrEqual(passes, 2, "written while a change came every 50 ms for 2 s")
        XCTAssertLessThanOrEqual(passes, 5, "not on every change (\(index) changes)")
        XCTAssertTrue(f.files().contains("Channel.m3u8"))
    }

    func testStopWritesWhatIsPending() throws {
        let f = try Fixture(timing: PlaylistFiles.Timing(quietSeconds: 60, maximumDelaySeconds: 60))
        let channel = try f.source("Channel")
        f.playlists.start()
        try f.wait("the start-up pass") { f.playlists.passes == 1 }
        let track = try f.track("a", source: channel)
        f.hub.publish(.trackAdded(LibraryTrack(track: track, sourceTitle: "Channel")))
        f.playlists.stop()
        XCTAssertEqual(try f.entries("Channel.m3u8"), [f.absolute(track)])
    }

    /// A path that would not resolve inside the library, or would split its entry, is left out;
    /// a title's line break cannot start a line of its own.
    func testOnlyPathsInsideTheLibraryOnOneLineAreListed() {
        for path in ["a/b.m4a", "a/.b.m4a", "a/.../b.m4a", "a/b..c.m4a", "Ünï/😀 [x].m4a"] {
            XCTAssertTrue(PlaylistDocument.isPlayable(path), path)
        }
        for path in ["", "/etc/passwd", "../x.m4a", "a/../../x.m4a", "a/./b.m4a", "a//b.m4a", "a/", "a/..", ".",
                     "a/b\n#EXTINF:1,x.m4a", "a/b\r.m4a", "a/b\0.m4a"] {
            XCTAssertFalse(PlaylistDocument.isPlayable(path), path)
        }
        var document = PlaylistDocument(name: "Two\nlines", owner: .source(3))
        XCTAssertFalse(document.append(filePath: "../outside.m4a", title: "x", artist: nil, duration: nil))
        XCTAssertTrue(document.append(filePath: "a/b.m4a", title: "Title\n../../etc/passwd", artist: "A\u{85}B", duration: .nan))
        XCTAssertEqual(document.text, """
            #EXTM3U
            #PLAYLIST:Two lines
            # Written by Spool for source 3; edits are overwritten.
            #EXTINF:-1,A B - Title ../../etc/passwd
            ../a/b.m4a

            """)
        XCTAssertEqual(document.count, 1)

        // An "Artist - Title" video whose artist tag was split from the title is not shown twice.
        document.append(filePath: "a/c.m4a", title: "Imagine Dragons - Believer", artist: "Imagine Dragons", duration: 204.4)
        document.append(filePath: "a/d.m4a", title: "Believer (Live)", artist: "Imagine Dragons", duration: 0.5)
        XCTAssertTrue(document.text.hasSuffix("""
            #EXTINF:204,Imagine Dragons - Believer
            ../a/c.m4a
            #EXTINF:1,Imagine Dragons - Believer (Live)
            ../a/d.m4a

            """), document.text)
    }

    func testTheMarkerNamesTheOwnerAndNothingElseDoes() {
        func owner(_ text: String) -> PlaylistOwner? { PlaylistDocument.owner(inHead: Data(text.utf8)) }
        XCTAssertEqual(owner("#EXTM3U\n#PLAYLIST:x\n# Written by Spool for source 12; edits are overwritten.\n"), .source(12))
        XCTAssertEqual(owner("#EXTM3U\r\n# Written by Spool for Likes of user 3; edits are overwritten.\r\n"), .likes(userId: 3))
        XCTAssertNil(owner("#EXTM3U\n# Written by Spool for Likes; edits are overwritten.\n"))
        XCTAssertNil(owner("#EXTM3U\n../a.m4a\n"))
        XCTAssertNil(owner("#EXTM3U\n# Written by Spool for source x; edits are overwritten.\n"))
        XCTAssertNil(owner("#EXTM3U\n#EXTINF:1,# Written by Spool for Likes; edits are overwritten.\n"))
        XCTAssertNil(owner(String(repeating: "#\n", count: 9) + "# Written by Spool for Likes; edits are overwritten.\n"),
                     "only the head counts: a user's list quoting the line further down stays theirs")
    }

    /// Through the domain: a delete, a restore and a like each reach the files.
    func testDeleteRestoreAndLikeThroughTheDomainChangeTheFiles() throws {
        let h = try DomainHarness { $0.playlistTiming = PlaylistFiles.Timing(quietSeconds: 0.1, maximumDelaySeconds: 1) }
        let playlists = try XCTUnwrap(h.domain.playlists)
        let id = try h.database.write { db in
            var source = Source(url: "https://fixture.test/channel")
            source.title = "Fixture"
            try source.insert(db)
            return source.id!
        }
        var tracks: [Track] = []
        for video in ["one", "two"] {
            let relative = "Fixture/\(video) [\(video)].m4a"
            let absolute = h.domain.files.paths.absolute(relative)!
            try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: absolute, contents: Data(video.utf8))
            tracks.append(try h.database.write { db in
                var track = Track(videoId: video, sourceId: id, title: video, filePath: relative, size: 3, mimeType: "audio/mp4")
                try track.insert(db)
                return track
            })
        }
        try h.domain.start()
        let list = playlists.folderPath + "/Fixture.m3u8", likes = playlists.folderPath + "/Likes.m3u8"
        func lines(_ path: String) -> [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        }
        try h.wait("the start-up pass") { lines(list).count == 2 ? true : nil }

        _ = try h.domain.trash.delete(tracks[0].id!)
        try h.wait("the delete") { lines(list) == ["../Fixture/two [two].m4a"] ? true : nil }
        _ = try h.domain.trash.restore(tracks[0].id!)
        try h.wait("the restore") { lines(list).count == 2 ? true : nil }
        let owner = try h.domain.accounts.principal(of: h.domain.accounts.user(Principal.ownerId))
        _ = try h.domain.listening.setRating(1, of: tracks[1].id!, by: owner)
        try h.wait("the like") { lines(likes) == ["../Fixture/two [two].m4a"] ? true : nil }
    }
}
