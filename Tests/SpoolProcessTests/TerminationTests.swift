import Glibc
import XCTest
@testable import SpoolProcess

final class TerminationTests: XCTestCase {
    func testExitCodeIsReported() throws {
        let outcome = try ChildProcess.run(shell("exit 3"))
        XCTAssertEqual(outcome.termination, .exited(3))
        XCTAssertEqual(outcome.reason, .finished)
        XCTAssertFalse(outcome.isSuccess)
    }

    func testSignalIsReported() throws {
        let outcome = try ChildProcess.run(shell("kill -SEGV $$"))
        XCTAssertEqual(outcome.termination, .signaled(SIGSEGV))
        XCTAssertEqual(outcome.reason, .finished)
        XCTAssertEqual(outcome.termination.description, "killed by SIGSEGV")
    }

    func testSuccessIsReported() throws {
        let outcome = try ChildProcess.run(ProcessSpec(executablePath: "/bin/echo", arguments: ["hi"]))
        XCTAssertTrue(outcome.isSuccess)
        XCTAssertEqual(outcome.tailText, "hi")
        XCTAssertGreaterThan(outcome.processID, 0)
    }

    func testIgnoredSignalsAreResetInTheChild() throws {
        // A server usually ignores SIGPIPE; the child must not inherit that.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let (_, lines) = try runCollecting(shell("grep SigIgn /proc/self/status"))
        let mask = UInt64(lines.first?.text.split(separator: "\t").last ?? "", radix: 16) ?? .max
        XCTAssertEqual(mask & (1 << (UInt64(SIGPIPE) - 1)), 0, "SIGPIPE still ignored: \(lines)")
    }

    func testOrphanLeftByANormalExitIsKilled() throws {
        // The leader exits at once; its background child would otherwise run on unwatched.
        let (outcome, lines) = try runCollecting(shell("sleep 1000 & echo $!"))
        XCTAssertEqual(outcome.reason, .finished)
        let orphan = try XCTUnwrap(Int32(lines.first?.text ?? ""))
        XCTAssertTrue(waitUntilGone(orphan))
        XCTAssertLessThan(seconds(outcome.duration), 1.5)
    }
}
