import Foundation
import Logging
import SpoolJobs
import SpoolProcess
import SpoolStore
import SpoolYtDlp
import Synchronization

/// yt-dlp as Spool runs it: where it is, its version and JavaScript runtime, and keeping it
/// current (`YTDLP_UPDATE=off|stable|nightly`).
///
/// An update installs the new version beside the running one and verifies it while downloads
/// go on; then it holds new yt-dlp jobs back (a claim gate), waits until no yt-dlp runs (a
/// running one loads extractors lazily from its folder), switches with two renames, and lets
/// the jobs go. The scheduled check runs at most daily and only while no download runs; the
/// health page's button runs it at once. Each update is logged and published
/// (`ytdlp.update`), whatever its outcome.
public final class YtDlpService: Sendable {
    /// One update attempt, as `/api/health` and the live feed show it.
    public struct UpdateRecord: Sendable, Codable, Equatable {
        public var at: Date
        public var manual: Bool
        /// `updated`, `up_to_date`, `refused`, `not_updatable` or `failed`.
        public var result: String
        public var message: String
        public var from: String?
        public var to: String?
    }

    /// What `/api/health` shows.
    public struct Status: Sendable {
        public var executable: String
        public var python: String?
        public var overlay: String?
        public var version: String?
        public var runtime: JSRuntime?
        /// Whether downloads run in long-lived drivers rather than a process each.
        public var drivers: Bool
        public var updateChannel: YtDlpUpdater.Channel
        public var notUpdatableReason: String?
        public var updating: Bool
        public var lastUpdate: UpdateRecord?
    }

    private struct State {
        var version: String?
        var updating = false
        /// New yt-dlp jobs are held back while an update switches versions.
        var holding = false
        var lastUpdate: UpdateRecord?
        var lastScheduledCheck: Date?
    }

    public let installation: YtDlpInstallation
    /// Closed after a switch of versions, so that the next download imports the new one.
    let drivers: YtDlpDrivers?
    let updater: YtDlpUpdater
    private let hub: EventHub
    private let logger: Logger
    private let state: Mutex<State>
    /// Longest an update waits for running downloads before it gives up switching.
    let switchWait: Double

    init(installation: YtDlpInstallation, channel: YtDlpUpdater.Channel, indexURL: String?, drivers: YtDlpDrivers? = nil,
         hub: EventHub, logger: Logger, switchWait: Double = 3600) {
        self.installation = installation
        self.drivers = drivers
        self.updater = YtDlpUpdater(installation: installation, channel: channel, indexURL: indexURL)
        self.hub = hub
        self.logger = logger
        self.switchWait = switchWait
        self.state = Mutex(State())
        if installation.runtime == nil {
            logger.warning("No JavaScript runtime found for yt-dlp; YouTube downloads may fail. Install Deno (scripts/setup.sh) or set JS_RUNTIME_PATH.")
        }
        // `yt-dlp --version` starts Python and imports every extractor: 0.37 s of a 0.5 s
        // start-up here. It runs beside the start instead of before it; `status` waits for it.
        firstCheck.enter()
        let thread = Thread { [self] in
            let version = installation.version()
            state.withLock { $0.version = version }
            firstCheck.leave()
            if let version {
                logger.info("yt-dlp runs", metadata: ["version": "\(version)", "js_runtime": "\(installation.runtime?.name ?? "none")"])
            } else {
                logger.warning("yt-dlp does not run; downloads will fail until YTDLP_PATH points to it",
                               metadata: ["path": "\(installation.executable)"])
            }
        }
        thread.name = "spool.ytdlp.version"
        thread.start()
    }

    /// Left once the version check of the start has answered.
    private let firstCheck = DispatchGroup()

    /// What `/api/health` shows. Waits for the start's version check (up to the 30 s
    /// `version()` allows), so that a page opened right after the start never shows
    /// "yt-dlp does not run" for a yt-dlp that does.
    public var status: Status {
        _ = firstCheck.wait(timeout: .now() + 35)
        return state.withLock { state in
            Status(executable: installation.executable, python: installation.python, overlay: installation.activeOverlay,
                   version: state.version, runtime: installation.runtime, drivers: drivers != nil, updateChannel: updater.channel,
                   notUpdatableReason: updater.channel == .off ? "Updates are off (YTDLP_UPDATE=off)." : installation.notUpdatableReason,
                   updating: state.updating, lastUpdate: state.lastUpdate)
        }
    }

    /// Whether new yt-dlp jobs must wait (an update is switching versions).
    var isHolding: Bool { state.withLock { $0.holding } }

    /// Whether an update runs, without waiting for the start's version check as `status`
    /// does: the health report's fingerprint is read on the event loop.
    public var isUpdating: Bool { state.withLock { $0.updating } }

    /// Starts an update on its own thread unless one runs; false when one was running.
    /// - Parameters:
    ///   - ytdlpRunning: whether some job runs yt-dlp now (the switch waits until none does).
    ///   - release: wakes the workers once held jobs may go.
    @discardableResult
    func startUpdate(manual: Bool, ytdlpRunning: @escaping @Sendable () -> Bool, release: @escaping @Sendable () -> Void) -> Bool {
        let started = state.withLock { state -> Bool in
            guard !state.updating else { return false }
            state.updating = true
            return true
        }
        guard started else { return false }
        let thread = Thread { [self] in
            let record = runUpdate(manual: manual, ytdlpRunning: ytdlpRunning, release: release)
            state.withLock { state in
                state.updating = false
                state.lastUpdate = record
            }
            hub.publish(.ytdlpUpdate(record))
        }
        thread.name = "spool.ytdlp.update"
        thread.start()
        return true
    }

    /// The daily check: due when the last one is a day old. The scheduler calls it only
    /// while no download runs.
    func scheduledCheck(every interval: Double, ytdlpRunning: @escaping @Sendable () -> Bool, release: @escaping @Sendable () -> Void) {
        guard updater.channel != .off, installation.notUpdatableReason == nil else { return }
        let due = state.withLock { state -> Bool in
            if let last = state.lastScheduledCheck, Date().timeIntervalSince(last) < interval { return false }
            state.lastScheduledCheck = Date()
            return true
        }
        if due { startUpdate(manual: false, ytdlpRunning: ytdlpRunning, release: release) }
    }

    private func runUpdate(manual: Bool, ytdlpRunning: @Sendable () -> Bool, release: @Sendable () -> Void) -> UpdateRecord {
        let outcome: YtDlpUpdater.Outcome
        switch updater.stage() {
        case .finished(let finished):
            outcome = finished
        case .ready(let staged):
            state.withLock { $0.holding = true }
            let deadline = Date().addingTimeInterval(switchWait)
            while ytdlpRunning() && Date() < deadline { Thread.sleep(forTimeInterval: 0.5) }
            if ytdlpRunning() {
                updater.discard(staged)
                outcome = .failed("downloads kept running for \(Int(switchWait)) s; the switch to \(staged.version) was not made")
            } else {
                outcome = updater.activate(staged)
                // Drivers imported the old version; no job runs now, so all are idle.
                drivers?.closeAll()
            }
            state.withLock { $0.holding = false }
            release()
        }
        let version = installation.version()
        state.withLock { $0.version = version }
        let record = Self.record(outcome, manual: manual)
        switch outcome {
        case .updated: logger.notice("yt-dlp updated", metadata: ["from": "\(record.from ?? "?")", "to": "\(record.to ?? "?")", "manual": "\(manual)"])
        case .upToDate: logger.info("yt-dlp is up to date", metadata: ["version": "\(version ?? "?")"])
        case .notUpdatable(let reason): logger.info("yt-dlp is not updated by Spool", metadata: ["reason": "\(reason)"])
        case .refused, .failed: logger.warning("yt-dlp update failed", metadata: ["reason": "\(record.message)", "manual": "\(manual)"])
        }
        return record
    }

    static func record(_ outcome: YtDlpUpdater.Outcome, manual: Bool) -> UpdateRecord {
        let (result, from, to): (String, String?, String?) = switch outcome {
        case .updated(let from, let to): ("updated", from, to)
        case .upToDate(let version): ("up_to_date", version, version)
        case .refused(let version, _): ("refused", nil, version)
        case .notUpdatable: ("not_updatable", nil, nil)
        case .failed: ("failed", nil, nil)
        }
        return UpdateRecord(at: Date(), manual: manual, result: result, message: outcome.summary, from: from, to: to)
    }
}
