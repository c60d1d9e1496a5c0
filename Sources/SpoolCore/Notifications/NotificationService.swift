import Foundation
import Logging
import SpoolJobs
import SpoolProcess
import SpoolStore
import Synchronization

/// Tells the user when something happened or needs them (`APPRISE_URLS`, `WEBHOOK_URL`,
/// `NOTIFY_ON`), and never makes a download wait for it.
///
/// - **From events.** It subscribes to the domain's `EventHub`; the subscriber (which runs
///   under the hub's delivery lock, on the publisher's thread) only picks the events it needs
///   and hands them to a serial queue of its own. Every message is built there from what the
///   event carries (`NotificationMessages`): a sync's new tracks (`source.sync_settled`),
///   downloads that failed for good, the brake (once per pause, until downloads resume), a
///   yt-dlp update, a failed backup.
/// - **Bursts become one message.** Downloads that fail for good within
///   `failureBatchSeconds` of the first go out together (a members-only channel fails 200 at
///   once); a sync's tracks are one message.
/// - **Each notifier has its own outbox and thread**, so a webhook that hangs never delays
///   apprise. An outbox holds at most `queueLimit` messages (the oldest is dropped and
///   counted beyond that); each send has a time limit (`NOTIFY_TIMEOUT_SECONDS`); a failed
///   send is logged and shown in `/api/health` and is not retried — no retry storm against a
///   service that is down, and the next message tries again anyway.
public final class NotificationService: Sendable {
    public struct Settings: Sendable {
        /// Apprise URLs as the user wrote them (spaces or commas between them).
        public var appriseURLs: String?
        public var appriseExecutable: String
        public var webhookURL: String?
        /// PEM certificates an `https://` webhook is checked against instead of the system's.
        public var webhookCAFile: String?
        public var kinds: Set<NotificationKind>
        /// Longest one send may take.
        public var timeLimitSeconds: Double
        /// Failed downloads within this many seconds of the first go out as one message.
        public var failureBatchSeconds: Double
        /// Messages waiting per notifier at most.
        public var queueLimit: Int

        public init(appriseURLs: String? = nil, appriseExecutable: String = "apprise", webhookURL: String? = nil,
                    webhookCAFile: String? = nil, kinds: Set<NotificationKind> = Set(NotificationKind.allCases), timeLimitSeconds: Double = 30,
                    failureBatchSeconds: Double = 5, queueLimit: Int = 50) {
            self.appriseURLs = appriseURLs
            self.appriseExecutable = appriseExecutable
            self.webhookURL = webhookURL
            self.webhookCAFile = webhookCAFile
            self.kinds = kinds
            self.timeLimitSeconds = timeLimitSeconds
            self.failureBatchSeconds = failureBatchSeconds
            self.queueLimit = queueLimit
        }
    }

    /// One notifier as `/api/health` and `/metrics` show it.
    public struct NotifierStatus: Sendable, Equatable {
        public struct LastError: Sendable, Equatable {
            public var at: Date
            public var kind: NotificationKind
            public var message: String
        }
        public var name: String
        public var target: String
        public var sent: Int
        public var failed: Int
        /// Messages dropped because the outbox was full (the notifier was too slow).
        public var dropped: Int
        public var queued: Int
        public var lastSentAt: Date?
        public var lastError: LastError?
    }

    private struct State {
        var pendingFailures: [NotificationMessages.FailedDownload] = []
        /// True from a pause of every download until they resume: one message per pause.
        var paused = false
    }

    public let settings: Settings
    private let outboxes: [Outbox]
    private let hub: EventHub
    private let logger: Logger
    private let queue = DispatchQueue(label: "spool.notifications")
    private let state = Mutex(State())
    private let subscription = Mutex<EventHub.Subscription?>(nil)
    private let changes = ChangeCounter()

    /// - Throws: `WebhookSettingProblem` when `webhookURL` or `webhookCAFile` is not usable.
    convenience init(settings: Settings, hub: EventHub, logger: Logger) throws {
        var notifiers: [any Notifier] = []
        if let urls = settings.appriseURLs, !urls.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            notifiers.append(AppriseNotifier(executable: settings.appriseExecutable, urls: urls))
            if !FileManager.default.isExecutableFile(atPath: settings.appriseExecutable) {
                logger.warning("APPRISE_URLS is set but apprise was not found: install it (pip install apprise) or set APPRISE_PATH",
                               metadata: ["path": "\(settings.appriseExecutable)"])
            }
        }
        if let url = settings.webhookURL, !url.isEmpty {
            notifiers.append(try WebhookNotifier(url: url, caFile: settings.webhookCAFile))
        }
        self.init(settings: settings, notifiers: notifiers, hub: hub, logger: logger)
    }

    init(settings: Settings, notifiers: [any Notifier], hub: EventHub, logger: Logger) {
        self.settings = settings
        self.hub = hub
        self.logger = logger
        let changes = self.changes
        outboxes = notifiers.map { notifier in
            Outbox(notifier: notifier, timeLimit: settings.timeLimitSeconds, limit: max(1, settings.queueLimit), logger: logger,
                   changed: changes.bump)
        }
    }

    /// What is wrong with `url` as `WEBHOOK_URL` with `caFile` as `WEBHOOK_CA_FILE` (the URL
    /// parsed, the CA file read and loaded as the start will), or nil when both are usable.
    public static func problem(webhookURL url: String, caFile: String?) -> WebhookSettingProblem? {
        do {
            _ = try WebhookNotifier(url: url, caFile: caFile)
            return nil
        } catch {
            return error
        }
    }

    /// Whether any notifier is configured.
    public var isEnabled: Bool { !outboxes.isEmpty }

    public var status: [NotifierStatus] { outboxes.map(\.status) }

    /// Grows whenever a notifier's status changes (the health report's cache key).
    public var version: Int { changes.value }

    func start() {
        guard isEnabled else { return }
        for outbox in outboxes { outbox.start() }
        let kinds = settings.kinds
        let subscription = hub.subscribe { [self] published in
            let event = published.event
            let wanted: Bool = switch event {
            case .syncSettled: kinds.contains(.newTracks)
            case .jobStatus(let job):
                kinds.contains(.downloadFailed) && job.kind == JobKind.download.rawValue && JobStatus.needsAttention.contains(job.status)
            case .downloadsPaused, .downloadsResumed: kinds.contains(.downloadsPaused)
            case .ytdlpUpdate: kinds.contains(.ytdlpUpdate)
            case .backupFinished: kinds.contains(.backupFailed)
            default: false
            }
            if wanted { queue.async { [self] in handle(event) } }
        }
        self.subscription.withLock { $0 = subscription }
        logger.info("Notifications on", metadata: [
            "notifiers": "\(outboxes.map { "\($0.notifier.name) → \($0.notifier.target)" })",
            "kinds": "\(NotificationKind.allCases.filter(kinds.contains).map(\.rawValue))"])
    }

    /// Stops listening and stops the outboxes (a send under way is cut short; waiting
    /// messages are dropped: shutdown does not wait for a slow service).
    func stop() {
        subscription.withLock { $0 = nil }
        for outbox in outboxes { outbox.stop() }
    }

    /// Waits until the events handed over so far are turned into messages (tests).
    func drain() {
        queue.sync {}
    }

    private func handle(_ event: SpoolEvent) {
        switch event {
        case .syncSettled(let round):
            NotificationMessages.newTracks(round).map(dispatch)
        case .jobStatus(let job):
            let first = state.withLock { state -> Bool in
                state.pendingFailures.append(NotificationMessages.FailedDownload(job))
                return state.pendingFailures.count == 1
            }
            if first {
                queue.asyncAfter(deadline: .now() + settings.failureBatchSeconds) { [self] in
                    let failures = state.withLock { state in
                        defer { state.pendingFailures.removeAll() }
                        return state.pendingFailures
                    }
                    if !failures.isEmpty { dispatch(NotificationMessages.downloadsFailed(failures)) }
                }
            }
        case .downloadsPaused(let brake):
            let first = state.withLock { state -> Bool in
                defer { state.paused = true }
                return !state.paused
            }
            if first { dispatch(NotificationMessages.downloadsPaused(brake)) }
        case .downloadsResumed:
            state.withLock { $0.paused = false }
        case .ytdlpUpdate(let record):
            NotificationMessages.ytdlpUpdate(record).map(dispatch)
        case .backupFinished(let run):
            NotificationMessages.backupFailed(run).map(dispatch)
        default:
            break
        }
    }

    private func dispatch(_ message: NotificationMessage) {
        for outbox in outboxes { outbox.enqueue(message) }
    }
}

/// Counts changes of the notifiers' statuses.
private final class ChangeCounter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    @Sendable func bump() {
        count.add(1, ordering: .relaxed)
    }
}

/// One notifier's bounded queue and the thread that sends from it.
final class Outbox: Sendable {
    private struct State {
        var waiting: [NotificationMessage] = []
        var stopping = false
        var status: NotificationService.NotifierStatus
    }

    let notifier: any Notifier
    private let timeLimit: Double
    private let limit: Int
    private let logger: Logger
    private let changed: @Sendable () -> Void
    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)
    private let cancellation = ProcessCancellation()

    init(notifier: any Notifier, timeLimit: Double, limit: Int, logger: Logger, changed: @escaping @Sendable () -> Void) {
        self.notifier = notifier
        self.timeLimit = timeLimit
        self.limit = limit
        self.logger = logger
        self.changed = changed
        self.state = Mutex(State(status: .init(
            name: notifier.name, target: notifier.target, sent: 0, failed: 0, dropped: 0, queued: 0, lastSentAt: nil, lastError: nil)))
    }

    var status: NotificationService.NotifierStatus {
        state.withLock { state in
            var status = state.status
            status.queued = state.waiting.count
            return status
        }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "spool.notify.\(notifier.name)"
        thread.start()
    }

    func stop() {
        state.withLock { $0.stopping = true }
        cancellation.cancel()
        wake.signal()
    }

    /// Queues `message`; when the outbox is full, the oldest waiting message is dropped.
    func enqueue(_ message: NotificationMessage) {
        let dropped = state.withLock { state -> NotificationMessage? in
            guard !state.stopping else { return nil }
            var dropped: NotificationMessage?
            if state.waiting.count >= limit {
                dropped = state.waiting.removeFirst()
                state.status.dropped += 1
            }
            state.waiting.append(message)
            return dropped
        }
        if let dropped {
            logger.warning("Notification dropped: the notifier is too slow", metadata: [
                "notifier": "\(notifier.name)", "kind": "\(dropped.kind.rawValue)", "waiting": "\(limit)"])
        }
        changed()
        wake.signal()
    }

    private func run() {
        while true {
            wake.wait()
            let next = state.withLock { state -> (NotificationMessage?, Bool) in
                (state.waiting.isEmpty ? nil : state.waiting.removeFirst(), state.stopping)
            }
            if next.1 { return }
            guard let message = next.0 else { continue }
            do {
                try notifier.send(message, timeLimit: timeLimit, cancellation: cancellation)
                state.withLock { state in
                    state.status.sent += 1
                    state.status.lastSentAt = Date()
                }
                logger.info("Notification sent", metadata: ["notifier": "\(notifier.name)", "kind": "\(message.kind.rawValue)", "title": "\(message.title)"])
            } catch {
                state.withLock { state in
                    state.status.failed += 1
                    state.status.lastError = .init(at: Date(), kind: message.kind, message: "\(error)")
                }
                logger.warning("Notification not delivered", metadata: [
                    "notifier": "\(notifier.name)", "kind": "\(message.kind.rawValue)", "error": "\(error)"])
            }
            changed()
        }
    }
}
