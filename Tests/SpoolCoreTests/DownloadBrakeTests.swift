import Foundation
import Logging
import SpoolJobs
import SpoolStore
import XCTest
@testable import SpoolCore

final class DownloadBrakeTests: XCTestCase {
    private let download = JobKind.download.rawValue

    private func job(_ id: Int64) -> Job {
        var job = Job(kind: JobKind.download.rawValue)
        job.id = id
        return job
    }

    func testTheCooldownDoublesOnRepeatsAndResetsAfterSuccess() {
        let hub = EventHub()
        let brake = DownloadBrake(hub: hub, baseSeconds: 0.05, capSeconds: 0.15, logger: Logger(label: "test"))
        brake.trip(.rate_limited)
        XCTAssertEqual(brake.current.cooldownSeconds, 0.05)
        XCTAssertNotNil(brake.heldUntil(kind: download))
        XCTAssertNil(brake.heldUntil(kind: JobKind.sourceSync.rawValue), "only downloads pause")
        brake.trip(.rate_limited)
        XCTAssertEqual(brake.current.trips, 1, "hits during one pause extend nothing")
        Thread.sleep(forTimeInterval: 0.07)
        brake.trip(.bot_check)
        XCTAssertEqual(brake.current.cooldownSeconds, 0.1)
        XCTAssertEqual(brake.current.cause, .bot_check)
        Thread.sleep(forTimeInterval: 0.12)
        brake.trip(.rate_limited)
        XCTAssertEqual(brake.current.cooldownSeconds, 0.15, "capped")
        brake.downloadSucceeded()
        XCTAssertNil(brake.heldUntil(kind: download))
        XCTAssertEqual(brake.current.cooldownSeconds, 0)
        let names = hub.events(after: 0)?.map(\.event.name) ?? []
        XCTAssertEqual(names.filter { $0 == .downloadsPaused }.count, 3)
        XCTAssertEqual(names.last, .downloadsResumed)
    }

    /// After a pause one download goes first; the others wait for its outcome.
    func testAfterAPauseOneProbeGoesFirstAndTheOthersWaitForIt() {
        let brake = DownloadBrake(hub: EventHub(), baseSeconds: 0.05, logger: Logger(label: "test"))
        brake.trip(.bot_check)
        XCTAssertNotNil(brake.heldUntil(kind: download), "paused")
        Thread.sleep(forTimeInterval: 0.07)
        XCTAssertNil(brake.heldUntil(kind: download), "the pause is over: one claim may probe")
        XCTAssertNotNil(brake.heldUntil(kind: download), "a second worker waits while the ticket is out")
        brake.didClaim(job(7))
        XCTAssertEqual(brake.current.probeJobId, 7)
        XCTAssertNotNil(brake.heldUntil(kind: download), "held while the probe runs")

        // A probe that fails for its own reasons lets the next download probe.
        brake.downloadEnded(jobId: 7)
        XCTAssertNil(brake.heldUntil(kind: download))
        brake.didClaim(job(8))
        XCTAssertEqual(brake.current.probeJobId, 8)

        // The probe succeeds: everyone goes.
        let woken = expectation(description: "workers woken")
        brake.onRelease { woken.fulfill() }
        brake.downloadSucceeded()
        wait(for: [woken], timeout: 1)
        XCTAssertFalse(brake.current.probing)
        XCTAssertNil(brake.heldUntil(kind: download))
        XCTAssertNil(brake.heldUntil(kind: download))
    }

    /// A probe that meets the limit again pauses longer.
    func testAProbeThatIsLimitedAgainPausesLonger() {
        let brake = DownloadBrake(hub: EventHub(), baseSeconds: 0.05, logger: Logger(label: "test"))
        brake.trip(.rate_limited)
        Thread.sleep(forTimeInterval: 0.07)
        XCTAssertNil(brake.heldUntil(kind: download))
        brake.didClaim(job(1))
        brake.trip(.rate_limited)
        XCTAssertEqual(brake.current.cooldownSeconds, 0.1)
        XCTAssertNil(brake.current.probeJobId)
        XCTAssertNotNil(brake.heldUntil(kind: download))
    }
}
