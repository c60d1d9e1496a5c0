import Foundation
import Glibc
import Logging
import SpoolJobs
import SpoolProcess
import SpoolStore
import Synchronization
import XCTest
@testable import SpoolCore

/// The words of each notification, the webhook's JSON, URL handling, and how the service turns
/// events into messages (batched failures, one message per pause) and bounds a slow notifier.
final class NotificationTests: XCTestCase {
    private func round(added: Int, failed: Int = 0, titles: [String]) -> SyncRound {
        SyncRound(sourceId: 7, sourceTitle: "Lo-fi Radio", syncJobId: 3, queued: added + failed, added: added, failed: failed, titles: titles)
    }

    func testNewTracksAreOneMessageWithTheFirstTitles() throws {
        let one = try XCTUnwrap(NotificationMessages.newTracks(round(added: 1, titles: ["First light"])))
        XCTAssertEqual(one.title, "1 new track from Lo-fi Radio")
        XCTAssertEqual(one.body, "First light")
        XCTAssertEqual(one.kind, .newTracks)

        let many = try XCTUnwrap(NotificationMessages.newTracks(round(added: 120, failed: 2, titles: (1...5).map { "Song \($0)" })))
        XCTAssertEqual(many.title, "120 new tracks from Lo-fi Radio")
        XCTAssertEqual(many.body.split(separator: "\n"), ["Song 1", "Song 2", "Song 3", "Song 4", "Song 5", "and 115 more",
                                                           "2 downloads of this sync failed; see the jobs page."])
        XCTAssertNil(NotificationMessages.newTracks(round(added: 0, failed: 3, titles: [])), "nothing new: no message")
    }

    private func failedJob(_ id: Int64, _ title: String, _ errorClass: JobErrorClass, status: JobStatus = .failed) -> Job {
        var job = Job(kind: JobKind.download.rawValue, sourceId: 7, videoId: "v\(id)", title: title)
        job.id = id
        job.status = status
        job.errorClass = errorClass
        job.lastError = "The download failed: " + ErrorExplanation.text(for: errorClass).summary
        return job
    }

    func testFailuresListTheirReasonsAndTheRemedyWhenTheyShareOne() {
        let single = NotificationMessages.downloadsFailed([.init(failedJob(1, "Members only", .permanent))])
        XCTAssertEqual(single.title, "A download failed")
        XCTAssertEqual(single.level, .failure)
        XCTAssertEqual(single.body.split(separator: "\n").map(String.init), [
            "Members only: The download failed: \(ErrorExplanation.text(for: .permanent).summary)",
            ErrorExplanation.text(for: .permanent).remedy])

        let burst = (1...8).map { NotificationMessages.FailedDownload(failedJob(Int64($0), "Video \($0)", $0 == 8 ? .timeout : .permanent,
                                                                                 status: $0 == 8 ? .timeout : .failed)) }
        let message = NotificationMessages.downloadsFailed(burst)
        XCTAssertEqual(message.title, "8 downloads failed")
        let lines = message.body.split(separator: "\n")
        XCTAssertEqual(lines.count, 6, "five reasons and the rest counted; no remedy for mixed causes")
        XCTAssertEqual(lines.last, "and 3 more")
    }

    func testAPauseSaysWhyForHowLongAndWhatToDo() {
        let state = DownloadBrake.State(pausedUntil: Date(), cause: .bot_check, cooldownSeconds: 120, trips: 1, probing: true, probeJobId: nil)
        let message = NotificationMessages.downloadsPaused(state)
        XCTAssertEqual(message.title, "Downloads paused: the site asks for a bot check")
        XCTAssertEqual(message.level, .warning)
        XCTAssertTrue(message.body.contains("for 2 min"), message.body)
        XCTAssertTrue(message.body.contains("COOKIES_FILE"), "the remedy: \(message.body)")
        XCTAssertEqual(NotificationMessages.duration(45), "45 s")
        XCTAssertEqual(NotificationMessages.duration(3600), "60 min")
        XCTAssertEqual(NotificationMessages.duration(7200), "2 h")
    }

    func testUpdatesAreToldOnlyWhenSomethingHappened() throws {
        func record(_ result: String, from: String? = nil, to: String? = nil) -> YtDlpService.UpdateRecord {
            .init(at: Date(), manual: false, result: result, message: "pip said so", from: from, to: to)
        }
        let updated = try XCTUnwrap(NotificationMessages.ytdlpUpdate(record("updated", from: "2026.01.01", to: "2026.02.02")))
        XCTAssertEqual(updated.title, "yt-dlp updated to 2026.02.02")
        XCTAssertTrue(updated.body.hasPrefix("yt-dlp was updated from 2026.01.01 to 2026.02.02. "))
        for failure in ["failed", "refused"] {
            let message = try XCTUnwrap(NotificationMessages.ytdlpUpdate(record(failure)))
            XCTAssertEqual(message.title, "yt-dlp could not be updated")
            XCTAssertTrue(message.body.hasPrefix("pip said so\n"))
        }
        XCTAssertNil(NotificationMessages.ytdlpUpdate(record("up_to_date")))
        XCTAssertNil(NotificationMessages.ytdlpUpdate(record("not_updatable")))
    }

    func testOnlyAFailedBackupIsTold() throws {
        let good = BackupService.Run(at: Date(), ok: true, path: "/b/x.db", sizeBytes: 10, durationSeconds: 0.1, error: nil, pruned: 0)
        XCTAssertNil(NotificationMessages.backupFailed(good))
        var bad = good
        (bad.ok, bad.path, bad.error) = (false, nil, "the disk holding /b is full; free space or set BACKUP_DIR elsewhere")
        let message = try XCTUnwrap(NotificationMessages.backupFailed(bad))
        XCTAssertEqual(message.title, "The database backup failed")
        XCTAssertTrue(message.body.hasPrefix("the disk holding /b is full"))
    }

    func testTheWebhookBodyIsOneFlatJSONObject() throws {
        let message = try XCTUnwrap(NotificationMessages.newTracks(round(added: 2, titles: ["A/B", "C"])))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: try message.json()) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["kind", "level", "title", "body", "at", "data"])
        XCTAssertEqual(object["kind"] as? String, "new_tracks")
        XCTAssertEqual(object["level"] as? String, "info")
        XCTAssertNotNil(ISO8601DateFormatter().date(from: object["at"] as? String ?? ""))
        let data = try XCTUnwrap(object["data"] as? [String: Any])
        XCTAssertEqual(data["source_title"] as? String, "Lo-fi Radio")
        XCTAssertEqual(data["titles"] as? [String], ["A/B", "C"])
        XCTAssertTrue(String(decoding: try message.json(), as: UTF8.self).contains("\"A/B\""), "slashes unescaped")
    }

    func testWebhookURLsAreCheckedAndTheirSecretsNeverShown() throws {
        let endpoint = try HTTPPost.Endpoint(url: "http://hook:s3cret@192.168.1.5:8123/api/webhook/abc?token=t0k")
        XCTAssertEqual(endpoint.host, "192.168.1.5")
        XCTAssertEqual(endpoint.port, 8123)
        XCTAssertEqual(endpoint.target, "/api/webhook/abc?token=t0k")
        XCTAssertEqual(endpoint.authorization, "Basic " + Data("hook:s3cret".utf8).base64EncodedString())
        XCTAssertEqual(endpoint.displayName, "http://192.168.1.5:8123")
        XCTAssertEqual(try HTTPPost.Endpoint(url: "http://example.org").target, "/")
        XCTAssertEqual(try HTTPPost.Endpoint(url: "http://example.org").hostHeader, "example.org")
        XCTAssertEqual(try HTTPPost.Endpoint(url: "http://[::1]:9/x").displayName, "http://[::1]:9")
        XCTAssertEqual(NotificationService.problem(webhookURL: "ftp://example.org/x", caFile: nil)?.description,
                       "WEBHOOK_URL must be an http:// or https:// URL, not ftp://")
        XCTAssertNotNil(NotificationService.problem(webhookURL: "http:///nohost", caFile: nil))
        XCTAssertNil(NotificationService.problem(webhookURL: "http://127.0.0.1:8080/hook", caFile: nil))

        let apprise = AppriseNotifier(executable: "/bin/apprise", urls: "tgram://123:ABC/456, json://host/x mailto://u:p@mail.example")
        XCTAssertEqual(apprise.target, "3 URLs (tgram, json, mailto)")
        XCTAssertEqual(AppriseNotifier.withoutLogPrefix("2026-01-31 04:00:00,123 - WARNING - Failed to send - twice"), "Failed to send - twice")
        XCTAssertEqual(AppriseNotifier.withoutLogPrefix("Unsupported URL"), "Unsupported URL")
    }

    func testHTTPSWebhooksAreVerifiedAgainstTheSystemOrTheGivenCAFile() throws {
        let endpoint = try HTTPPost.Endpoint(url: "https://ha.home.arpa/api/webhook/abc")
        XCTAssertTrue(endpoint.secure)
        XCTAssertEqual(endpoint.port, 443)
        XCTAssertEqual(endpoint.hostHeader, "ha.home.arpa")
        XCTAssertEqual(endpoint.displayName, "https://ha.home.arpa:443")
        XCTAssertEqual(try HTTPPost.Endpoint(url: "http://example.org:443/").hostHeader, "example.org:443")
        XCTAssertNil(NotificationService.problem(webhookURL: "https://ha.home.arpa/x", caFile: nil), "the system's store")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spool-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let notes = folder.appendingPathComponent("notes.txt").path
        try "not a certificate\n".write(toFile: notes, atomically: true, encoding: .utf8)
        let missing = NotificationService.problem(webhookURL: "https://ha.home.arpa/x", caFile: folder.appendingPathComponent("ca.pem").path)
        XCTAssertEqual(missing?.setting, "WEBHOOK_CA_FILE")
        XCTAssertEqual(missing?.message, "cannot read '\(folder.path)/ca.pem': No such file or directory")
        let garbage = NotificationService.problem(webhookURL: "https://ha.home.arpa/x", caFile: notes)
        XCTAssertEqual(garbage?.setting, "WEBHOOK_CA_FILE")
        XCTAssertTrue(garbage?.message.hasPrefix("'\(notes)' holds no PEM certificate") == true, "\(String(describing: garbage))")
        let plain = NotificationService.problem(webhookURL: "http://127.0.0.1/x", caFile: notes)
        XCTAssertEqual(plain?.setting, "WEBHOOK_CA_FILE")
        XCTAssertTrue(plain?.message.contains("is set but WEBHOOK_URL is http://") == true)
    }

    /// A port that takes the connection and never answers: (listener, port).
    private func silentListener() -> (Int32, Int) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(listener, $0, length) }
        }
        listen(listener, 8)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        return (listener, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A port that takes the connection and never answers costs the time limit, not more;
    /// over https://, the handshake is what never ends.
    func testAWebhookThatNeverAnswersIsGivenUpOnAtTheTimeLimit() throws {
        let (listener, port) = silentListener()
        defer { close(listener) }
        let started = Date()
        XCTAssertThrowsError(try HTTPPost.send(Data("{}".utf8), to: try HTTPPost.Endpoint(url: "http://127.0.0.1:\(port)/"), timeLimit: 0.3)) { error in
            XCTAssertEqual("\(error)", "no answer within 0.3 s (NOTIFY_TIMEOUT_SECONDS)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let tls = try TLSClientContext(caFile: nil)
        let handshakeStarted = Date()
        XCTAssertThrowsError(try HTTPPost.send(Data("{}".utf8), to: try HTTPPost.Endpoint(url: "https://127.0.0.1:\(port)/"), tls: tls, timeLimit: 0.3)) { error in
            XCTAssertEqual("\(error)", "no TLS handshake within 0.3 s (NOTIFY_TIMEOUT_SECONDS)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(handshakeStarted), 5)
        XCTAssertThrowsError(try HTTPPost.send(Data(), to: try HTTPPost.Endpoint(url: "http://127.0.0.1:1/"), timeLimit: 2)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot connect: Connection refused"), "\(error)")
        }
    }

    // MARK: - The service

    /// Records what it is asked to send; `gate` holds each send until the test lets it go
    /// (a slow service), so the outbox's bound can be watched.
    private final class Recorder: Notifier, @unchecked Sendable {
        let name = "recorder"
        let target = "memory"
        let sent = Mutex<[NotificationMessage]>([])
        let entered = DispatchSemaphore(value: 0)
        let gate: DispatchSemaphore?

        init(gate: DispatchSemaphore? = nil) {
            self.gate = gate
        }

        func send(_ message: NotificationMessage, timeLimit: Double, cancellation: ProcessCancellation) throws {
            entered.signal()
            gate?.wait()
            sent.withLock { $0.append(message) }
        }

        var titles: [String] { sent.withLock { $0.map(\.title) } }
    }

    private func service(_ recorder: Recorder, kinds: Set<NotificationKind> = Set(NotificationKind.allCases), queueLimit: Int = 50)
        -> (NotificationService, EventHub) {
        let hub = EventHub()
        let service = NotificationService(
            settings: .init(kinds: kinds, failureBatchSeconds: 0.2, queueLimit: queueLimit), notifiers: [recorder], hub: hub,
            logger: Logger(label: "test"))
        service.start()
        return (service, hub)
    }

    private func waitUntil(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)
        while !condition() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertTrue(condition(), what)
    }

    func testFailuresInABurstAreOneMessageAndAPauseIsToldOnce() {
        let recorder = Recorder()
        let (service, hub) = service(recorder)
        defer { service.stop() }
        for id in 1...3 { hub.publish(.jobStatus(failedJob(Int64(id), "Video \(id)", .permanent))) }
        var retrying = failedJob(4, "Video 4", .network, status: .retrying)
        hub.publish(.jobStatus(retrying))
        retrying.kind = JobKind.sourceSync.rawValue
        retrying.status = .failed
        hub.publish(.jobStatus(retrying))
        let paused = DownloadBrake.State(pausedUntil: Date(), cause: .rate_limited, cooldownSeconds: 60, trips: 1, probing: true, probeJobId: nil)
        hub.publish(.downloadsPaused(paused))
        hub.publish(.downloadsPaused(paused))
        hub.publish(.downloadsResumed(paused))
        hub.publish(.downloadsPaused(paused))
        waitUntil("the batched failures") { recorder.titles.contains("3 downloads failed") }
        service.drain()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(recorder.titles.sorted(), ["3 downloads failed", "Downloads paused: the site limits Spool",
                                                  "Downloads paused: the site limits Spool"],
                       "a retry and a failed sync are not download failures; a second pause is told after a resume")
        XCTAssertEqual(service.status.first?.sent, 3)
    }

    func testKindsTurnedOffAreNotTold() {
        let recorder = Recorder()
        let (service, hub) = service(recorder, kinds: [.backupFailed])
        defer { service.stop() }
        hub.publish(.syncSettled(round(added: 3, titles: ["a", "b", "c"])))
        hub.publish(.downloadsPaused(.init(pausedUntil: nil, cause: .bot_check, cooldownSeconds: 1, trips: 1, probing: true, probeJobId: nil)))
        hub.publish(.backupFinished(.init(at: Date(), ok: false, path: nil, sizeBytes: nil, durationSeconds: 0, error: "boom", pruned: 0)))
        waitUntil("the backup message") { recorder.titles == ["The database backup failed"] }
        service.drain()
        XCTAssertEqual(recorder.titles, ["The database backup failed"])
    }

    func testASlowNotifierKeepsOnlyTheNewestMessagesAndNeverBlocksThePublisher() {
        let gate = DispatchSemaphore(value: 0)
        let recorder = Recorder(gate: gate)
        let (service, hub) = service(recorder, kinds: [.backupFailed], queueLimit: 4)
        defer { service.stop() }
        func failure(_ number: Int) -> SpoolEvent {
            .backupFinished(.init(at: Date(), ok: false, path: nil, sizeBytes: nil, durationSeconds: 0, error: "failure \(number)", pruned: 0))
        }
        hub.publish(failure(0))
        XCTAssertEqual(recorder.entered.wait(timeout: .now() + 10), .success, "the first message is being sent (and hangs)")
        let started = Date()
        for number in 1...10 { hub.publish(failure(number)) }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "publishing never waits for a send")
        service.drain()
        XCTAssertEqual(service.status.first?.queued, 4)
        XCTAssertEqual(service.status.first?.dropped, 6)
        for _ in 0..<5 { gate.signal() }
        waitUntil("the kept messages to go out") { recorder.sent.withLock { $0.count } == 5 }
        XCTAssertEqual(recorder.sent.withLock { $0.map(\.body) }.map { String($0.prefix(while: { $0 != "." })) },
                       ["failure 0", "failure 7", "failure 8", "failure 9", "failure 10"], "the oldest waiting ones were dropped")
    }
}
