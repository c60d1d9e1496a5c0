import Foundation
import Synchronization
import XCTest
@testable import SpoolCore

/// The throttle's stop is what lets a domain close its database: a trailing publish (a read)
/// must never run after it, and one under way must have finished when it returns.
final class SnapshotThrottleTests: XCTestCase {
    func testAfterStopNoTrailingPublishRuns() {
        let published = Mutex(0)
        let throttle = SnapshotThrottle(interval: 0.2) { _ in published.withLock { $0 += 1 } }
        throttle.changed(7)      // published at once
        throttle.changed(7)      // the trailing publish, 0.2 s later
        Thread.sleep(forTimeInterval: 0.05)
        throttle.stop()
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertEqual(published.withLock { $0 }, 1, "the trailing publish ran after stop")
    }

    func testStopWaitsForAPublishUnderWay() {
        let finished = Mutex(false)
        let throttle = SnapshotThrottle(interval: 0.2) { _ in
            Thread.sleep(forTimeInterval: 0.2)
            finished.withLock { $0 = true }
        }
        throttle.changed(7)
        Thread.sleep(forTimeInterval: 0.05)
        throttle.stop()
        XCTAssertTrue(finished.withLock { $0 }, "stop returned while a publish was still reading")
    }

    func testWithoutStopTheTrailingPublishComes() {
        let published = Mutex(0)
        let throttle = SnapshotThrottle(interval: 0.1) { _ in published.withLock { $0 += 1 } }
        throttle.changed(7)
        throttle.changed(7)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(published.withLock { $0 }, 2)
    }
}
