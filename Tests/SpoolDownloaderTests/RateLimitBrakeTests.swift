import XCTest
import SpoolStore
@testable import SpoolDownloader

final class RateLimitBrakeTests: XCTestCase {
    func testTheCooldownDoublesOnRepeatsAndResetsAfterSuccess() {
        let hub = EventHub()
        let brake = RateLimitBrake(hub: hub, baseSeconds: 0.05, capSeconds: 0.15)
        brake.trip()
        XCTAssertEqual(brake.current.cooldownSeconds, 0.05)
        XCTAssertNotNil(brake.pausedUntil)
        // Concurrent hits during one pause extend nothing.
        brake.trip()
        XCTAssertEqual(brake.current.trips, 1)
        Thread.sleep(forTimeInterval: 0.07)
        XCTAssertNil(brake.pausedUntil)
        brake.trip()
        XCTAssertEqual(brake.current.cooldownSeconds, 0.1)
        Thread.sleep(forTimeInterval: 0.12)
        brake.trip()
        XCTAssertEqual(brake.current.cooldownSeconds, 0.15, "capped")
        brake.reset()
        XCTAssertNil(brake.pausedUntil)
        XCTAssertEqual(brake.current.cooldownSeconds, 0)
        let types = hub.events(after: 0)?.map(\.type) ?? []
        XCTAssertEqual(types.filter { $0 == "ratelimit.paused" }.count, 4)
        XCTAssertEqual(types.last, "ratelimit.resumed")
    }
}
