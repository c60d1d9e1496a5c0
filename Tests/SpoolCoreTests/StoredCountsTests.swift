import Foundation
import GRDB
import SpoolStore
import XCTest
@testable import SpoolCore
@testable import SpoolJobs

/// The counters (`StoredCounts`) that `/api/health`, `/metrics`, the jobs page and every
/// source's counts read stay equal to a count of the rows, whatever happens: a random workload
/// through the real services (enqueue, claim, complete with a track, fail, retry, cancel,
/// zombies, clear finished, like, trash, restore, purge, skipped entries, source removal with
/// and without its files), then every counter against a full recount. Real SQLite file.
final class StoredCountsTests: XCTestCase {
    private var harness: DomainHarness!

    override func setUpWithError() throws {
        harness = try DomainHarness()
    }

    override func tearDown() {
        harness = nil
    }

    /// A small deterministic generator, so a failure can be replayed.
    private struct Dice {
        var state: UInt64
        mutating func roll(_ sides: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(sides))
        }
    }

    func testEveryCounterEqualsARecountAfterARandomWorkload() throws {
        let domain = harness.domain
        let database = harness.database
        let queue = domain.queue
        var dice = Dice(state: 27)
        var sources: [Int64] = try database.write { db in
            try (1...4).map { index in
                var source = Source(url: "https://fixture.test/channel/\(index)")
                source.title = "Channel \(index)"
                try source.insert(db)
                return source.id!
            }
        }
        let owner = Principal(userId: 1, name: "admin", role: .admin)
        // A second listener, removed and replaced now and then: each user's counters
        // (`StoredCounts.UserCount`) follow their own rows, and go with the user.
        func addListener(_ step: Int) throws -> Principal {
            try database.write { db in
                var user = User(name: "listener-\(step)", role: .listener, passwordHash: nil)
                try user.insert(db)
                return Principal(userId: user.id!, name: user.name, role: .listener)
            }
        }
        var listener = try addListener(0)
        var seenUserKeys: Set<String> = []
        var videos = 0
        var operations: [String: Int] = [:]
        func claim(as worker: String) throws -> Job? {
            try queue.claim(JobQueue.ClaimRequest(worker: worker, kinds: ["download", "source_sync"], leaseSeconds: 60))
        }
        func running() throws -> [Job] {
            try database.read { db in try Job.fetchAll(db, sql: "SELECT * FROM jobs WHERE status = 'running'") }
        }
        /// A shuffled order the dice choose (not SQLite's `random()`), so a run is the same every
        /// time and the check that every kind of counter was in play cannot fail by chance.
        func shuffled() -> String { "ORDER BY (id * 7919 + \(dice.roll(1_000_003))) % 1000003" }
        func anyJob(_ statuses: Set<JobStatus>) throws -> Job? {
            let order = shuffled()
            return try database.read { db in
                try Job.fetchOne(db, sql: "SELECT * FROM jobs WHERE status IN \(statuses.sql) \(order) LIMIT 1")
            }
        }
        /// A random track in or out of the trash; `rated`: one someone liked or disliked (the
        /// trash moves every user's rows of it between counters).
        func anyTrack(trashed: Bool, rated: Bool = false) throws -> Int64? {
            let order = shuffled()
            return try database.read { db in
                try Int64.fetchOne(db, sql: """
                    SELECT id FROM tracks WHERE deleted_at IS \(trashed ? "NOT" : "") NULL
                    \(rated ? "AND id IN (SELECT track_id FROM user_tracks WHERE rating <> 0)" : "") \(order) LIMIT 1
                    """)
            }
        }
        let worker = queue.runId + "/test"

        for step in 0..<600 {
            let operation: String
            switch dice.roll(22) {
            case 0, 1, 2:
                operation = "enqueue"
                let source = sources.isEmpty ? nil : sources[dice.roll(sources.count)]
                let count = 1 + dice.roll(6)
                _ = try queue.enqueue((0..<count).map { _ in
                    videos += 1
                    // Now and then a video enqueued twice (a duplicate is skipped), or a sync.
                    let video = dice.roll(10) == 0 ? "v\(max(1, videos - 1))" : "v\(videos)"
                    return dice.roll(8) == 0
                        ? NewJob(kind: "source_sync", sourceId: source, title: "Sync")
                        : NewJob(kind: "download", sourceId: source, videoId: video, title: "Video \(video)")
                })
            case 3, 4, 5:
                operation = "claim"
                // A claim by a worker of a dead process now and then: a zombie for later.
                _ = try claim(as: dice.roll(6) == 0 ? "gone/1" : worker)
            case 6, 7, 8:
                operation = "complete"
                guard let job = try running().first(where: { $0.worker == worker }) else { continue }
                let video = job.videoId
                let completion = JobCompletion(message: "Done", commit: { db in
                    guard let video else { return }
                    _ = try TrackStore.insertOrRefresh(Track(
                        videoId: video, sourceId: job.sourceId, title: "Track \(video)", filePath: "x/\(video).m4a",
                        size: 1, mimeType: "audio/mp4"), db)
                })
                _ = try queue.finish(job, worker: worker, outcome: .completed(completion), logTail: nil,
                                     thenClaim: dice.roll(2) == 0 ? JobQueue.ClaimRequest(worker: worker, kinds: ["download"], leaseSeconds: 60) : nil)
            case 9:
                operation = "fail"
                guard let job = try running().first(where: { $0.worker == worker }) else { continue }
                let failure = [JobFailure(.permanent, "Private"), JobFailure(.network, "Reset"), JobFailure(.timeout, "Slow")][dice.roll(3)]
                _ = try queue.finish(job, worker: worker, outcome: .failed(failure), logTail: nil)
            case 10:
                operation = "retry"
                if let job = try anyJob(JobStatus.retryable) { _ = try? queue.retry(job.id!) }
            case 11:
                operation = "cancel"
                if let job = try anyJob(JobStatus.cancellable) { _ = try queue.cancel(job.id!) }
            case 12:
                operation = "zombies"
                try queue.recoverZombies()
            case 13:
                operation = "clear finished"
                _ = try queue.deleteFinished([[.completed], [.cancelled, .failed], JobStatus.terminal][dice.roll(3)],
                                             sourceId: dice.roll(2) == 0 || sources.isEmpty ? nil : sources[dice.roll(sources.count)])
            case 14:
                // A rating or a hide, by either user: each user's own rows and counters.
                let user = dice.roll(2) == 0 ? owner : listener
                if dice.roll(12) == 0 {
                    operation = "remove user"
                    try domain.accounts.remove(listener.userId)
                    listener = try addListener(step)
                } else if let id = try anyTrack(trashed: false) {
                    if dice.roll(3) == 0 {
                        operation = "hide"
                        _ = try domain.listening.setHidden(dice.roll(2) == 0, id, by: user)
                    } else {
                        operation = "rate"
                        _ = try domain.listening.setRating(dice.roll(3) - 1, of: id, by: user)
                    }
                } else {
                    operation = "rate"
                }
            case 19, 20:
                // A play or stars, by either user: each user's sums (`StoredCounts.UserSum`, v13).
                operation = dice.roll(2) == 0 ? "play" : "stars"
                let user = dice.roll(2) == 0 ? owner : listener
                let stars = dice.roll(6) == 0 ? nil : 1 + dice.roll(5)
                guard let id = try anyTrack(trashed: false) else { continue }
                try database.write { db in
                    if operation == "play" {
                        try UserTrackStore.applyPlayback(.play, position: nil, to: id, for: user.userId, db, now: Double(step))
                    } else {
                        _ = try UserTrackStore.setStars(stars, of: id, for: user.userId, db)
                    }
                }
            case 15:
                operation = "trash"
                if let id = try anyTrack(trashed: false, rated: dice.roll(3) != 0) { _ = try domain.trash.delete(id) }
            case 16:
                operation = "restore"
                if let id = try anyTrack(trashed: true) { _ = try domain.trash.restore(id) }
            case 17:
                operation = "purge"
                _ = try domain.trash.purge(limit: 1 + dice.roll(3))
            case 18:
                operation = "entries"
                guard let source = sources.isEmpty ? nil : sources[dice.roll(sources.count)] else { continue }
                // A sync's upsert (skipped or not) and a download's late skip, as the code writes them.
                let video = "e\(dice.roll(40))"
                try database.write { db in
                    try db.execute(sql: """
                        INSERT INTO source_entries (source_id, video_id, title, first_seen_at, last_seen_at, skip_reason)
                        VALUES (?, ?, 'Entry', 0, 0, ?)
                        ON CONFLICT (source_id, video_id) DO UPDATE SET skip_reason = excluded.skip_reason
                        """, arguments: [source, video, dice.roll(2) == 0 ? "Shorter than 60 seconds" : nil])
                    if dice.roll(3) == 0 {
                        try db.execute(sql: "UPDATE source_entries SET skip_reason = 'Filtered' WHERE source_id = ? AND video_id = ?",
                                       arguments: [source, "e\(dice.roll(40))"])
                    }
                }
            default:
                operation = "remove source"
                guard dice.roll(4) == 0, !sources.isEmpty else { continue }
                let source = sources.remove(at: dice.roll(sources.count))
                _ = try domain.sources.remove(source, deleteFiles: dice.roll(2) == 0)
                let added = try database.write { db -> Int64 in
                    var replacement = Source(url: "https://fixture.test/channel/step-\(step)")
                    try replacement.insert(db)
                    return replacement.id!
                }
                sources.append(added)
            }
            operations[operation, default: 0] += 1
            if step % 25 == 24 {
                try assertCountersMatchARecount("after step \(step)")
                seenUserKeys.formUnion(try database.read { db in
                    try String.fetchAll(db, sql: "SELECT DISTINCT key FROM counts WHERE scope LIKE 'user:%' AND n > 0")
                })
            }
        }
        try assertCountersMatchARecount("at the end")
        // The workload did reach every path (a seed that skipped one would prove less).
        for name in ["enqueue", "claim", "complete", "fail", "retry", "cancel", "zombies", "clear finished", "rate", "hide", "play", "stars",
                     "remove user", "trash", "restore", "purge", "entries", "remove source"] {
            XCTAssertGreaterThan(operations[name] ?? 0, 0, "the workload never ran \(name)")
        }
        let statuses = try database.read { db in try Set(String.fetchAll(db, sql: "SELECT DISTINCT status FROM jobs")) }
        XCTAssertGreaterThanOrEqual(statuses.count, 6, "jobs in most statuses: \(statuses.sorted())")

        // What the API reads is the counters.
        let counts = try queue.counts()
        let grouped = try database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT status, count(*) FROM jobs GROUP BY status").map {
                (JobStatus(rawValue: $0[0])!, $0[1] as Int)
            })
        }
        for status in JobStatus.allCases { XCTAssertEqual(counts[status], grouped[status] ?? 0, status.rawValue) }
        XCTAssertEqual(try database.status().jobCounts.values.reduce(0, +), grouped.values.reduce(0, +))
        // Each source's counts, alone and as the list reads them (a page's counts in one
        // statement), against a count of its rows.
        let listed = try domain.sources.list(after: nil, limit: 500).items
        XCTAssertEqual(Set(listed.map { $0.source.id! }), try database.read { Set(try Int64.fetchAll($0, sql: "SELECT id FROM sources")) })
        for item in listed {
            let source = item.source.id!
            let snapshot = try domain.sources.snapshot(source)
            let expected = try database.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT (SELECT count(*) FROM tracks WHERE source_id = ?1 AND deleted_at IS NULL),
                           (SELECT count(*) FROM jobs WHERE source_id = ?1 AND kind = 'download' AND status IN \(JobStatus.active.sql)),
                           (SELECT count(*) FROM jobs WHERE source_id = ?1 AND kind = 'download' AND status IN \(JobStatus.needsAttention.sql)),
                           (SELECT count(*) FROM source_entries WHERE source_id = ?1 AND skip_reason IS NOT NULL)
                    """, arguments: [source])!
            }
            let counted: [Int] = [expected[0], expected[1], expected[2], expected[3]]
            XCTAssertEqual([snapshot.counts.downloaded, snapshot.counts.queued, snapshot.counts.failed, snapshot.counts.skipped],
                           counted, "source \(source)")
            XCTAssertEqual([item.counts.downloaded, item.counts.queued, item.counts.failed, item.counts.skipped],
                           counted, "source \(source) in the list")
        }
        // Each user's counters were in play: every kind of them was checked above.
        XCTAssertEqual(seenUserKeys, Set(StoredCounts.UserCount.allCases.map(\.rawValue) + StoredCounts.UserSum.allCases.map(\.rawValue)))
        // The library's totals (the counters less or plus each user's) are a count of what the
        // list holds, for each user, in every filter without a search.
        // A search's total counts the search index's matches less those trashed or hidden.
        for user in [owner, listener] {
        for text in [nil, "track"] {
        for trashed in [false, true] {
            for sourceId in [nil] + sources {
                for rating in [nil, -1, 0, 1] {
                    var filter = TrackLibrary.Filter(userId: user.userId)
                    filter.query = text
                    filter.trashed = trashed
                    filter.sourceId = sourceId
                    filter.rating = rating
                    filter.limit = 500
                    var listed = 0
                    var page = try domain.library.tracks(filter)
                    let total = page.total
                    listed += page.items.count
                    while let next = page.next {
                        filter.after = next
                        page = try domain.library.tracks(filter)
                        listed += page.items.count
                    }
                    XCTAssertEqual(total, listed, "user \(user.userId) q=\(text ?? "-") trashed=\(trashed) source=\(sourceId.map(String.init) ?? "-") rating=\(rating.map(String.init) ?? "-")")
                    if text != nil { XCTAssertGreaterThan(listed + (trashed || rating != nil || sourceId != nil ? 1 : 0), 0) }
                }
            }
        }
        }
        }
        // A removed user's counters went with them.
        let orphans = try database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM counts WHERE scope LIKE 'user:%' AND substr(scope, 6) NOT IN (SELECT id FROM users)")
        }
        XCTAssertEqual(orphans, 0)
    }

    /// The comparison itself can fail: a counter that missed one change is found.
    func testARecountFindsACounterThatMissedAChange() throws {
        _ = try harness.domain.queue.enqueue([NewJob(kind: "download", videoId: "a"), NewJob(kind: "download", videoId: "b")])
        try assertCountersMatchARecount("before")
        try harness.database.write { db in
            try db.execute(sql: "UPDATE counts SET n = n - 1 WHERE scope = 'jobs' AND owner = -1 AND key = 'download:pending'")
        }
        let (stored, recounted) = try harness.database.read { db in (try StoredCounts.stored(db), try StoredCounts.recounted(db)) }
        XCTAssertNotEqual(stored, recounted)
        try harness.database.write { db in try StoredCounts.rebuild(db) }
        try assertCountersMatchARecount("after a rebuild")
    }

    private func assertCountersMatchARecount(_ moment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (stored, recounted) = try harness.database.read { db in (try StoredCounts.stored(db), try StoredCounts.recounted(db)) }
        guard stored != recounted else { return }
        let keys = Set(stored.keys).union(recounted.keys).sorted { $0.description < $1.description }
        let differences = keys.filter { stored[$0] != recounted[$0] }
            .map { "\($0): stored \(stored[$0] ?? 0), counted \(recounted[$0] ?? 0)" }
        XCTFail("\(moment): counters differ from a recount:\n" + differences.joined(separator: "\n"), file: file, line: line)
    }
}
