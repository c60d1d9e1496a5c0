import Foundation
import GRDB
import SpoolJobs
import SpoolStore
import SpoolYtDlp
import XCTest
@testable import SpoolCore

/// A source's rules as the domain applies them (issue 14), on a real SQLite file: profiles
/// turned into yt-dlp arguments, filters on listing entries, pause and schedule, retention's
/// batches, "already added" by URL key, a single video under its channel's source, and a
/// source's tracks in its order. The end-to-end proofs with the real yt-dlp are in
/// `Tests/e2e/test_sources.py`.
final class SourceRulesTests: XCTestCase {
    private func value(after flag: String, in arguments: [String]) -> String? {
        arguments.firstIndex(of: flag).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
    }

    private func profile(_ media: ProfileMedia, _ change: (inout Profile) -> Void = { _ in }) -> Profile {
        var profile = Profile(name: "p")
        profile.media = media
        change(&profile)
        return profile
    }

    // MARK: - Profiles

    func testAVideoProfileAsksForItsHeightAndKeepsTheVideo() {
        let base = YtDlpOptions(cookiesFile: "/c.txt")
        let options = ProfileService.options(for: profile(.video) { $0.maxHeight = 720 }, base: base)
        let arguments = YtDlpArguments.download("https://a.test/v", into: "/p", options: options)
        XCTAssertEqual(value(after: "-f", in: arguments), "bv*[height<=720]+ba/b[height<=720]/b")
        XCTAssertFalse(arguments.contains("-x"), "a video profile keeps the video")
        XCTAssertNil(value(after: "--audio-format", in: arguments))
    }

    func testAFormatOverrideWinsOverTheCodecAndTheHeight() {
        for media in ProfileMedia.allCases {
            let options = ProfileService.options(for: profile(media) { $0.maxHeight = 480; $0.format = "251/140" }, base: YtDlpOptions())
            let arguments = YtDlpArguments.download("https://a.test/v", into: "/p", options: options)
            XCTAssertEqual(arguments.filter { $0 == "-f" }.count, 1, "\(media)")
            XCTAssertEqual(value(after: "-f", in: arguments), "251/140", "\(media)")
        }
    }

    func testCookiesOffLeavesTheCookiesFileOutOfEveryCall() {
        let base = YtDlpOptions(cookiesFile: "/secrets/cookies.txt")
        let on = ProfileService.options(for: profile(.audio), base: base)
        let off = ProfileService.options(for: profile(.audio) { $0.useCookies = false }, base: base)
        XCTAssertEqual(value(after: "--cookies", in: YtDlpArguments.download("https://a.test/v", into: "/p", options: on)), "/secrets/cookies.txt")
        XCTAssertFalse(YtDlpArguments.download("https://a.test/v", into: "/p", options: off).contains("--cookies"))
        XCTAssertFalse(YtDlpArguments.listing("https://a.test/c", options: off).contains("--cookies"))
    }

    /// The embed switches and a profile change reach the next download's plan, which is read
    /// when the download starts (a job queued before the change follows it).
    func testTheDownloadPlanFollowsTheSourcesCurrentProfile() throws {
        let h = try DomainHarness()
        var input = ProfileService.Input()
        input.name = "Plain mp3"
        input.audioCodec = "mp3"
        input.embedMetadata = false
        input.embedThumbnail = false
        let plain = try h.domain.profiles.create(input)
        var options = SourceService.AddOptions()
        options.paused = true
        let id = try h.domain.sources.add(url: "https://fixture.test/channel", options: options).snapshot.source.id!
        let before = try DownloadPlan.read(sourceId: id, database: h.database, profiles: h.domain.profiles)
        XCTAssertEqual(before.options.audioFormat, "m4a")
        XCTAssertTrue(before.tagMetadata && before.embedCover)
        var change = SourceService.Changes()
        change.profileId = plain.id
        _ = try h.domain.sources.update(id, change)
        let after = try DownloadPlan.read(sourceId: id, database: h.database, profiles: h.domain.profiles)
        XCTAssertEqual(after.options.audioFormat, "mp3")
        XCTAssertFalse(after.tagMetadata, "embed_metadata off: no tags written")
        XCTAssertFalse(after.embedCover, "embed_thumbnail off: no cover in the file")
    }

    /// The default profile takes `AUDIO_FORMAT`, `YTDLP_FORMAT` and `YTDLP_EXTRA_ARGS` at every
    /// start until someone edits it; after that the settings no longer change it.
    func testTheDefaultProfileFollowsTheSettingsUntilEdited() throws {
        let h = try DomainHarness()
        let profiles = h.domain.profiles
        let id = try profiles.list().first { $0.isDefault }!.id!
        try profiles.followSettings(audioFormat: "opus", format: "bestaudio[abr<=160]", extraArguments: ["--sleep-requests", "1"])
        var row = try profiles.profile(id)
        XCTAssertEqual(row.audioCodec, "opus")
        XCTAssertEqual(row.format, "bestaudio[abr<=160]")
        XCTAssertEqual(row.extraArgs, #"["--sleep-requests","1"]"#)
        try profiles.followSettings(audioFormat: nil, format: nil, extraArguments: [])
        XCTAssertEqual(try profiles.profile(id).media, .video, "no AUDIO_FORMAT: the media is kept")
        try profiles.followSettings(audioFormat: "mp3", format: nil, extraArguments: ["--exec", "rm"])
        row = try profiles.profile(id)
        XCTAssertEqual(row.audioCodec, "mp3")
        XCTAssertEqual(row.extraArgs, "[]", "extra arguments a profile refuses are not taken from the settings")
        var edit = ProfileService.Input()
        edit.audioQuality = "2"
        _ = try profiles.update(id, edit)
        try profiles.followSettings(audioFormat: "flac", format: "ba", extraArguments: [])
        row = try profiles.profile(id)
        XCTAssertEqual(row.audioCodec, "mp3", "an edited default keeps the user's choice")
        XCTAssertNil(row.format)
    }

    // MARK: - Filters

    private func entry(_ id: String, title: String? = nil, url: String? = nil, duration: Double? = 300,
                       live: String? = nil) throws -> ListingEntry {
        var object: [String: Any] = ["id": id, "url": url ?? "https://a.test/watch?v=\(id)", "title": title ?? "Title \(id)"]
        if let duration { object["duration"] = duration }
        if let live { object["live_status"] = live }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try ListingEntry(jsonLine: String(decoding: data, as: UTF8.self))
    }

    func testEachFilterSkipsItsEntriesWithItsReason() throws {
        var filters = SourceFilters()
        filters.titleInclude = "^(live|talk)"
        filters.maxDuration = 3600
        filters.includeShorts = false
        filters.includeLivestreams = false
        let compiled = try filters.validate().compiled()
        let table: [(ListingEntry, String?)] = [
            (try entry("a", title: "Talk: Swift 6"), nil),
            (try entry("b", title: "TALK in capitals"), nil),
            (try entry("c", title: "A talk, not first"), "Title does not match '^(live|talk)'"),
            (try entry("d", title: "Talk of three hours", duration: 3 * 3600), "Longer than 3600 s"),
            (try entry("e", title: "Talk with no length", duration: nil), nil),
            (try entry("f", title: "Talk, a YouTube short", url: "https://www.youtube.com/shorts/f", duration: 45), "A short"),
            (try entry("g", title: "Talk of 50 s elsewhere", duration: 50), "A short"),
            (try entry("h", title: "Talk of 61 s", duration: 61), nil),
            (try entry("i", title: "Live now", live: "is_live"), "A live stream"),
            (try entry("j", title: "Live, recorded", live: "was_live"), "A live stream"),
            (try entry("k", title: "Live coming", live: "is_upcoming"), "A live stream"),
            (try entry("l", title: "Live in name only", live: "not_live"), nil),
        ]
        for (index, (entry, reason)) in table.enumerated() {
            XCTAssertEqual(compiled.skipReason(for: entry, index: index + 1), reason, entry.title)
        }
        // What the listing lacks is checked when the video is downloaded, by yt-dlp.
        XCTAssertEqual(filters.downloadTimeFilter(duration: nil, uploadedAt: 1),
                       "duration<=3600 & duration>60 & !is_live & live_status!=was_live")
        filters.includeShorts = nil
        filters.includeLivestreams = nil
        XCTAssertNil(filters.downloadTimeFilter(duration: 30, uploadedAt: 1), "the listing had the duration")
    }

    /// `max_items` of a channel keeps the newest N (its listing is newest first); of a playlist
    /// the first N in the playlist's order, said so in the reason.
    func testMaxItemsKeepsTheNewestOfAChannelAndTheFirstOfAPlaylist() throws {
        var filters = SourceFilters()
        filters.maxItems = 2
        let e = try entry("x")
        XCTAssertNil(filters.compiled(for: .channel).skipReason(for: e, index: 2))
        XCTAssertEqual(filters.compiled(for: .channel).skipReason(for: e, index: 3), "Beyond the newest 2")
        XCTAssertNil(filters.compiled(for: .playlist).skipReason(for: e, index: 1))
        XCTAssertEqual(filters.compiled(for: .playlist).skipReason(for: e, index: 3), "Beyond the first 2 of the playlist")
    }

    // MARK: - Pause and schedule

    /// The scheduler's sweep queues a sync of every due source but the paused ones (and single
    /// videos, which have no next sync).
    func testTheDueSourcesSweepSkipsPausedSources() throws {
        let h = try DomainHarness()
        var paused = SourceService.AddOptions()
        paused.paused = true
        let held = try h.domain.sources.add(url: "https://fixture.test/held", options: paused).snapshot.source.id!
        let resumed = try h.domain.sources.add(url: "https://fixture.test/resumed", options: paused).snapshot.source.id!
        var resume = SourceService.Changes()
        resume.paused = false
        _ = try h.domain.sources.update(resumed, resume)
        XCTAssertTrue(try h.domain.queue.jobs(kind: JobKind.sourceSync.rawValue).isEmpty, "added paused: no sync yet")
        h.domain.sources.syncDueSources(now: Date().addingTimeInterval(1))
        let syncs = try h.domain.queue.jobs(kind: JobKind.sourceSync.rawValue)
        XCTAssertEqual(syncs.map(\.sourceId), [resumed])
        XCTAssertEqual(syncs.first?.priority, 5, "a due sync goes before downloads, after a click")
        XCTAssertFalse(syncs.contains { $0.sourceId == held })
    }

    /// A sync of a paused source (the user's "Sync now") records and queues what is new, held:
    /// the queue claims by `run_after`, so none of them starts until the source is resumed.
    func testAPausedSourcesSyncQueuesItsDownloadsHeld() throws {
        let h = try DomainHarness()
        DomainHarness.fake("listing", ["FAKE_YTDLP_LISTING": try h.listing(["p1", "p2", "p3"])])
        var paused = SourceService.AddOptions()
        paused.paused = true
        let id = try h.domain.sources.add(url: "https://fixture.test/paused", options: paused).snapshot.source.id!
        let sync = try h.domain.sources.requestSync(of: id, full: true)
        try h.domain.start()
        _ = try h.waitForJob(sync.id!, in: [.completed])
        h.domain.stop()
        let downloads = try h.domain.queue.jobs(kind: JobKind.download.rawValue)
        XCTAssertEqual(downloads.count, 3)
        XCTAssertTrue(downloads.allSatisfy { $0.status == .pending && $0.runAfter.timeIntervalSince1970 == SourceService.heldUntil },
                      "\(downloads.map(\.runAfter))")
        var resume = SourceService.Changes()
        resume.paused = false
        _ = try h.domain.sources.update(id, resume)
        XCTAssertTrue(try h.domain.queue.jobs(kind: JobKind.download.rawValue).allSatisfy { $0.runAfter <= Date() }, "resumed: due now")
    }

    // MARK: - Retention

    private func tracks(_ h: DomainHarness, source: Int64, count: Int) throws {
        for index in 0..<count {
            let relative = "Fixture/t\(index) [t\(index)].m4a"
            let absolute = h.domain.files.paths.absolute(relative)!
            try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: absolute, contents: Data("t\(index)".utf8))
            try h.database.write { db in
                var track = Track(videoId: "t\(index)", sourceId: source, title: "t\(index)", filePath: relative, size: 2,
                                  mimeType: "audio/mp4", uploadedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 86_400))
                try track.insert(db)
            }
        }
    }

    /// A sweep moves at most 25 tracks of a source (each is two writes and a few renames, so a
    /// sweep never holds the machine), none while downloads run, oldest first, with the reason.
    func testRetentionMovesABatchPerSweepOldestFirstAndNothingWhileBusy() throws {
        let h = try DomainHarness()
        var options = SourceService.AddOptions()
        options.paused = true
        var rules = RetentionRules()
        rules.keepNewest = 2
        options.retention = rules
        let id = try h.domain.sources.add(url: "https://fixture.test/retained", options: options).snapshot.source.id!
        try tracks(h, source: id, count: 30)
        let candidates = try h.domain.retention.candidates(of: id, limit: 100)
        XCTAssertEqual(candidates.count, 28)
        XCTAssertEqual(candidates.first?.track.track.videoId, "t0", "oldest first")
        XCTAssertEqual(Set(candidates.map(\.reason)), ["Beyond the newest 2"])

        XCTAssertEqual(try h.domain.retention.sweep(isIdle: { false }), 0, "downloads running: nothing moves")
        XCTAssertEqual(try h.domain.retention.sweep(), 25, "one batch")
        XCTAssertEqual(try h.domain.retention.count(of: id), 3)
        XCTAssertEqual(try h.domain.retention.sweep(), 3)
        let left = try h.database.read { try String.fetchAll($0, sql: "SELECT video_id FROM tracks WHERE deleted_at IS NULL ORDER BY video_id") }
        XCTAssertEqual(left, ["t28", "t29"])
        let tombstones = try h.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM tombstones") }
        XCTAssertEqual(tombstones, 28, "a re-sync does not fetch them again")
    }

    // MARK: - Already added

    func testAnotherSpellingOfASourceNamesTheOneThatIsThere() throws {
        let h = try DomainHarness()
        var paused = SourceService.AddOptions()
        paused.paused = true
        let first = try h.domain.sources.add(url: "https://www.youtube.com/@SomeChannel/videos", options: paused)
        XCTAssertTrue(first.created)
        let id = first.snapshot.source.id!
        XCTAssertEqual(first.snapshot.source.urlKey, "youtube.com/@somechannel")
        let again = try h.domain.sources.add(url: "https://www.youtube.com/@SomeChannel/videos", options: paused)
        XCTAssertFalse(again.created, "the same text: the source itself (a double click)")
        for spelling in ["https://m.youtube.com/@somechannel?si=x", "youtube.com/@SomeChannel/", "https://youtube.com/@SomeChannel/featured"] {
            XCTAssertThrowsError(try h.domain.sources.add(url: spelling, options: paused), spelling) { error in
                XCTAssertEqual(error as? SourceService.AlreadyAdded,
                               SourceService.AlreadyAdded(existingId: id, existingURL: "https://www.youtube.com/@SomeChannel/videos"))
            }
        }
        XCTAssertEqual(try h.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sources") }, 1)
        XCTAssertTrue(try h.domain.sources.add(url: "https://www.youtube.com/@SomeChannel/shorts", options: paused).created,
                      "the Shorts tab is another listing")
    }

    /// Sources written before v12 get their keys at start; of two with one key, the older keeps it.
    func testOldSourcesGetTheirKeysAtStart() throws {
        let h = try DomainHarness()
        let ids = try h.database.write { db in
            try ["https://www.youtube.com/@old", "https://youtube.com/@old/videos", "https://example.com/feed.xml?utm_source=x"].map { url in
                var source = Source(url: url)
                try source.insert(db)
                return source.id!
            }
        }
        try h.domain.sources.fillURLKeys()
        let keys = try h.database.read { db in try String?.fetchAll(db, sql: "SELECT url_key FROM sources ORDER BY id") }
        XCTAssertEqual(keys, ["youtube.com/@old", nil, "example.com/feed.xml"])
        XCTAssertThrowsError(try h.domain.sources.add(url: "https://m.youtube.com/@old")) { error in
            XCTAssertEqual((error as? SourceService.AlreadyAdded)?.existingId, ids[0])
        }
    }

    // MARK: - A single video under its channel's source

    /// A video added on its own that a source already lists (here skipped by that source's
    /// `max_items`) is downloaded as a track of that source, and its entry there is no longer
    /// skipped.
    func testASingleVideoOfAListedChannelGoesUnderThatChannel() throws {
        let h = try DomainHarness()
        var options = SourceService.AddOptions()
        var filters = SourceFilters()
        filters.maxItems = 1
        options.filters = filters
        options.paused = true
        let channel = try h.domain.sources.add(url: "https://fixture.test/channel", options: options).snapshot.source.id!
        DomainHarness.fake("listing", ["FAKE_YTDLP_LISTING": try h.listing(["c1", "c2"])])
        let channelSync = try h.domain.sources.requestSync(of: channel, full: true)
        try h.domain.start()
        _ = try h.waitForJob(channelSync.id!, in: [.completed])
        let single = directoryFile(h, #"{"_type":"url","id":"c2","url":"https://fixture.test/c2","title":"Title c2","duration":2,"channel":"Fixture"}"#)
        DomainHarness.fake("listing", ["FAKE_YTDLP_LISTING": single])
        var paused = SourceService.AddOptions()
        paused.paused = true
        let video = try h.domain.sources.add(url: "https://fixture.test/c2", options: paused).snapshot.source.id!
        let videoSync = try h.domain.sources.requestSync(of: video, full: true)
        _ = try h.waitForJob(videoSync.id!, in: [.completed])
        h.domain.stop()
        let download = try XCTUnwrap(try h.domain.queue.jobs(kind: JobKind.download.rawValue).first { $0.videoId == "c2" })
        XCTAssertEqual(download.sourceId, channel, "the track will be the channel's")
        let reason = try h.database.read { db in
            try String?.fetchOne(db, sql: "SELECT skip_reason FROM source_entries WHERE source_id = ? AND video_id = 'c2'", arguments: [channel])
        }
        XCTAssertEqual(reason, .some(nil), "no longer skipped in the channel")
        XCTAssertEqual(try h.domain.sources.snapshot(video).source.kind, .video)
    }

    /// A video its channel's source has not listed yet (newer than its last sync) goes there by
    /// the channel's id: the listing's `channel_id` is the channel source's `remote_id`.
    func testASingleVideoGoesUnderTheSourceOfItsChannelById() throws {
        let h = try DomainHarness()
        var paused = SourceService.AddOptions()
        paused.paused = true
        let channel = try h.domain.sources.add(url: "https://www.youtube.com/@fixture", options: paused).snapshot.source.id!
        try h.database.write { db in
            try db.execute(sql: "UPDATE sources SET remote_id = 'UCfixture', title = 'Fixture' WHERE id = ?", arguments: [channel])
        }
        let line = #"{"_type":"url","id":"n1","url":"https://fixture.test/n1","title":"New","duration":200,"channel":"Fixture","channel_id":"UCfixture"}"#
        DomainHarness.fake("listing", ["FAKE_YTDLP_LISTING": directoryFile(h, line)])
        let video = try h.domain.sources.add(url: "https://fixture.test/n1", options: paused).snapshot.source.id!
        let sync = try h.domain.sources.requestSync(of: video, full: true)
        try h.domain.start()
        _ = try h.waitForJob(sync.id!, in: [.completed])
        h.domain.stop()
        let download = try XCTUnwrap(try h.domain.queue.jobs(kind: JobKind.download.rawValue).first { $0.videoId == "n1" })
        XCTAssertEqual(download.sourceId, channel)
    }

    private func directoryFile(_ h: DomainHarness, _ line: String) -> String {
        let path = h.directory + "/single-\(UUID().uuidString).jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data((line + "\n").utf8))
        return path
    }

    // MARK: - A source's tracks in its order

    /// `sort=position`: a source's tracks in its listing's order, a page at a time by keyset,
    /// walking `source_entries_listing` without sorting.
    func testASourcesTracksPageInItsOrderByItsListingIndex() throws {
        let h = try DomainHarness()
        var paused = SourceService.AddOptions()
        paused.paused = true
        let id = try h.domain.sources.add(url: "https://www.youtube.com/playlist?list=PLorder", options: paused).snapshot.source.id!
        // Tracks inserted in one order (ids), listed in another (positions), one without a position.
        let positions: [(String, Int?)] = [("v-a", 3), ("v-b", 1), ("v-c", nil), ("v-d", 2), ("v-e", 5), ("v-f", 4)]
        try h.database.write { db in
            for (video, position) in positions {
                var track = Track(videoId: video, sourceId: id, title: video, filePath: "\(video).m4a", size: 1, mimeType: "audio/mp4")
                try track.insert(db)
                try db.execute(sql: """
                    INSERT INTO source_entries (source_id, video_id, url, position, title, first_seen_at, last_seen_at)
                    VALUES (?, ?, ?, ?, ?, 0, 0)
                    """, arguments: [id, video, "https://a.test/\(video)", position, video])
            }
        }
        var filter = TrackLibrary.Filter(userId: 1)
        filter.sourceId = id
        filter.inSourceOrder = true
        filter.limit = 2
        var seen: [String] = []
        for _ in 0..<4 {
            let page = try h.domain.library.tracks(filter)
            seen += page.items.map(\.track.videoId)
            guard let next = page.next else { break }
            filter.after = next
        }
        XCTAssertEqual(seen, ["v-b", "v-d", "v-a", "v-f", "v-e", "v-c"])

        let plan = try h.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + (try h.domain.library.pageQueries(filter)[0].sql),
                             arguments: try h.domain.library.pageQueries(filter)[0].arguments).map { $0["detail"] as String }
        }
        XCTAssertTrue(plan.contains { $0.contains("USING INDEX source_entries_listing") }, "\(plan)")
        XCTAssertFalse(plan.contains { $0.contains("TEMP B-TREE") }, "no sort of the source's tracks: \(plan)")

        var library = TrackLibrary.Filter(userId: 1)
        library.inSourceOrder = true
        XCTAssertThrowsError(try h.domain.library.tracks(library)) { error in
            guard case .invalid(let field, _)? = error as? DomainError else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "sort")
        }
    }
}
