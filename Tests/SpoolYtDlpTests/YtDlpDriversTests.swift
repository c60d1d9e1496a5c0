import Foundation
import SpoolProcess
import XCTest
@testable import SpoolYtDlp

/// Downloads through the long-lived yt-dlp drivers give what a `yt-dlp` process gives: the file,
/// the printed path, the exit status and the stderr the classifier reads. Real yt-dlp from the
/// project's `.venv` (skipped without it), real ffmpeg-made media read through `file://` URLs.
final class YtDlpDriversTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private var folder = ""
    private var server: Process?
    private var port = 0

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "spool-drivers-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Serves `folder` over HTTP; the port is the one `http.server` reports.
    private func serveFolder() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", folder]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        server = process
        var line = Data()
        while !line.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw XCTSkip("http.server did not start") }
            line.append(chunk)
        }
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        port = try XCTUnwrap(words.firstIndex(of: "port").flatMap { Int(words[$0 + 1]) })
    }

    private func installation() throws -> YtDlpInstallation {
        let ytdlp = Self.repository.appendingPathComponent(".venv/bin/yt-dlp").path
        guard FileManager.default.isExecutableFile(atPath: ytdlp) else {
            throw XCTSkip("needs the project's .venv with yt-dlp (scripts/setup.sh)")
        }
        return YtDlpInstallation(executable: ytdlp, overlay: nil, runtimePath: nil)
    }

    /// One second of sine in an m4a, and its URL.
    private func media(named name: String) throws -> String {
        if server == nil { try serveFolder() }
        let path = folder + "/\(name).m4a"
        let ffmpeg = ProcessSpec(executablePath: "/usr/bin/ffmpeg", arguments: [
            "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", path])
        guard try ChildProcess.run(ffmpeg).isSuccess else { throw XCTSkip("ffmpeg cannot make test media") }
        return "http://127.0.0.1:\(port)/\(name).m4a"
    }

    private func arguments(_ url: String, into output: String) -> [String] {
        ["--no-quiet", "-o", output + "/%(id)s.%(ext)s", "--print", "after_move:filepath", url]
    }

    func testTheScriptIsTheRepositorysFileWrittenOnceUnderItsDigest() throws {
        let source = try Data(contentsOf: Self.repository.appendingPathComponent("Sources/SpoolYtDlp/Driver/spool_ytdlp_driver.py"))
        XCTAssertEqual([UInt8](source), YtDlpDrivers.script)
        let first = try XCTUnwrap(YtDlpDrivers.writeScript(into: folder))
        let second = try XCTUnwrap(YtDlpDrivers.writeScript(into: folder))
        XCTAssertEqual(first, second)
        XCTAssertTrue(first.hasPrefix(folder + "/ytdlp-driver-"))
        XCTAssertEqual(FileManager.default.contents(atPath: first), source)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertEqual(names, [URL(fileURLWithPath: first).lastPathComponent], "no temporary file is left behind")
    }

    func testNoDriverWithoutAVirtualEnvironment() {
        let system = YtDlpInstallation(executable: "/usr/bin/true", overlay: nil, runtimePath: nil)
        XCTAssertNil(YtDlpDrivers(installation: system, scriptFolder: folder))
    }

    func testDownloadsRunInOneDriverAndFailuresLookLikeAProcesssFailures() throws {
        let installation = try installation()
        let drivers = try XCTUnwrap(YtDlpDrivers(installation: installation, scriptFolder: folder))
        defer { drivers.shutdown() }
        let runner = YtDlpRunner(installation: installation)
        let output = folder + "/out"

        var printed: [String] = []
        let first = try runner.download(arguments(try media(named: "first"), into: output), cancellation: ProcessCancellation(),
                                        drivers: drivers, onStdout: { printed.append($0) })
        XCTAssertTrue(first.succeeded, first.logTail)
        XCTAssertEqual(printed.last, output + "/first.m4a")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/first.m4a"))
        XCTAssertEqual(drivers.idleCount, 1, "the session goes back to the pool")

        let second = try runner.download(arguments(try media(named: "second"), into: output), cancellation: ProcessCancellation(),
                                         drivers: drivers, onStdout: { _ in })
        XCTAssertTrue(second.succeeded, second.logTail)
        XCTAssertEqual(second.outcome.processID, first.outcome.processID, "the second job ran in the same driver")

        let missing = try runner.download(arguments("http://127.0.0.1:\(port)/missing.m4a", into: output),
                                          cancellation: ProcessCancellation(), drivers: drivers, onStdout: { _ in })
        XCTAssertFalse(missing.succeeded)
        XCTAssertEqual(missing.outcome.termination, .exited(1))
        XCTAssertTrue(missing.stderrTail.contains { $0.hasPrefix("ERROR:") && $0.contains("404") }, "\(missing.stderrTail)")
        XCTAssertEqual(missing.failure.cause, FailureClassifier.classify(
            exitCode: 1, signal: nil, stderrLines: missing.stderrTail).cause)
        XCTAssertEqual(missing.outcome.processID, first.outcome.processID, "a failed job does not cost the driver")

        // After an update switches versions, the next job imports yt-dlp afresh.
        drivers.closeAll()
        XCTAssertEqual(drivers.idleCount, 0)
        let after = try runner.download(arguments(try media(named: "third"), into: output), cancellation: ProcessCancellation(),
                                        drivers: drivers, onStdout: { _ in })
        XCTAssertTrue(after.succeeded, after.logTail)
        XCTAssertNotEqual(after.outcome.processID, first.outcome.processID)
    }

    func testACancelledDownloadStopsItsDriverAndTheNextJobGetsAFreshOne() throws {
        let installation = try installation()
        let drivers = try XCTUnwrap(YtDlpDrivers(installation: installation, scriptFolder: folder))
        defer { drivers.shutdown() }
        let runner = YtDlpRunner(installation: installation)
        let cancellation = ProcessCancellation()
        // A listening socket that never answers holds the job until it is cancelled.
        let silent = try SilentServer()
        defer { silent.close() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { cancellation.cancel() }
        let stopped = try runner.download(["--socket-timeout", "60", "http://127.0.0.1:\(silent.port)/never.m4a"],
                                          cancellation: cancellation, drivers: drivers, onStdout: { _ in })
        XCTAssertEqual(stopped.outcome.reason, .cancelled)
        XCTAssertEqual(kill(stopped.outcome.processID, 0), -1, "the driver was stopped with the job")

        let next = try runner.download(arguments(try media(named: "next"), into: folder + "/out"), cancellation: ProcessCancellation(),
                                       drivers: drivers, onStdout: { _ in })
        XCTAssertTrue(next.succeeded, next.logTail)
        XCTAssertNotEqual(next.outcome.processID, stopped.outcome.processID)
    }

    func testADriverOutcomeMapsOntoAProcessOutcome() {
        let prefix = "SPOOL-YTDLP-DRIVER-END abc "
        func map(_ reason: SessionOutcome.Reason, marker: String? = nil, termination: ProcessTermination? = nil) -> ProcessOutcome {
            YtDlpRunner.processOutcome(of: SessionOutcome(reason: reason, endMarker: marker, termination: termination, processID: 7,
                                                          startedProcess: false, tail: [], duration: .zero), prefix: prefix)
        }
        XCTAssertTrue(map(.completed, marker: prefix + "0").isSuccess)
        XCTAssertEqual(map(.completed, marker: prefix + "101").termination, .exited(101))
        XCTAssertEqual(map(.childExited, termination: .signaled(9)).termination, .signaled(9))
        XCTAssertFalse(map(.inputClosed).isSuccess)
        XCTAssertEqual(map(.timedOut, termination: .signaled(15)).reason, .timedOut)
        XCTAssertEqual(map(.stalled, termination: .signaled(15)).reason, .stalled)
        XCTAssertEqual(map(.cancelled, termination: .signaled(15)).reason, .cancelled)
    }
}

/// Accepts connections and never answers.
private final class SilentServer {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw XCTSkip("cannot listen on 127.0.0.1") }
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() { _ = Glibc.close(descriptor) }
}
