import Foundation
import Logging
import SpoolJobs
import SpoolStore
import XCTest
@testable import SpoolCore

/// A real domain on a real SQLite file in a temporary folder, with yt-dlp played by the
/// fault-injecting stand-in (`Tests/Fixtures/fake_ytdlp.py`), whose mode each test sets in the
/// environment the children inherit. Timings are short so failure paths finish in seconds.
final class DomainHarness {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fakeYtDlp = repository.appendingPathComponent("Tests/Fixtures/fake_ytdlp.py").path

    let directory: String
    let database: SpoolDatabase
    let domain: Domain

    init(ytdlp: String = DomainHarness.fakeYtDlp, workers: Int = 1, configure: (inout DomainConfiguration) -> Void = { _ in }) throws {
        directory = NSTemporaryDirectory() + "spool-core-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        database = try SpoolDatabase(options: DatabaseOptions(path: directory + "/tracks.db"))
        try database.migrate()
        var configuration = DomainConfiguration(libraryDirectory: directory + "/library", ytdlpExecutable: ytdlp)
        configuration.workers = WorkerPoolOptions(
            workers: workers, leaseSeconds: 2, heartbeatSeconds: 0.5, supervisionSeconds: 0.05,
            progressIntervalSeconds: 0.25, shutdownGraceSeconds: 3)
        configuration.retry = RetryPolicy(baseSeconds: 30, capSeconds: 60, jitter: 0)
        configuration.maxAttempts = 3
        configuration.listingTimeLimitSeconds = 20
        configuration.listingStallSeconds = 10
        configuration.ytdlpUpdateChannel = .off
        configure(&configuration)
        domain = try Domain(database: database, configuration: configuration, logger: Logger(label: "test"))
    }

    deinit {
        domain.stop()
        try? database.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Sets how the stand-in behaves for the children started from now on.
    static func fake(_ mode: String, _ environment: [String: String] = [:]) {
        for name in ["FAKE_YTDLP_STDERR", "FAKE_YTDLP_EXIT", "FAKE_YTDLP_LISTING", "FAKE_YTDLP_DELAY", "FAKE_YTDLP_THEN_FAIL", "FAKE_YTDLP_EVERY", "FAKE_YTDLP_LINES"] {
            unsetenv(name)
        }
        setenv("FAKE_YTDLP_MODE", mode, 1)
        for (name, value) in environment { setenv(name, value, 1) }
    }

    /// Waits until `condition` holds (polling), or fails the test.
    @discardableResult
    func wait<T>(_ what: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try condition() { return value }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTFail("timed out waiting for \(what)", file: file, line: line)
        throw CancellationError()
    }

    func job(_ id: Int64) throws -> Job {
        try XCTUnwrap(try domain.queue.job(id))
    }

    func waitForJob(_ id: Int64, in statuses: Set<JobStatus>, file: StaticString = #filePath, line: UInt = #line) throws -> Job {
        try wait("job \(id) to reach \(statuses.map(\.rawValue))", file: file, line: line) {
            let job = try self.job(id)
            return statuses.contains(job.status) ? job : nil
        }
    }

    /// Writes a listing file of `count` entries (newest first) for the `listing` mode.
    func listing(_ ids: [String], garbageEvery: Int = 0) throws -> String {
        var lines: [String] = []
        for (index, id) in ids.enumerated() {
            if garbageEvery > 0, index % garbageEvery == 0 { lines.append("{\"not\": \"closed\"") }
            lines.append(#"{"_type":"url","ie_key":"Generic","id":"\#(id)","url":"https://fixture.test/\#(id)","title":"Title \#(id)","duration":2,"playlist_title":"Fixture channel","playlist_id":"fixture","playlist_index":\#(index + 1)}"#)
        }
        let path = directory + "/listing-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
