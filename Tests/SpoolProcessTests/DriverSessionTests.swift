import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

/// The seam the yt-dlp adapter will use: a `ProcessSession` whose child is the real driver
/// (Sources/SpoolYtDlp/Driver) run by the real yt-dlp's interpreter. Skipped when the project's
/// `.venv` (scripts/setup.sh) is missing. The driver's own behaviour is tested in
/// Tests/ytdlp_driver/test_spool_ytdlp_driver.py; this checks that its end marker (led by a
/// carriage return), its exit statuses and its stderr reach a Swift caller intact.
final class DriverSessionTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func driverSession(requestsPerProcess: Int = 10) throws -> ProcessSession {
        let ytDlp = Self.root.appendingPathComponent(".venv/bin/yt-dlp").path
        let python = Self.root.appendingPathComponent(".venv/bin/python3").path
        guard access(ytDlp, X_OK) == 0, access(python, X_OK) == 0 else {
            throw XCTSkip("needs the project's .venv with yt-dlp (scripts/setup.sh)")
        }
        var environment = ProcessSpec.currentEnvironment()
        environment["LC_ALL"] = "C.UTF-8"
        environment["PYTHONUNBUFFERED"] = "1"
        let driver = Self.root.appendingPathComponent("Sources/SpoolYtDlp/Driver/spool_ytdlp_driver.py").path
        let spec = ProcessSpec(executablePath: python, arguments: ["-u", driver, "--argv0", ytDlp],
                               environment: environment, timeLimit: .seconds(120), killGrace: .seconds(1))
        return try ProcessSession(spec, requestsPerProcess: requestsPerProcess)
    }

    private func request(_ argv: [String]) throws -> (SessionRequest, prefix: String) {
        let id = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let json = try JSONSerialization.data(withJSONObject: ["id": id, "argv": argv])
        let prefix = "SPOOL-YTDLP-DRIVER-END \(id) "
        return (SessionRequest(line: String(decoding: json, as: UTF8.self), endMarkerPrefix: prefix), prefix)
    }

    private func status(of outcome: SessionOutcome, prefix: String) -> Int32? {
        outcome.endMarker.flatMap { Int32($0.dropFirst(prefix.count)) }
    }

    func testTheDriverAnswersJobsInTurnWithYtDlpsStatusesAndLines() throws {
        let session = try driverSession()
        let (version, versionPrefix) = try request(["--version"])
        let first = try performCollecting(session, version)
        XCTAssertEqual(first.outcome.reason, .completed, first.outcome.tailText)
        XCTAssertEqual(status(of: first.outcome, prefix: versionPrefix), 0)
        XCTAssertEqual(first.lines.count, 1)
        XCTAssertTrue(first.lines.first?.text.range(of: #"^\d{4}\.\d{2}\.\d{2}"#, options: .regularExpression) != nil,
                      "\(first.lines)")

        let (wrong, wrongPrefix) = try request(["--no-such-option"])
        let second = try performCollecting(session, wrong)
        XCTAssertEqual(second.outcome.reason, .completed)
        XCTAssertFalse(second.outcome.startedProcess)
        XCTAssertEqual(second.outcome.processID, first.outcome.processID)
        XCTAssertEqual(status(of: second.outcome, prefix: wrongPrefix), 2)
        XCTAssertTrue(second.lines.contains(OutputLine(stream: .stderr, text: "yt-dlp: error: no such option: --no-such-option")),
                      "\(second.lines)")
    }

    func testCancellingAJobKillsTheDriverAndTheNextJobStartsANewOne() throws {
        let session = try driverSession()
        let (version, _) = try request(["--version"])
        let before = try session.perform(version)
        // A job that waits: a URL on a port that accepts and never answers.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0,
                                  sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                guard bind(listener, socketAddress, length) == 0, listen(listener, 4) == 0,
                      getsockname(listener, socketAddress, &length) == 0 else { throw XCTSkip("no loopback socket") }
            }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let (hanging, _) = try request(["--socket-timeout", "600", "-o", "/tmp/%(id)s.%(ext)s", "--", "http://127.0.0.1:\(port)/x.m4a"])
        let cancellation = ProcessCancellation()
        let cancelledAt = Timestamp()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) {
            cancelledAt.set(Date())
            cancellation.cancel()
        }
        let outcome = try session.perform(hanging, cancellation: cancellation)
        let latency = Date().timeIntervalSince(cancelledAt.get() ?? .distantPast)
        XCTAssertEqual(outcome.reason, .cancelled, outcome.tailText)
        XCTAssertEqual(outcome.processID, before.processID)
        XCTAssertLessThan(latency, 2)
        XCTAssertEqual(kill(outcome.processID, 0), -1)
        XCTAssertEqual(errno, ESRCH)

        let after = try session.perform(version)
        XCTAssertEqual(after.reason, .completed)
        XCTAssertTrue(after.startedProcess)
    }
}
