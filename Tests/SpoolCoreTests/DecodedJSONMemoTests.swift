import Foundation
import Synchronization
import XCTest
@testable import SpoolCore

/// The sources list decodes each source's stored JSON through a memo: a text decodes once,
/// and a changed text (a new sync summary, new filters) is decoded anew, never answered
/// with the old value.
final class DecodedJSONMemoTests: XCTestCase {
    func testATextDecodesOnceAndAChangedTextAnew() {
        let decoded = Mutex(0)
        let memo = DecodedJSONMemo<SourceFilters>(capacity: 2) { text in
            decoded.withLock { $0 += 1 }
            return SourceFilters.decode(text)
        }
        let first = #"{"min_duration":60}"#
        let second = #"{"min_duration":120}"#
        XCTAssertEqual(memo.value(of: first), SourceFilters.decode(first))
        XCTAssertEqual(memo.value(of: first), SourceFilters.decode(first))
        XCTAssertEqual(decoded.withLock { $0 }, 1)
        XCTAssertEqual(memo.value(of: second)?.minDuration, 120)
        XCTAssertNil(memo.value(of: nil))
        // Text that does not decode is remembered as nothing, not retried on every call.
        XCTAssertNil(memo.value(of: "{"))
        XCTAssertNil(memo.value(of: "{"))
        XCTAssertEqual(decoded.withLock { $0 }, 3)
        // Full (two texts), it starts over rather than grow: the first text decodes again.
        XCTAssertEqual(memo.value(of: first)?.minDuration, 60)
        XCTAssertEqual(decoded.withLock { $0 }, 4)
    }
}
