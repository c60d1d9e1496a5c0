import Foundation
import SpoolHTTP
import XCTest
@testable import SpoolApp
@testable import SpoolCore

/// Pollers get the last health reply again only while it is true: the same fingerprint and
/// younger than the maximum age; any change, or age, makes the next call rebuild it.
final class HealthReportCacheTests: XCTestCase {
    private func fingerprint(events: Int64 = 1, updating: Bool = false) -> HealthReportCache.Fingerprint {
        HealthReportCache.Fingerprint(
            lastEventSequence: events, writerVersion: 1, liveClients: 0, liveClientsDropped: 0, busyWorkers: 0,
            zombiesRecovered: 0,
            brake: DownloadBrake.State(pausedUntil: nil, cause: nil, cooldownSeconds: 0, trips: 0, probing: false, probeJobId: nil),
            housekeepingRunAt: nil, ytdlpUpdating: updating, storageErrors: [:], notificationsVersion: 0)
    }

    private func body(_ response: HTTPResponse?) -> String? {
        guard case .bytes(let bytes)? = response?.body else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testTheReplyIsReusedOnlyWhileItsFingerprintHoldsAndItIsFresh() {
        let cache = HealthReportCache(maximumAge: 0.3)
        XCTAssertNil(cache.response(for: fingerprint()), "nothing built yet")
        cache.store(.text("report 1"), for: fingerprint())
        XCTAssertEqual(body(cache.response(for: fingerprint())), "report 1")
        XCTAssertNil(cache.response(for: fingerprint(events: 2)), "an event since the build")
        XCTAssertNil(cache.response(for: fingerprint(updating: true)), "a yt-dlp update started")
        Thread.sleep(forTimeInterval: 0.35)
        XCTAssertNil(cache.response(for: fingerprint()), "older than the maximum age")
    }
}
