import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

final class WatchdogTests: XCTestCase {
    func testTimeLimitKillsTheWholeGroup() throws {
        // Both the shell and its grandchild ignore SIGTERM, so only the SIGKILL after the grace
        // can end them.
        let spec = shell(#"trap "" TERM; sleep 1000 & echo $!; wait"#) {
            $0.timeLimit = .seconds(1)
            $0.killGrace = .milliseconds(500)
        }
        let (outcome, lines) = try runCollecting(spec)
        XCTAssertEqual(outcome.reason, .timedOut)
        XCTAssertEqual(outcome.termination, .signaled(SIGKILL))
        XCTAssertGreaterThanOrEqual(seconds(outcome.duration), 1.0)
        XCTAssertLessThan(seconds(outcome.duration), 1.0 + 0.5 + 1.0)
        let grandchild = try XCTUnwrap(Int32(lines.first?.text ?? ""))
        XCTAssertEqual(kill(outcome.processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)
        XCTAssertTrue(waitUntilGone(grandchild), "grandchild \(grandchild) survived")
    }

    func testTimeLimitLetsAChildThatObeysSIGTERMExitGracefully() throws {
        let spec = shell(#"trap 'echo got-term; exit 7' TERM; while :; do sleep 0.05; done"#) {
            $0.timeLimit = .milliseconds(300)
            $0.killGrace = .seconds(5)
        }
        let (outcome, lines) = try runCollecting(spec)
        XCTAssertEqual(outcome.reason, .timedOut)
        XCTAssertEqual(outcome.termination, .exited(7))
        // The shell may also report its `sleep` as "Terminated", before or after the trap's
        // line: the whole group got SIGTERM.
        XCTAssertTrue(lines.contains { $0.text == "got-term" }, "\(lines.map(\.text))")
        XCTAssertLessThan(seconds(outcome.duration), 2)
    }

    func testStallWatchdogStopsTheSilentChildButNotTheChattyOne() throws {
        let silent = ProcessSpec(executablePath: "/bin/sleep", arguments: ["30"],
                                 timeLimit: .seconds(20), stallTimeout: .milliseconds(500))
        let chatty = shell("i=0; while [ $i -lt 15 ]; do echo tick $i; sleep 0.1; i=$((i+1)); done") {
            $0.timeLimit = .seconds(20)
            $0.stallTimeout = .milliseconds(500)
        }
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let outcome = try? ChildProcess.run(index == 0 ? silent : chatty)
            outcomes.set(index, outcome)
        }
        let silentOutcome = try XCTUnwrap(outcomes.get(0))
        let chattyOutcome = try XCTUnwrap(outcomes.get(1))
        XCTAssertEqual(silentOutcome.reason, .stalled)
        XCTAssertEqual(silentOutcome.termination, .signaled(SIGTERM))
        XCTAssertLessThan(seconds(silentOutcome.duration), 1.5)
        XCTAssertTrue(chattyOutcome.isSuccess, "\(chattyOutcome.reason)")
        XCTAssertEqual(chattyOutcome.tail.count, 15)
        XCTAssertGreaterThan(seconds(chattyOutcome.duration), 1.4)
    }

    func testStallCountsAChildThatClosedItsOutputAndHangs() throws {
        let spec = shell("exec >/dev/null 2>&1; sleep 1000") {
            $0.stallTimeout = .milliseconds(300)
        }
        let outcome = try ChildProcess.run(spec)
        XCTAssertEqual(outcome.reason, .stalled)
        XCTAssertLessThan(seconds(outcome.duration), 1.5)
    }
}

private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: ProcessOutcome] = [:]
    func set(_ index: Int, _ outcome: ProcessOutcome?) { lock.withLock { values[index] = outcome } }
    func get(_ index: Int) -> ProcessOutcome? { lock.withLock { values[index] } }
}
