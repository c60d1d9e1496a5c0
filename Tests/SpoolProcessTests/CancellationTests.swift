import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

final class CancellationTests: XCTestCase {
    /// Runs `spec`, cancels it from another thread once the first line has arrived, and returns
    /// the outcome, the lines, and the seconds from cancel() to the run's return.
    private func runAndCancelAfterFirstLine(_ spec: ProcessSpec) throws -> (ProcessOutcome, [OutputLine], Double) {
        let cancellation = ProcessCancellation()
        let firstLine = DispatchSemaphore(value: 0)
        let cancelledAt = Timestamp()
        let canceller = Thread {
            firstLine.wait()
            cancelledAt.set(Date())
            cancellation.cancel()
        }
        canceller.start()
        var lines: [OutputLine] = []
        let outcome = try ChildProcess.run(spec, cancellation: cancellation) { stream, text in
            lines.append(OutputLine(stream: stream, text: text))
            if lines.count == 1 { firstLine.signal() }
        }
        let returned = Date()
        let latency = returned.timeIntervalSince(cancelledAt.get() ?? returned)
        return (outcome, lines, latency)
    }

    func testCancelStopsAChildThatIgnoresSIGTERM() throws {
        let spec = shell(#"trap "" TERM; echo ready; sleep 1000"#) { $0.killGrace = .seconds(1) }
        let (outcome, _, latency) = try runAndCancelAfterFirstLine(spec)
        XCTAssertEqual(outcome.reason, .cancelled)
        XCTAssertEqual(outcome.termination, .signaled(SIGKILL))
        XCTAssertLessThan(latency, 2)
        XCTAssertGreaterThanOrEqual(latency, 0.9)  // the grace was honoured
        XCTAssertEqual(kill(outcome.processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)
    }

    func testCancelKillsGrandchildren() throws {
        let spec = shell("sleep 1000 & echo $!; wait")
        let (outcome, lines, latency) = try runAndCancelAfterFirstLine(spec)
        XCTAssertEqual(outcome.reason, .cancelled)
        XCTAssertLessThan(latency, 2)
        let grandchild = try XCTUnwrap(Int32(lines.first?.text ?? ""))
        XCTAssertEqual(kill(outcome.processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)
        XCTAssertTrue(waitUntilGone(grandchild), "grandchild \(grandchild) survived")
    }

    func testCancelIsImmediateForAChildThatObeysSIGTERM() throws {
        let (outcome, _, latency) = try runAndCancelAfterFirstLine(shell("echo ready; exec sleep 1000"))
        XCTAssertEqual(outcome.reason, .cancelled)
        XCTAssertEqual(outcome.termination, .signaled(SIGTERM))
        // The wake-up pipe interrupts poll() at once rather than at the next tick.
        XCTAssertLessThan(latency, 0.5)
    }

    func testAlreadyCancelledTokenStopsTheChildAtOnce() throws {
        let cancellation = ProcessCancellation()
        cancellation.cancel()
        cancellation.cancel()  // idempotent
        let outcome = try ChildProcess.run(
            ProcessSpec(executablePath: "/bin/sleep", arguments: ["1000"]), cancellation: cancellation)
        XCTAssertEqual(outcome.reason, .cancelled)
        XCTAssertLessThan(seconds(outcome.duration), 1)
    }

    func testOneTokenCancelsConcurrentRuns() throws {
        let cancellation = ProcessCancellation()
        let spec = ProcessSpec(executablePath: "/bin/sleep", arguments: ["1000"])
        let reasons = Reasons()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { cancellation.cancel() }
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            reasons.append((try? ChildProcess.run(spec, cancellation: cancellation))?.reason)
        }
        XCTAssertEqual(reasons.all, [.cancelled, .cancelled, .cancelled])
    }
}

private final class Reasons: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [ProcessOutcome.Reason?] = []
    func append(_ reason: ProcessOutcome.Reason?) { lock.withLock { values.append(reason) } }
    var all: [ProcessOutcome.Reason?] { lock.withLock { values } }
}
