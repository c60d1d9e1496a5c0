import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

final class OutputLineTests: XCTestCase {
    func testLinesArriveInOrderWithTheirStream() throws {
        // Pauses between writes: across two pipes, order is only defined by arrival time.
        let (outcome, lines) = try runCollecting(shell(
            "echo out1; sleep 0.05; echo err1 >&2; sleep 0.05; echo out2; sleep 0.05; echo err2 >&2"))
        XCTAssertTrue(outcome.isSuccess)
        XCTAssertEqual(lines, [
            OutputLine(stream: .stdout, text: "out1"),
            OutputLine(stream: .stderr, text: "err1"),
            OutputLine(stream: .stdout, text: "out2"),
            OutputLine(stream: .stderr, text: "err2"),
        ])
        XCTAssertEqual(outcome.tail, lines)
    }

    func testCarriageReturnsSplitLines() throws {
        // The shape of yt-dlp progress without --newline.
        let (_, lines) = try runCollecting(shell(
            #"printf 'start\n\r[download]  1.0%%\r[download] 50.0%%\r[download] 100%%\r\ncrlf\r\n\nlast'"#))
        XCTAssertEqual(lines.map(\.text), [
            "start", "[download]  1.0%", "[download] 50.0%", "[download] 100%", "crlf", "", "last",
        ])
    }

    func testInvalidUTF8IsDecodedLossily() throws {
        let python = try XCTUnwrap(executableOnPath("python3"), "python3 is needed")
        let spec = ProcessSpec(executablePath: python, arguments: [
            "-c", #"import sys; sys.stdout.buffer.write(b'ok \xff\xfe bad\n\xc3\x28\nok \xc3\xa9\n')"#,
        ])
        let (outcome, lines) = try runCollecting(spec)
        XCTAssertTrue(outcome.isSuccess, outcome.tailText)
        XCTAssertEqual(lines.map(\.text), ["ok \u{FFFD}\u{FFFD} bad", "\u{FFFD}(", "ok é"])
    }

    func testHugeLineWithoutNewlineIsCappedAndMemoryStaysBounded() throws {
        let spec = shell("head -c 10000000 /dev/zero | tr '\\0' x; echo; echo end") {
            $0.lineByteLimit = 4096
        }
        resetPeakResidentSize()
        let before = residentKiB("VmRSS")
        let (outcome, lines) = try runCollecting(spec)
        let peakGrowth = residentKiB("VmHWM") - before
        XCTAssertTrue(outcome.isSuccess)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.first?.text, String(repeating: "x", count: 4096))
        XCTAssertEqual(lines.last?.text, "end")
        // Holding the line would take at least 10 MB; the reader needs a 64 KiB buffer.
        XCTAssertLessThan(peakGrowth, 6 * 1024, "peak resident size grew by \(peakGrowth) KiB")
    }

    func testTailKeepsOnlyTheLastLines() throws {
        let spec = shell("i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done; echo done >&2") {
            $0.tailLineLimit = 200
        }
        let (outcome, lines) = try runCollecting(spec)
        XCTAssertEqual(lines.count, 501)
        XCTAssertEqual(outcome.tail.count, 200)
        XCTAssertEqual(outcome.tail.first?.text, "line 301")
        XCTAssertEqual(outcome.tail.last, OutputLine(stream: .stderr, text: "done"))
    }

    func testEnvironmentAndWorkingDirectoryAreApplied() throws {
        let spec = shell("pwd; echo \"$SPOOL_TEST-$HOME-\"") {
            $0.environment = ["SPOOL_TEST": "value", "PATH": "/usr/bin:/bin"]
            $0.workingDirectory = "/tmp"
        }
        let (_, lines) = try runCollecting(spec)
        XCTAssertEqual(lines.map(\.text), ["/tmp", "value--"])
    }

    func testInheritedEnvironmentReachesTheChild() throws {
        var environment = ProcessSpec.currentEnvironment()
        XCTAssertNotNil(environment["PATH"])
        environment["SPOOL_EXTRA"] = "added"
        let (_, lines) = try runCollecting(shell("echo \"$SPOOL_EXTRA\"; test -n \"$PATH\" && echo path") {
            $0.environment = environment
        })
        XCTAssertEqual(lines.map(\.text), ["added", "path"])
    }

    func testStandardInputIsEmpty() throws {
        let (_, lines) = try runCollecting(shell("cat; echo after-cat"))
        XCTAssertEqual(lines.map(\.text), ["after-cat"])
    }
}
