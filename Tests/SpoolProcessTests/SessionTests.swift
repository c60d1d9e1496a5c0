import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

final class SessionTests: XCTestCase {
    override func setUp() {
        while reapStrayZombie() != nil {}
    }

    func testRequestsAreServedByOneChildInTurn() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let first = try performCollecting(session, sessionRequest("echo one"))
        XCTAssertEqual(first.outcome.reason, .completed)
        XCTAssertTrue(first.outcome.startedProcess)
        XCTAssertNil(first.outcome.termination)
        XCTAssertEqual(first.lines, [OutputLine(stream: .stdout, text: "out one"), OutputLine(stream: .stderr, text: "err one")])
        XCTAssertEqual(first.outcome.tail, first.lines)
        XCTAssertTrue(first.outcome.endMarker?.hasSuffix(" 0") == true, "\(String(describing: first.outcome.endMarker))")

        let second = try performCollecting(session, sessionRequest("echo two"))
        XCTAssertEqual(second.outcome.reason, .completed)
        XCTAssertFalse(second.outcome.startedProcess)
        XCTAssertEqual(second.outcome.processID, first.outcome.processID)
        // Nothing of the first answer reaches the second.
        XCTAssertEqual(second.lines.map(\.text), ["out two", "err two"])
        session.close()
        XCTAssertTrue(waitUntilGone(first.outcome.processID))
        XCTAssertNil(reapStrayZombie())
    }

    func testStderrWrittenBeforeTheMarkerBelongsToItsRequest() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        for _ in 0..<3 {
            let (outcome, lines) = try performCollecting(session, sessionRequest("stderr 3000"))
            XCTAssertEqual(outcome.reason, .completed)
            XCTAssertEqual(lines.count, 3000)
            XCTAssertEqual(lines.last, OutputLine(stream: .stderr, text: "stderr line 2999"))
        }
        let (_, lines) = try performCollecting(session, sessionRequest("echo after"))
        XCTAssertEqual(lines.map(\.text), ["out after", "err after"])
    }

    func testAnUnterminatedLineEndsWithItsRequest() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let (outcome, lines) = try performCollecting(session, sessionRequest("partial"))
        XCTAssertEqual(outcome.reason, .completed)
        XCTAssertEqual(lines.map(\.text), ["partial"])
        XCTAssertEqual(try performCollecting(session, sessionRequest("echo next")).lines.map(\.text), ["out next", "err next"])
    }

    func testCancelStopsTheChildAndTheNextRequestStartsAFreshOne() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let before = try performCollecting(session, sessionRequest("pid")).outcome
        let (outcome, latency) = try performAndCancelAfterFirstLine(session, sessionRequest("hang"))
        XCTAssertEqual(outcome.reason, .cancelled)
        XCTAssertEqual(outcome.processID, before.processID)
        XCTAssertEqual(outcome.termination, .signaled(SIGTERM))
        XCTAssertLessThan(latency, 0.5, "a child that obeys SIGTERM is gone at once")
        XCTAssertEqual(kill(outcome.processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)

        let after = try performCollecting(session, sessionRequest("pid"))
        XCTAssertEqual(after.outcome.reason, .completed)
        XCTAssertTrue(after.outcome.startedProcess)
        XCTAssertNotEqual(after.outcome.processID, before.processID)
        XCTAssertEqual(after.lines.first?.text, "\(after.outcome.processID)")
    }

    func testCancelKillsAChildIgnoringSIGTERMAndItsGrandchildWithinTwoSeconds() throws {
        let session = try ProcessSession(try SessionChild.spec { $0.killGrace = .seconds(1) }, requestsPerProcess: 100)
        _ = try session.perform(sessionRequest("echo warm"))
        var grandchild: pid_t?
        let (outcome, latency) = try performAndCancelAfterFirstLine(session, sessionRequest("hang-no-term")) { line in
            grandchild = Int32(line)
        }
        XCTAssertEqual(outcome.reason, .cancelled)
        XCTAssertEqual(outcome.termination, .signaled(SIGKILL))
        XCTAssertLessThan(latency, 2)
        XCTAssertGreaterThanOrEqual(latency, 0.9, "the grace was honoured")
        XCTAssertEqual(kill(outcome.processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)
        XCTAssertTrue(waitUntilGone(try XCTUnwrap(grandchild)), "grandchild survived")
        XCTAssertEqual(try session.perform(sessionRequest("echo again")).reason, .completed)
    }

    func testAnAlreadyCancelledTokenWritesNothingAndLeavesTheChildAlone() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let first = try session.perform(sessionRequest("pid"))
        let cancellation = ProcessCancellation()
        cancellation.cancel()
        let cancelled = try session.perform(sessionRequest("echo never"), cancellation: cancellation)
        XCTAssertEqual(cancelled.reason, .cancelled)
        XCTAssertNil(cancelled.termination)
        let next = try performCollecting(session, sessionRequest("echo next"))
        XCTAssertEqual(next.outcome.processID, first.processID)
        XCTAssertEqual(next.lines.map(\.text), ["out next", "err next"])
    }

    func testTimeLimitIsPerRequestAndStopsAChildPrintingForeverWithoutAMarker() throws {
        let session = try ProcessSession(try SessionChild.spec { $0.timeLimit = .seconds(30) }, requestsPerProcess: 100)
        // Idle time between requests does not count.
        _ = try session.perform(sessionRequest("echo warm"))
        Thread.sleep(forTimeInterval: 0.6)
        resetPeakResidentSize()
        let before = residentKiB("VmRSS")
        var lines = 0
        let outcome = try session.perform(sessionRequest("forever", timeLimit: .milliseconds(500))) { _, _ in lines += 1 }
        let peakGrowth = residentKiB("VmHWM") - before
        XCTAssertEqual(outcome.reason, .timedOut)
        XCTAssertEqual(outcome.termination, .signaled(SIGTERM))
        XCTAssertGreaterThanOrEqual(seconds(outcome.duration), 0.5)
        XCTAssertLessThan(seconds(outcome.duration), 1.5)
        XCTAssertGreaterThan(lines, 1000)
        XCTAssertLessThan(peakGrowth, 16 * 1024, "peak resident size grew by \(peakGrowth) KiB over \(lines) lines")
        XCTAssertLessThanOrEqual(outcome.tail.count, 200)
        XCTAssertTrue(outcome.startedProcess == false)
        XCTAssertEqual(try session.perform(sessionRequest("echo after")).reason, .completed)
    }

    func testAMarkerThatComesAfterTheStopDoesNotSaveTheChildAndIsNotOutput() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        _ = try session.perform(sessionRequest("echo warm"))
        let (outcome, lines) = try performCollecting(session, sessionRequest("late-marker", timeLimit: .milliseconds(400)))
        XCTAssertEqual(outcome.reason, .timedOut)
        XCTAssertNil(outcome.endMarker)
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(lines.map(\.text), ["waiting"])
        XCTAssertEqual(outcome.tail.map(\.text), ["waiting"])
    }

    func testTheSessionTimeLimitAppliesToRequestsWithoutTheirOwn() throws {
        let session = try ProcessSession(try SessionChild.spec { $0.timeLimit = .milliseconds(700) }, requestsPerProcess: 100)
        let outcome = try session.perform(sessionRequest("hang"))
        XCTAssertEqual(outcome.reason, .timedOut)
        XCTAssertLessThan(seconds(outcome.duration), 2)
    }

    func testStallWatchdogIsPerRequest() throws {
        let session = try ProcessSession(try SessionChild.spec { $0.stallTimeout = .milliseconds(400) }, requestsPerProcess: 100)
        // The first request also waits for Python to start, which a busy machine can make slow.
        XCTAssertEqual(try session.perform(sessionRequest("echo warm", stallTimeout: .seconds(10))).reason, .completed)
        // Longer than the stall timeout between requests: no request runs, nothing stalls.
        Thread.sleep(forTimeInterval: 0.6)
        let quiet = try session.perform(sessionRequest("echo quiet"))
        XCTAssertEqual(quiet.reason, .completed)
        XCTAssertFalse(quiet.startedProcess)
        let stalled = try session.perform(sessionRequest("hang"))
        XCTAssertEqual(stalled.reason, .stalled)
        XCTAssertEqual(stalled.tail.map(\.text), ["hanging"])
        XCTAssertLessThan(seconds(stalled.duration), 1.5)
        let overridden = try session.perform(sessionRequest("hang", stallTimeout: .milliseconds(150)))
        XCTAssertEqual(overridden.reason, .stalled)
        XCTAssertLessThan(seconds(overridden.duration), 0.4 + 0.3)
    }

    func testAChildDyingMidRequestIsReportedAndReplaced() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let first = try session.perform(sessionRequest("pid"))
        let died = try session.perform(sessionRequest("die 7"))
        XCTAssertEqual(died.reason, .childExited)
        XCTAssertEqual(died.termination, .exited(7))
        XCTAssertEqual(died.tailText, "dying")
        XCTAssertEqual(died.processID, first.processID)
        XCTAssertNil(reapStrayZombie())
        let next = try session.perform(sessionRequest("pid"))
        XCTAssertEqual(next.reason, .completed)
        XCTAssertTrue(next.startedProcess)
        XCTAssertNotEqual(next.processID, first.processID)
    }

    func testAChildThatClosesItsStdinIsReplacedBeforeTheNextRequest() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let retiring = try session.perform(sessionRequest("retire"))
        XCTAssertEqual(retiring.reason, .completed)
        // No pause: the closed stdin, not the exit, tells the session.
        let next = try performCollecting(session, sessionRequest("echo fresh"))
        XCTAssertEqual(next.outcome.reason, .completed)
        XCTAssertTrue(next.outcome.startedProcess)
        XCTAssertNotEqual(next.outcome.processID, retiring.processID)
        XCTAssertEqual(next.lines.map(\.text), ["out fresh", "err fresh"])
        XCTAssertTrue(waitUntilGone(retiring.processID))
    }

    func testAChildThatQuitBetweenRequestsIsReplaced() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let quitting = try session.perform(sessionRequest("quit"))
        XCTAssertEqual(quitting.reason, .completed)
        Thread.sleep(forTimeInterval: 0.3)
        let next = try session.perform(sessionRequest("echo fresh"))
        XCTAssertEqual(next.reason, .completed)
        XCTAssertTrue(next.startedProcess)
        XCTAssertNil(reapStrayZombie())
    }

    func testAFreshChildThatClosesItsStdinBeforeReadingTheRequestIsStopped() throws {
        // The request (4 MiB) is larger than the socket buffer, so the child has to read it; it
        // closes its stdin instead and would sleep for ever.
        let session = try ProcessSession(
            shell("sleep 0.2; exec 0<&-; exec sleep 1000") { $0.killGrace = .milliseconds(500) }, requestsPerProcess: 100)
        let request = SessionRequest(line: String(repeating: "x", count: 4 << 20), endMarkerPrefix: "END ")
        let outcome = try session.perform(request)
        XCTAssertEqual(outcome.reason, .inputClosed)
        XCTAssertEqual(outcome.termination, .signaled(SIGTERM))
        XCTAssertLessThan(seconds(outcome.duration), 1.5)
        XCTAssertEqual(kill(outcome.processID, 0), -1)
    }

    func testEveryNthRequestRetiresTheChild() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 2)
        let pids = try (0..<5).map { _ in try session.perform(sessionRequest("pid")) }
        XCTAssertEqual(pids.map(\.reason), Array(repeating: .completed, count: 5))
        XCTAssertEqual(pids.map(\.startedProcess), [true, false, true, false, true])
        XCTAssertEqual(pids[0].processID, pids[1].processID)
        XCTAssertNotEqual(pids[1].processID, pids[2].processID)
        // The retired child was reaped before perform returned.
        XCTAssertEqual(kill(pids[1].processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)
    }

    func testCloseEndsTheChildAndItsGrandchildren() throws {
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 100)
        let (outcome, lines) = try performCollecting(session, sessionRequest("grandchild"))
        XCTAssertEqual(outcome.reason, .completed)
        let grandchild = try XCTUnwrap(Int32(lines.first?.text ?? ""))
        XCTAssertEqual(kill(grandchild, 0), 0)
        session.close()
        XCTAssertEqual(kill(outcome.processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)
        XCTAssertTrue(waitUntilGone(grandchild), "grandchild \(grandchild) survived")
        XCTAssertTrue(try session.perform(sessionRequest("pid")).startedProcess)
    }

    func testManyRequestsLeakNoDescriptorsAndNoZombies() throws {
        _ = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 1).perform(sessionRequest("echo warm"))
        let before = openDescriptors()
        var pids = Set<pid_t>()
        do {
            let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 3)
            for index in 0..<12 {
                let command = ["echo \(index)", "die 3", "hang", "retire", "stderr 10", "quit"][index % 6]
                let outcome = try session.perform(sessionRequest(command, timeLimit: .milliseconds(300)))
                pids.insert(outcome.processID)
                if command == "quit" { Thread.sleep(forTimeInterval: 0.1) }
            }
        }  // The session goes away with a child still running: it is retired.
        XCTAssertGreaterThan(pids.count, 5)
        XCTAssertEqual(openDescriptors(), before)
        XCTAssertNil(reapStrayZombie())
        for pid in pids {
            XCTAssertTrue(waitUntilGone(pid), "pid \(pid) still exists")
        }
    }

    func testInvalidRequestsAndSessionsThrow() throws {
        XCTAssertThrowsError(try ProcessSession(try SessionChild.spec(), requestsPerProcess: 0))
        XCTAssertThrowsError(try ProcessSession(ProcessSpec(executablePath: ""), requestsPerProcess: 1))
        let session = try ProcessSession(try SessionChild.spec(), requestsPerProcess: 1)
        XCTAssertThrowsError(try session.perform(SessionRequest(line: "a\nb", endMarkerPrefix: "END")))
        XCTAssertThrowsError(try session.perform(SessionRequest(line: "a", endMarkerPrefix: "")))
        XCTAssertThrowsError(try session.perform(SessionRequest(line: "a", endMarkerPrefix: "END", timeLimit: .zero)))
    }

    func testAMissingExecutableThrowsAndLeaksNothing() throws {
        // Warm up lazy lookups with the same failing spawn.
        _ = try? ProcessSession(ProcessSpec(executablePath: "/nonexistent/driver"), requestsPerProcess: 1)
            .perform(sessionRequest("pid"))
        let before = openDescriptors()
        let session = try ProcessSession(ProcessSpec(executablePath: "/nonexistent/driver"), requestsPerProcess: 10)
        XCTAssertThrowsError(try session.perform(sessionRequest("pid"), cancellation: ProcessCancellation())) { error in
            XCTAssertEqual(error as? ChildProcessError, .executableNotFound(path: "/nonexistent/driver"))
        }
        XCTAssertEqual(openDescriptors(), before)
        XCTAssertNil(reapStrayZombie())
    }

    func testTheChildSeesOnlyItsStandardDescriptors() throws {
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        let session = try ProcessSession(
            shell(#"read line; ls /proc/$$/fd; printf '\rEND x\n'; read line"#), requestsPerProcess: 1)
        let (outcome, lines) = try performCollecting(session, SessionRequest(line: "go", endMarkerPrefix: "END x"))
        XCTAssertEqual(outcome.reason, .completed)
        XCTAssertEqual(lines.map(\.text).sorted(), ["0", "1", "2"])
    }

    /// Performs `request`, cancels it from another thread once its first line has arrived, and
    /// returns the outcome and the seconds from cancel() to perform's return.
    private func performAndCancelAfterFirstLine(
        _ session: ProcessSession,
        _ request: SessionRequest,
        firstLine: (String) -> Void = { _ in }
    ) throws -> (SessionOutcome, Double) {
        let cancellation = ProcessCancellation()
        let lineArrived = DispatchSemaphore(value: 0)
        let cancelledAt = Timestamp()
        Thread {
            lineArrived.wait()
            cancelledAt.set(Date())
            cancellation.cancel()
        }.start()
        var count = 0
        let outcome = try session.perform(request, cancellation: cancellation) { _, text in
            count += 1
            if count == 1 {
                firstLine(text)
                lineArrived.signal()
            }
        }
        let returned = Date()
        return (outcome, returned.timeIntervalSince(cancelledAt.get() ?? returned))
    }
}
