import Foundation
import GRDB
import SpoolStore

/// Fills an empty Spool database, migrated by Spool's own migrations, to a given size with a
/// library that looks used: sources of very different sizes (a few channels hold thousands of
/// tracks, most a few dozen), ~5 % liked and ~1 % disliked tracks, ~2 % in the trash with their
/// tombstones, play counts that follow the play events, every track listed in its source's
/// entries (plus skipped ones), and jobs in every status — the finished downloads of every
/// track, failures of each kind, a paused source's held downloads, retries waiting, and the
/// long history of completed syncs. The listening state (ratings, counts, positions, ~0.5 %
/// hidden tracks, the play events) is the owner's (user 1, whom migration v7 creates).
///
/// It writes rows directly in big transactions (the writer path is what it must not measure),
/// but through the schema's triggers, so the search index and the counters are what Spool
/// itself would have. The same size and seed always give the same database.
///
/// ```swift
/// let database = try SpoolDatabase(options: DatabaseOptions(path: path))
/// try database.migrate()
/// try LibrarySeed(size: .large).fill(database) { print($0) }
/// ```
public struct LibrarySeed: Sendable {
    public var size: SeedSize
    public var seed: UInt64
    /// The moment the library is seen from: every time in it is before.
    public var now: Date
    /// Rows per transaction: big enough that commits cost nothing, small enough that the WAL
    /// stays a few tens of megabytes.
    public var rowsPerTransaction = 50_000

    public init(size: SeedSize, seed: UInt64 = 19, now: Date = Date()) {
        self.size = size
        self.seed = seed
        self.now = now
    }

    /// What the seed wrote.
    public struct Report: Sendable, CustomStringConvertible {
        public var tables: [(name: String, rows: Int)] = []
        public var seconds: Double = 0

        public var description: String {
            tables.map { "\($0.name) \($0.rows)" }.joined(separator: ", ") + String(format: " (%.1f s)", seconds)
        }
    }

    /// A `run_after` far beyond any real schedule: what a paused source's downloads wait for
    /// (`SourceService.heldUntil`).
    static let heldUntil = 4_102_444_800.0

    private struct TrackRow {
        var id: Int64
        var videoId: String
        var sourceIndex: Int?
        var title: String
        var duration: Double
        var createdAt: Double
        var uploadedAt: Double
        var rating = 0
        var likedAt: Double?
        var deletedAt: Double?
        var playCount = 0
        var skipCount = 0
        var lastPosition: Double?
        var lastPlayedAt: Double?
        var hiddenAt: Double?

        /// Whether the owner has a `user_tracks` row for it (v7 writes one only for state).
        var hasState: Bool {
            rating != 0 || playCount > 0 || skipCount > 0 || lastPosition != nil || lastPlayedAt != nil || hiddenAt != nil
        }
    }

    private struct SourceRow {
        var id: Int64
        var title: String
        var url: String
        var kind: String
        var profileId: Int64
        var paused: Bool
        var listed = 0
    }

    private struct JobRow {
        var kind: String
        var status: JobStatus
        var sourceIndex: Int?
        var videoId: String?
        var title: String
        var payload: String
        var priority = 0
        var attempts = 1
        var createdAt: Double
        var finishedAt: Double?
        var runAfter: Double
        var errorClass: JobErrorClass?
        var lastError: String?
    }

    /// Fills `database`, which must hold no tracks, jobs or sources yet.
    @discardableResult
    public func fill(_ database: SpoolDatabase, progress: (String) -> Void = { _ in }) throws -> Report {
        let started = Date()
        let empty = try database.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM tracks) + (SELECT count(*) FROM jobs) + (SELECT count(*) FROM sources)") == 0
        }
        guard empty else { throw SeedError.notEmpty }
        var random = SeedRandom(seed: seed)
        let nowSeconds = now.timeIntervalSince1970
        let day = 86_400.0

        // Sources: a few big ones, many small (Zipf over a shuffled order).
        var sources: [SourceRow] = (0..<size.sources).map { index in
            let id = Int64(index + 1)
            let isPlaylist = index % 10 == 9
            return SourceRow(
                id: id, title: "Seed \(isPlaylist ? "Playlist" : "Channel") \(id): \(Words.phrase(&random, count: 2))",
                url: isPlaylist ? "https://www.youtube.com/playlist?list=PLseed\(id)" : "https://www.youtube.com/@seed-channel-\(id)/videos",
                kind: isPlaylist ? "playlist" : "channel", profileId: index % 7 == 6 ? 2 : 1,
                paused: size.sources > 1 && (index % 20 == 19 || (size.sources < 20 && index == size.sources - 1)))
        }
        let sourceOrder = (0..<size.sources).shuffled(using: &random)
        let sourceDraw = ZipfTable(count: size.sources, exponent: 0.9)
        func drawSource() -> Int { sourceOrder[sourceDraw.draw(&random)] }

        // Tracks: downloaded over two years, ids in download order.
        let span = 730 * day
        var tracks: [TrackRow] = (0..<size.tracks).map { index in
            let created = nowSeconds - span + span * Double(index) / Double(max(1, size.tracks)) + random.double(0..<60)
            let sourceIndex: Int? = random.chance(0.01) || size.sources == 0 ? nil : drawSource()
            var track = TrackRow(
                id: Int64(index + 1), videoId: Self.videoId("t", index), sourceIndex: sourceIndex,
                title: Words.title(&random), duration: Double(random.int(90...720)),
                createdAt: min(created, nowSeconds - 120), uploadedAt: created - random.double(0..<(3 * 365 * day)))
            if random.chance(0.05) {
                track.rating = 1
                track.likedAt = min(nowSeconds - 60, track.createdAt + random.double(0..<(30 * day)))
            } else if random.chance(0.01) {
                track.rating = -1
            }
            if random.chance(0.02) { track.deletedAt = nowSeconds - random.double(60..<(29 * day)) }
            if random.chance(0.005) { track.hiddenAt = min(nowSeconds - 60, track.createdAt + random.double(0..<(60 * day))) }
            return track
        }

        // Play events: popular tracks are played far more; the log grows with time.
        let popularity = ZipfTable(count: size.tracks, exponent: 0.8)
        let trackOrder = (0..<size.tracks).shuffled(using: &random)
        let eventTypes: [(PlayEventType, Double)] = [(.play, 0.45), (.pause, 0.65), (.seek, 0.80), (.ended, 0.92), (.skip, 0.97), (.volume, 1.0)]
        progress("Seeding \(size)")

        let report = try database.write { db -> Report in
            var report = Report()
            try db.execute(sql: """
                INSERT OR IGNORE INTO profiles (id, name, is_default, media, audio_codec, max_height, from_settings, created_at, updated_at)
                VALUES (2, 'Video 720p', 0, 'video', NULL, 720, 0, ?1, ?1)
                """, arguments: [nowSeconds - span])
            let insertSource = try db.makeStatement(sql: """
                INSERT INTO sources (id, url, title, remote_id, state, sync_interval_seconds, video_count, added_at, last_synced_at,
                                     next_sync_at, last_sync_summary, last_full_sync_at, kind, profile_id, paused)
                VALUES (?, ?, ?, ?, 'idle', 86400, 0, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for source in sources {
                let synced = nowSeconds - random.double(600..<(20 * 3600))
                try insertSource.execute(arguments: [
                    source.id, source.url, source.title, "UCseed\(source.id)", nowSeconds - span - day, synced,
                    synced + day, #"{"read":50,"new":1,"known":49,"unreadable":0,"full":false,"stoppedEarly":true,"seconds":3.2}"#,
                    synced - random.double(0..<(6 * day)), source.kind, source.profileId, source.paused])
            }
            report.tables.append(("sources", sources.count))
            return report
        }
        var totals = report

        // Play events first in memory: the tracks' counts follow them.
        var plays: [(track: Int, type: PlayEventType, at: Double, position: Double?)] = []
        plays.reserveCapacity(size.plays)
        if size.tracks > 0 {
            for index in 0..<size.plays {
                let track = trackOrder[popularity.draw(&random)]
                let pick = random.double(0..<1)
                let type = eventTypes.first { pick < $0.1 }?.0 ?? .play
                let at = nowSeconds - 365 * day + 365 * day * Double(index) / Double(max(1, size.plays))
                var position: Double?
                switch type {
                case .play:
                    tracks[track].playCount += 1
                    tracks[track].lastPlayedAt = at
                case .skip:
                    tracks[track].skipCount += 1
                    position = random.double(0..<tracks[track].duration)
                case .pause, .seek:
                    position = random.double(0..<tracks[track].duration)
                    tracks[track].lastPosition = position
                case .ended:
                    position = tracks[track].duration
                    tracks[track].lastPosition = 0
                default:
                    break
                }
                plays.append((track, type, at, position))
            }
        }

        // Tracks, in chunks.
        var positions = [Int](repeating: 0, count: size.sources)
        var entryPosition = [Int](repeating: 0, count: size.tracks)
        for index in tracks.indices.reversed() {
            guard let source = tracks[index].sourceIndex else { continue }
            positions[source] += 1
            entryPosition[index] = positions[source]
        }
        try chunked(tracks.indices, in: database, progress: progress, label: "tracks") { db, range in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO tracks (id, video_id, source_id, title, uploader, duration, file_path, size, mime_type, thumbnail_path,
                                    info_path, deleted_at, trash_path, created_at, uploaded_at, artist, album, track_number)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let state = try db.cachedStatement(sql: """
                INSERT INTO user_tracks (user_id, track_id, rating, liked_at, play_count, skip_count, last_position, last_played_at, hidden_at)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let entry = try db.cachedStatement(sql: """
                INSERT INTO source_entries (source_id, video_id, url, position, title, duration, uploaded_at, first_seen_at, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for index in range {
                let track = tracks[index]
                let source = track.sourceIndex.map { sources[$0] }
                let folder = source?.title.replacingOccurrences(of: ":", with: "") ?? "Imported"
                let stem = "\(folder)/\(track.title) [\(track.videoId)]"
                let file = stem + (source?.profileId == 2 ? ".mp4" : ".m4a")
                let tagged = index % 3 == 0
                try insert.execute(arguments: [
                    track.id, track.videoId, source?.id, track.title, source?.title ?? "Various", track.duration, file,
                    3_000_000 + index % 9_000_000, source?.profileId == 2 ? "video/mp4" : "audio/mp4",
                    index % 5 == 0 ? nil : stem + ".jpg", index % 2 == 0 ? stem + ".info.json" : nil,
                    track.deletedAt, track.deletedAt == nil ? nil : ".trash/\(track.id)/\(file.split(separator: "/").last ?? "file")",
                    track.createdAt, track.uploadedAt, tagged ? source?.title : nil, tagged ? "Seed Album \(index % 97)" : nil,
                    tagged ? index % 14 + 1 : nil])
                if track.hasState {
                    try state.execute(arguments: [
                        track.id, track.rating, track.likedAt, track.playCount, track.skipCount, track.lastPosition, track.lastPlayedAt,
                        track.hiddenAt])
                }
                if let source {
                    try entry.execute(arguments: [
                        source.id, track.videoId, "https://www.youtube.com/watch?v=\(track.videoId)", entryPosition[index],
                        track.title, track.duration, track.uploadedAt, track.createdAt - 120, nowSeconds - random.double(0..<day)])
                }
            }
        }
        totals.tables.append(("tracks", tracks.count))
        for track in tracks { if let source = track.sourceIndex { sources[source].listed += 1 } }

        // Jobs: every track's download, then failures, waiting downloads and sync history.
        var jobs: [JobRow] = []
        jobs.reserveCapacity(size.jobs)
        func downloadPayload(_ videoId: String, _ title: String) -> String {
            #"{"url":"https://www.youtube.com/watch?v=\#(videoId)","videoId":"\#(videoId)","title":"\#(title)"}"#
        }
        for track in tracks.prefix(size.jobs) {
            let created = track.createdAt - random.double(30..<600)
            jobs.append(JobRow(
                kind: "download", status: .completed, sourceIndex: track.sourceIndex, videoId: track.videoId, title: track.title,
                payload: downloadPayload(track.videoId, track.title), attempts: random.chance(0.1) ? 2 : 1,
                createdAt: created, finishedAt: track.createdAt, runAfter: created))
        }
        let extra = max(0, size.jobs - jobs.count)
        // Shares of all jobs (issue 19's mix); completed syncs take what is left.
        let failures: [(JobStatus, Double, JobErrorClass, String)] = [
            (.failed, 0.03, .permanent, "This video is private or was removed."),
            (.dead_letter, 0.015, .network, "The network failed on every attempt (connection reset by peer)."),
            (.cancelled, 0.02, .cancelled, "Cancelled by the user"),
            (.timeout, 0.005, .timeout, "Stopped at its time limit"),
        ]
        var extraIndex = 0
        func newVideo(_ status: JobStatus, _ sourceIndex: Int?, created: Double, finished: Double?, runAfter: Double,
                      errorClass: JobErrorClass?, message: String?) {
            let videoId = Self.videoId("j", extraIndex)
            extraIndex += 1
            let title = Words.title(&random)
            jobs.append(JobRow(
                kind: "download", status: status, sourceIndex: sourceIndex, videoId: videoId, title: title,
                payload: downloadPayload(videoId, title), attempts: status == .pending ? 0 : 1, createdAt: created,
                finishedAt: finished, runAfter: runAfter, errorClass: errorClass, lastError: message))
        }
        var budget = extra
        for (status, share, errorClass, message) in failures {
            for _ in 0..<min(budget, Int(Double(size.jobs) * share)) {
                let created = nowSeconds - random.double(day..<(365 * day))
                newVideo(status, size.sources == 0 ? nil : drawSource(), created: created, finished: created + random.double(5..<900),
                         runAfter: created, errorClass: errorClass, message: message)
                budget -= 1
            }
        }
        // A paused source's downloads wait (held), a few retries wait for their backoff, a few
        // run (their worker is gone: the next start-up finds them) and two are zombies already.
        let paused = sources.indices.filter { sources[$0].paused }
        for _ in 0..<min(budget, paused.isEmpty ? 0 : Int(Double(size.jobs) * 0.04)) {
            let created = nowSeconds - random.double(3600..<(20 * day))
            newVideo(.pending, paused[random.int(0...(paused.count - 1))], created: created, finished: nil,
                     runAfter: Self.heldUntil, errorClass: nil, message: nil)
            budget -= 1
        }
        for _ in 0..<min(budget, Int(Double(size.jobs) * 0.01)) {
            let created = nowSeconds - random.double(3600..<day)
            newVideo(.retrying, size.sources == 0 ? nil : drawSource(), created: created, finished: nil,
                     runAfter: nowSeconds + random.double(3600..<(6 * 3600)), errorClass: .network,
                     message: "The connection was reset (retry in 3 h)")
            budget -= 1
        }
        for status in [JobStatus.running, .running, .zombie, .zombie] where budget > 0 {
            let created = nowSeconds - random.double(600..<3600)
            newVideo(status, size.sources == 0 ? nil : drawSource(), created: created, finished: nil, runAfter: created,
                     errorClass: status == .zombie ? .crashed : nil,
                     message: status == .zombie ? "The worker running it stopped (crash or kill) before it finished." : nil)
            budget -= 1
        }
        for index in 0..<min(budget, 2) {
            let created = nowSeconds - random.double(day..<(90 * day))
            jobs.append(JobRow(
                kind: "library_rename", status: .completed, sourceIndex: nil, videoId: nil, title: "Rename files of profile \(index + 1)",
                payload: #"{"profile_id":\#(index + 1)}"#, priority: 1, createdAt: created, finishedAt: created + 40, runAfter: created))
            budget -= 1
        }
        while budget > 0, size.sources > 0 {
            let sourceIndex = drawSource()
            let created = nowSeconds - random.double(3600..<span)
            let failedSync = random.chance(0.01)
            jobs.append(JobRow(
                kind: "source_sync", status: failedSync ? .failed : .completed, sourceIndex: sourceIndex, videoId: nil,
                title: "Sync source", payload: #"{"sourceId":\#(sources[sourceIndex].id)}"#, priority: 5, createdAt: created,
                finishedAt: created + random.double(2..<40), runAfter: created, errorClass: failedSync ? .permanent : nil,
                lastError: failedSync ? "This channel does not exist." : nil))
            budget -= 1
        }
        jobs.sort { $0.createdAt < $1.createdAt }
        try chunked(jobs.indices, in: database, progress: progress, label: "jobs") { db, range in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO jobs (id, kind, status, priority, payload, source_id, video_id, title, attempts, max_attempts, run_after,
                                  lease_until, worker, last_error, error_class, created_at, updated_at, started_at, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 5, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let event = try db.cachedStatement(sql: """
                INSERT INTO job_events (job_id, from_status, to_status, attempt, message, error_class, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let entry = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO source_entries (source_id, video_id, url, title, duration, first_seen_at, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for index in range {
                let job = jobs[index]
                let id = Int64(index + 1)
                let sourceId = job.sourceIndex.map { sources[$0].id }
                let running = job.status == .running
                let started = job.status == .pending || job.status == .retrying ? nil : job.createdAt + 1
                try insert.execute(arguments: [
                    id, job.kind, job.status, job.priority, job.payload, sourceId, job.videoId, job.title, job.attempts,
                    job.runAfter, running ? job.createdAt + 60 : nil, running ? "seed0000/1" : nil, job.lastError, job.errorClass,
                    job.createdAt, job.finishedAt ?? job.createdAt, started, job.finishedAt])
                try event.execute(arguments: [id, nil, JobStatus.pending, 0, "Queued", nil, job.createdAt])
                if job.status != .pending {
                    try event.execute(arguments: [
                        id, running ? JobStatus.pending : JobStatus.running, job.status, job.attempts,
                        job.lastError ?? (job.status == .completed ? "Completed" : "Started by seed0000/1"), job.errorClass,
                        job.finishedAt ?? job.createdAt + 1])
                }
                // A video Spool tried but does not have is still one its source listed.
                if job.kind == "download", let sourceId, let videoId = job.videoId, videoId.hasPrefix("j") {
                    try entry.execute(arguments: [
                        sourceId, videoId, "https://www.youtube.com/watch?v=\(videoId)", job.title, 240, job.createdAt, job.createdAt])
                }
            }
        }
        totals.tables.append(("jobs", jobs.count))

        // Entries skipped on purpose (a filter, "only new from now on").
        let skipped = size.sources == 0 ? 0 : size.tracks / 20
        try chunked(0..<skipped, in: database, progress: progress, label: "skipped entries") { db, range in
            let entry = try db.cachedStatement(sql: """
                INSERT INTO source_entries (source_id, video_id, url, title, duration, first_seen_at, last_seen_at, skip_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for index in range {
                let videoId = Self.videoId("s", index)
                let seen = nowSeconds - random.double(day..<span)
                try entry.execute(arguments: [
                    sources[drawSource()].id, videoId, "https://www.youtube.com/watch?v=\(videoId)", Words.title(&random),
                    Double(random.int(5...59)), seen, seen, index % 4 == 0 ? "Only new from now on" : "Shorter than 60 seconds"])
            }
        }
        try database.write { db in
            try db.execute(sql: """
                UPDATE sources SET video_count = (SELECT count(*) FROM source_entries WHERE source_entries.source_id = sources.id)
                """)
        }

        try chunked(plays.indices, in: database, progress: progress, label: "play events") { db, range in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO play_events (user_id, track_id, session, type, position, value, client_time, received_at)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                """)
            for index in range {
                let play = plays[index]
                try insert.execute(arguments: [
                    tracks[play.track].id, "seed-session-\(index / 20)", play.type.rawValue, play.position,
                    play.type == .volume ? 0.8 : nil, play.at - 0.2, play.at])
            }
        }
        totals.tables.append(("play_events", plays.count))

        // Tombstones: every trashed track's video, then videos purged long ago.
        let trashed = tracks.filter { $0.deletedAt != nil }
        let tombstones = max(size.tombstones, trashed.count)
        try chunked(0..<tombstones, in: database, progress: progress, label: "tombstones") { db, range in
            let insert = try db.cachedStatement(sql: "INSERT INTO tombstones (video_id, source_id, title, deleted_at) VALUES (?, ?, ?, ?)")
            for index in range {
                if index < trashed.count {
                    let track = trashed[index]
                    try insert.execute(arguments: [track.videoId, track.sourceIndex.map { sources[$0].id }, track.title, track.deletedAt])
                } else {
                    try insert.execute(arguments: [
                        Self.videoId("g", index), size.sources == 0 ? nil : sources[drawSource()].id, Words.title(&random),
                        nowSeconds - random.double(30 * day..<span)])
                }
            }
        }
        totals.tables.append(("tombstones", tombstones))
        let counted = try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM source_entries") ?? 0, try Int.fetchOne(db, sql: "SELECT count(*) FROM job_events") ?? 0)
        }
        totals.tables.append(("source_entries", counted.0))
        totals.tables.append(("job_events", counted.1))
        // What housekeeping does on a running server, so the planner and the search see what
        // they would: the search index merged into one segment (`Housekeeper`), statistics.
        while try database.write(priority: .background, work: .mergeSearchIndex, SearchIndex.mergeStep) {}
        try database.maintain { db in
            try db.execute(sql: "ANALYZE")
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        totals.seconds = Date().timeIntervalSince(started)
        return totals
    }

    /// Runs `body` over `range` in transactions of `rowsPerTransaction` rows.
    private func chunked(_ range: Range<Int>, in database: SpoolDatabase, progress: (String) -> Void, label: String,
                         _ body: (Database, Range<Int>) throws -> Void) throws {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, start + rowsPerTransaction)
            try database.write { db in try body(db, start..<end) }
            start = end
        }
        if !range.isEmpty { progress("  \(label): \(range.count)") }
    }

    /// A video id of YouTube's shape (11 characters), unique per prefix and index.
    static func videoId(_ prefix: Character, _ index: Int) -> String {
        let digits = String(index, radix: 36)
        return String(prefix) + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }
}

public enum SeedError: Error, CustomStringConvertible {
    case notEmpty

    public var description: String {
        switch self {
        case .notEmpty: "The database already holds tracks, jobs or sources; seed a new file."
        }
    }
}

/// Titles made of common words, so sorting by title and searching behave as on real names.
enum Words {
    static let list = """
        love night heart dream fire rain light summer blue dance road home river song wild gold sky moon sun star \
        girl boy baby city world time life ocean storm shadow echo silver paper glass stone broken young old \
        midnight morning winter autumn spring forever never always lost found free alone together little big \
        sweet bitter electric velvet neon crystal thunder whisper golden crimson violet ghost angel devil \
        mountain valley desert island garden window mirror highway train station radio television machine \
        memory story secret promise letter wonder magic fever hunger silence noise rhythm melody harmony \
        session live acoustic remix edit version demo cover original instrumental extended radio mix part
        """.split(separator: " ").map(String.init)

    static func phrase(_ random: inout SeedRandom, count: Int) -> String {
        (0..<count).map { _ in list[random.int(0...(list.count - 1))].capitalized }.joined(separator: " ")
    }

    static func title(_ random: inout SeedRandom) -> String {
        var title = phrase(&random, count: random.int(1...4))
        if random.chance(0.3) { title = phrase(&random, count: 1) + " - " + title }
        if random.chance(0.1) { title += " (Live)" }
        return title
    }
}
