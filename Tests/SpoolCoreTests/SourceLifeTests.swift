import Foundation
import SpoolJobs
import SpoolStore
import XCTest
@testable import SpoolCore

/// Every way a sync can end leaves its channel `idle` or `error` with a readable reason, in
/// the same commit as the job's end (issue 11, "the channel's state is always true").
final class SourceLifeTests: XCTestCase {
    private func addChannel(_ h: DomainHarness) throws -> (channel: Int64, sync: Job) {
        let (snapshot, created) = try h.domain.sources.add(url: "https://fixture.test/channel")
        XCTAssertTrue(created)
        let sync = try XCTUnwrap(try h.domain.queue.jobs(kind: JobKind.sourceSync.rawValue).first)
        return (snapshot.source.id!, sync)
    }

    private func channel(_ h: DomainHarness, _ id: Int64) throws -> Source {
        try h.domain.sources.snapshot(id).source
    }

    func testYtDlpMissingLeavesTheChannelInErrorNamingTheSetting() throws {
        let h = try DomainHarness(ytdlp: "/nonexistent/yt-dlp")
        let (id, sync) = try addChannel(h)
        XCTAssertEqual(try channel(h, id).state, .syncing, "queued: syncing")
        try h.domain.start()
        let ended = try h.waitForJob(sync.id!, in: [.failed])
        XCTAssertEqual(ended.errorClass, .permanent)
        let row = try channel(h, id)
        XCTAssertEqual(row.state, .error)
        XCTAssertTrue(row.lastError?.contains("YTDLP_PATH") == true, row.lastError ?? "")
        XCTAssertNotNil(row.nextSyncAt, "the next scheduled sync comes an interval later")
    }

    /// The failure rows of issue 11: each stderr wording gives its class, the channel shows
    /// the plain reason, and a transient one is retried (the channel says so).
    func testEachFailureOfTheListingIsExplainedOnTheChannel() throws {
        let rows: [(String, JobErrorClass, JobStatus)] = [
            ("ERROR: [youtube] x: Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies for the authentication.", .bot_check, .retrying),
            ("ERROR: unable to download webpage: HTTP Error 429: Too Many Requests", .rate_limited, .retrying),
            ("ERROR: [youtube] x: nsig extraction failed: Some formats may be missing", .extractor_outdated, .retrying),
            ("ERROR: [youtube:tab] x: This channel does not exist. Video unavailable", .permanent, .failed),
            ("ERROR: Unable to download webpage: <urlopen error [Errno -2] Name or service not known>", .network, .retrying),
        ]
        for (stderr, errorClass, status) in rows {
            let h = try DomainHarness()
            DomainHarness.fake("fail", ["FAKE_YTDLP_STDERR": "WARNING: first\n" + stderr])
            let (id, sync) = try addChannel(h)
            try h.domain.start()
            let ended = try h.waitForJob(sync.id!, in: [status])
            XCTAssertEqual(ended.errorClass, errorClass, stderr)
            XCTAssertEqual(ended.errorDetail, stderr, "the raw line stays in the details")
            let expected = errorClass == .permanent
                ? "The listing failed: the site says this channel or playlist does not exist"
                : "The listing failed: " + ErrorExplanation.text(for: errorClass).summary
            XCTAssertTrue(ended.lastError?.hasPrefix(expected) == true, ended.lastError ?? "")
            let row = try channel(h, id)
            XCTAssertEqual(row.state, .error, stderr)
            XCTAssertEqual(row.lastErrorClass, errorClass, "the source carries the class of its failure")
            XCTAssertEqual(row.lastErrorDetail, stderr)
            XCTAssertTrue(row.lastError?.hasPrefix("The listing failed") == true, row.lastError ?? "")
            if status == .retrying { XCTAssertTrue(row.lastError?.contains("tried again") == true) }
        }
    }

    func testACancelledSyncLeavesTheChannelIdleAndSaysSo() throws {
        let h = try DomainHarness()
        DomainHarness.fake("chatter", ["FAKE_YTDLP_EVERY": "0.1"])
        let (id, sync) = try addChannel(h)
        try h.domain.start()
        _ = try h.waitForJob(sync.id!, in: [.running])
        _ = try h.domain.queue.cancel(sync.id!)
        _ = try h.waitForJob(sync.id!, in: [.cancelled])
        let row = try channel(h, id)
        XCTAssertEqual(row.state, .idle)
        XCTAssertEqual(row.lastError, "The last sync was cancelled.")
    }

    /// A listing that only chatters on stderr meets the stall watchdog (entries are the only
    /// sign of progress), and a listing past its time limit is stopped.
    func testAListingThatNeverYieldsAnEntryTimesOut() throws {
        for (stall, limit) in [(0.5, 20.0), (10.0, 1.0)] {
            let h = try DomainHarness { configuration in
                configuration.listingStallSeconds = stall
                configuration.listingTimeLimitSeconds = limit
            }
            DomainHarness.fake("chatter", ["FAKE_YTDLP_EVERY": "0.1"])
            let (id, sync) = try addChannel(h)
            try h.domain.start()
            let ended = try h.waitForJob(sync.id!, in: [.timeout])
            XCTAssertEqual(ended.errorClass, .timeout)
            XCTAssertEqual(try channel(h, id).state, .error)
        }
    }

    /// yt-dlp killed by a signal: transient; once attempts are used up, dead letter. The
    /// channel is `error` throughout, never `syncing` for good.
    func testACrashIsRetriedThenDeadLetteredWithTheChannelInError() throws {
        let h = try DomainHarness { configuration in
            configuration.maxAttempts = 1
            configuration.sources.maxAttempts = 1
        }
        DomainHarness.fake("crash")
        let (id, sync) = try addChannel(h)
        try h.domain.start()
        let ended = try h.waitForJob(sync.id!, in: [.dead_letter])
        XCTAssertEqual(ended.errorClass, .transient)
        XCTAssertEqual(try channel(h, id).state, .error)
    }

    /// A zombie (the process died while the sync ran) shows as an interrupted sync.
    func testAnInterruptedSyncIsShownAndRetried() throws {
        let h = try DomainHarness()
        let (id, sync) = try addChannel(h)
        // As a crashed process leaves it: running under a worker of another run.
        try h.database.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'running', worker = 'dead/1', lease_until = 0 WHERE id = ?", arguments: [sync.id])
        }
        XCTAssertEqual(try h.domain.queue.recoverZombies(), 1)
        let job = try h.job(sync.id!)
        XCTAssertEqual(job.status, .retrying)
        let row = try channel(h, id)
        XCTAssertEqual(row.state, .error)
        XCTAssertTrue(row.lastError?.contains("tried again") == true, row.lastError ?? "")
    }

    /// Unreadable lines are skipped and counted; the sync succeeds with the entries it could read.
    func testUnreadableListingLinesAreSkippedNotFatal() throws {
        let h = try DomainHarness()
        let ids = (1...40).map { "v\($0)" }
        DomainHarness.fake("listing", ["FAKE_YTDLP_LISTING": try h.listing(ids, garbageEvery: 10)])
        let (id, sync) = try addChannel(h)
        try h.domain.start()
        _ = try h.waitForJob(sync.id!, in: [.completed])
        let snapshot = try h.domain.sources.snapshot(id)
        XCTAssertEqual(snapshot.source.state, .idle)
        XCTAssertNil(snapshot.source.lastError)
        XCTAssertEqual(snapshot.lastSync?.read, 40)
        XCTAssertEqual(snapshot.lastSync?.new, 40)
        XCTAssertEqual(snapshot.lastSync?.unreadable, 4)
        XCTAssertEqual(snapshot.source.title, "Fixture channel", "the title comes from the entries")
        XCTAssertEqual(try h.domain.queue.jobs(kind: JobKind.download.rawValue).count, 40)
    }

    /// A listing that fails after some entries were queued keeps them (no duplicates later)
    /// and fails the sync.
    func testAListingThatFailsHalfwayKeepsWhatItQueued() throws {
        let h = try DomainHarness()
        DomainHarness.fake("listing", ["FAKE_YTDLP_LISTING": try h.listing((1...30).map { "v\($0)" }), "FAKE_YTDLP_THEN_FAIL": "1"])
        let (id, sync) = try addChannel(h)
        try h.domain.start()
        let ended = try h.waitForJob(sync.id!, in: [.retrying])
        XCTAssertEqual(ended.errorClass, .network)
        XCTAssertEqual(try channel(h, id).state, .error)
        XCTAssertEqual(try h.domain.queue.jobs(kind: JobKind.download.rawValue).count, 30)
    }

    /// Two "Sync now" at the same moment queue one sync (a unique index, not a read then a
    /// write), and both callers get that job.
    func testConcurrentSyncRequestsQueueOneSync() throws {
        let h = try DomainHarness()
        let (id, first) = try addChannel(h)
        let channels = h.domain.sources
        let results = IdBox()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            results.append((try? channels.requestSync(of: id))?.id)
        }
        XCTAssertEqual(Set(results.values.compactMap { $0 }), [first.id!])
        XCTAssertEqual(results.values.count, 16)
        XCTAssertEqual(try h.domain.queue.jobs(kind: JobKind.sourceSync.rawValue).count, 1)
    }

    /// Removing a channel while its sync runs leaves no trace of it and no stuck job.
    func testRemovingAChannelWhileItSyncs() throws {
        let h = try DomainHarness()
        DomainHarness.fake("chatter", ["FAKE_YTDLP_EVERY": "0.1"])
        let (id, sync) = try addChannel(h)
        try h.domain.start()
        _ = try h.waitForJob(sync.id!, in: [.running])
        let removal = try h.domain.sources.remove(id, deleteFiles: true)
        XCTAssertEqual(removal.jobsCancelled, 1)
        _ = try h.waitForJob(sync.id!, in: [.cancelled])
        XCTAssertThrowsError(try h.domain.sources.snapshot(id))
    }
}

final class IdBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int64?] = []
    func append(_ value: Int64?) { lock.withLock { stored.append(value) } }
    var values: [Int64?] { lock.withLock { stored } }
}
