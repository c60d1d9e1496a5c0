import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

final class ResourceTests: XCTestCase {
    override func setUp() {
        while reapStrayZombie() != nil {}
    }

    func testFiftyRunsLeakNoDescriptorsAndNoZombies() throws {
        _ = try ChildProcess.run(ProcessSpec(executablePath: "/bin/echo"))  // warm up lazy lookups
        let before = openDescriptors()
        var pids: [pid_t] = []
        for index in 0..<50 {
            let cancellation = index % 5 == 0 ? ProcessCancellation() : nil
            let spec = index % 2 == 0
                ? ProcessSpec(executablePath: "/bin/echo", arguments: ["run \(index)"])
                : shell("echo out; echo err >&2; exit \(index % 7)")
            let outcome = try ChildProcess.run(spec, cancellation: cancellation)
            pids.append(outcome.processID)
        }
        XCTAssertEqual(openDescriptors(), before)
        XCTAssertNil(reapStrayZombie())
        for pid in pids {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)"), "pid \(pid) still exists")
        }
    }

    /// Downloads run below the server (`DOWNLOAD_NICENESS`): the child and what it starts later
    /// (yt-dlp's ffmpeg) are all lowered, relative to this process's own priority.
    func testNicenessLowersTheChildAndWhatItStarts() throws {
        let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        var lines: [String] = []
        // The priority is set once the spawn returns, while the child starts: yt-dlp's Python
        // takes 100 ms before it runs anything, the shell here is given 50 ms.
        let outcome = try ChildProcess.run(shell("sleep 0.05; nice; sh -c nice") { $0.niceness = 7 }) { stream, line in
            if stream == .stdout { lines.append(line) }
        }
        XCTAssertTrue(outcome.isSuccess)
        XCTAssertEqual(lines, [String(min(own + 7, 19)), String(min(own + 7, 19))])
        lines = []
        _ = try ChildProcess.run(shell("nice")) { _, line in lines.append(line) }
        XCTAssertEqual(lines, [String(own)], "without niceness the child runs as this process does")
    }

    func testKilledRunsLeakNothing() throws {
        _ = try ChildProcess.run(ProcessSpec(executablePath: "/bin/echo"))  // warm up lazy lookups
        let before = openDescriptors()
        for _ in 0..<5 {
            let outcome = try ChildProcess.run(shell("sleep 1000 & sleep 1000") {
                $0.timeLimit = .milliseconds(100)
                $0.killGrace = .zero
            })
            XCTAssertEqual(outcome.reason, .timedOut)
        }
        XCTAssertEqual(openDescriptors(), before)
        XCTAssertNil(reapStrayZombie())
    }

    func testMissingExecutableThrowsAndLeaksNothing() throws {
        _ = try? ChildProcess.run(ProcessSpec(executablePath: "/nonexistent/yt-dlp"))  // warm up lazy lookups
        let before = openDescriptors()
        let cancellation = ProcessCancellation()
        XCTAssertThrowsError(try ChildProcess.run(
            ProcessSpec(executablePath: "/nonexistent/yt-dlp"), cancellation: cancellation)
        ) { error in
            XCTAssertEqual(error as? ChildProcessError, .executableNotFound(path: "/nonexistent/yt-dlp"))
            XCTAssertEqual("\(error)", "Cannot run /nonexistent/yt-dlp: no such file")
        }
        XCTAssertEqual(openDescriptors(), before)
        XCTAssertNil(reapStrayZombie())
    }

    func testNonExecutableFilesThrowNotExecutable() throws {
        let directory = NSTemporaryDirectory() + "spool-process-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plain = directory + "/plain"
        let garbage = directory + "/garbage"
        try Data("echo hi\n".utf8).write(to: URL(fileURLWithPath: plain))
        try Data([0x00, 0x01, 0x02, 0x03]).write(to: URL(fileURLWithPath: garbage))
        chmod(plain, 0o644)
        chmod(garbage, 0o755)

        let before = openDescriptors()
        // Without an execute bit, even root gets EACCES.
        XCTAssertThrowsError(try ChildProcess.run(ProcessSpec(executablePath: plain))) { error in
            XCTAssertEqual(error as? ChildProcessError, .notExecutable(path: plain, errno: EACCES))
        }
        XCTAssertThrowsError(try ChildProcess.run(ProcessSpec(executablePath: garbage))) { error in
            XCTAssertEqual(error as? ChildProcessError, .notExecutable(path: garbage, errno: ENOEXEC))
        }
        XCTAssertThrowsError(try ChildProcess.run(ProcessSpec(executablePath: directory))) { error in
            XCTAssertEqual(error as? ChildProcessError, .notExecutable(path: directory, errno: EACCES))
        }
        XCTAssertEqual(openDescriptors(), before)
        XCTAssertNil(reapStrayZombie())
    }

    func testMissingWorkingDirectoryThrows() throws {
        let spec = ProcessSpec(executablePath: "/bin/echo", workingDirectory: "/nonexistent-dir")
        XCTAssertThrowsError(try ChildProcess.run(spec)) { error in
            XCTAssertEqual(error as? ChildProcessError,
                           .workingDirectoryUnavailable(path: "/nonexistent-dir", errno: ENOENT))
        }
    }

    func testInvalidSpecificationThrows() {
        XCTAssertThrowsError(try ChildProcess.run(ProcessSpec(executablePath: "/bin/echo", arguments: ["a\0b"])))
        XCTAssertThrowsError(try ChildProcess.run(ProcessSpec(executablePath: "/bin/echo", timeLimit: .zero)))
        XCTAssertThrowsError(try ChildProcess.run(ProcessSpec(executablePath: "")))
    }

    func testChildSeesOnlyStandardDescriptorsWhileOthersSpawnConcurrently() throws {
        // A descriptor some library opened without O_CLOEXEC must not reach our children either.
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        let listings = Listings()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let spec = index % 2 == 0
                ? shell("ls /proc/$$/fd")
                : ProcessSpec(executablePath: "/bin/sleep", arguments: ["0.2"])
            if let (_, lines) = try? runCollecting(spec), index % 2 == 0 {
                listings.append(lines.map(\.text).sorted())
            }
        }
        XCTAssertEqual(listings.all.count, 4)
        for listing in listings.all {
            XCTAssertEqual(listing, ["0", "1", "2"])
        }
    }
}

private final class Listings: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[String]] = []
    func append(_ listing: [String]) { lock.withLock { values.append(listing) } }
    var all: [[String]] { lock.withLock { values } }
}
