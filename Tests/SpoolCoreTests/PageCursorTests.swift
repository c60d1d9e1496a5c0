import Foundation
import XCTest
@testable import SpoolCore

/// A cursor comes back exactly as it went out: a time key that lost digits on the wire made the
/// next page start before the last row shown, so history, likes and trash repeated rows.
final class PageCursorTests: XCTestCase {
    func testANumberKeyRoundTripsToTheSameDouble() throws {
        var generator = SystemRandomNumberGenerator()
        let values: [Double] = [0, -1.5, 42, 1e-9, 1.0e20, 1_733_500_000.123456789]
            + (0..<1_000).map { _ in 1_700_000_000 + Double.random(in: 0..<100_000_000, using: &generator) }
        for value in values {
            let cursor = PageCursor(key: .number(value), id: 123_456_789)
            let read = try XCTUnwrap(PageCursor(token: cursor.token), "\(value)")
            XCTAssertEqual(read, cursor, "\(value) came back as \(String(describing: read.key))")
        }
    }

    func testTextAndIdOnlyKeysRoundTrip() throws {
        for cursor in [PageCursor(id: 7), PageCursor(key: .text("a \"quoted\" / title – é"), id: 9)] {
            XCTAssertEqual(PageCursor(token: cursor.token), cursor)
        }
    }
}
