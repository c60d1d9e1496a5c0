import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

/// A child that floods its output must not grow this process (issue 12, "stdout floods": a
/// flooding yt-dlp took the server from 30 MiB to 1,545 MiB). Each test floods 3 million lines of
/// 100 bytes, 300 MB, and asks for a tail of up to a million lines: only the byte bound of the
/// tail keeps that from holding 100 MB of lines.
final class BoundedOutputTests: XCTestCase {
    private static let lineCount = 3_000_000
    // Generous for the allocator's own slack; keeping the lines would take over 300 MiB, and a
    // million-line tail at least 100 MiB.
    private static let growthLimitKiB = 24 * 1024

    func testAFloodThroughTheOneShotRunnerKeepsMemoryBounded() throws {
        let spec = shell("yes 'flood \(String(repeating: "x", count: 93))' | head -n \(Self.lineCount)") {
            $0.tailLineLimit = 1_000_000
        }
        resetPeakResidentSize()
        let before = residentKiB("VmRSS")
        var lines = 0
        let outcome = try ChildProcess.run(spec) { _, _ in lines += 1 }
        let peakGrowth = residentKiB("VmHWM") - before
        XCTAssertTrue(outcome.isSuccess, outcome.tailText)
        XCTAssertEqual(lines, Self.lineCount)
        XCTAssertLessThanOrEqual(outcome.tail.reduce(0) { $0 + $1.text.utf8.count }, spec.tailByteLimit)
        XCTAssertLessThan(peakGrowth, Self.growthLimitKiB, "peak resident size grew by \(peakGrowth) KiB")
    }

    func testAFloodThroughASessionKeepsMemoryBounded() throws {
        let spec = try SessionChild.spec { $0.tailLineLimit = 1_000_000 }
        let session = try ProcessSession(spec, requestsPerProcess: 10)
        _ = try session.perform(sessionRequest("echo warm"))
        resetPeakResidentSize()
        let before = residentKiB("VmRSS")
        var lines = 0
        let outcome = try session.perform(sessionRequest("flood \(Self.lineCount)")) { _, _ in lines += 1 }
        let peakGrowth = residentKiB("VmHWM") - before
        XCTAssertEqual(outcome.reason, .completed, outcome.tailText)
        XCTAssertEqual(lines, Self.lineCount)
        XCTAssertLessThanOrEqual(outcome.tail.reduce(0) { $0 + $1.text.utf8.count }, spec.tailByteLimit)
        XCTAssertLessThan(peakGrowth, Self.growthLimitKiB, "peak resident size grew by \(peakGrowth) KiB")
    }
}
