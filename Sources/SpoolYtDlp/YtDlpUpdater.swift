import Foundation
import SpoolProcess

/// Keeps yt-dlp current: YouTube changes often, and most breakage in every peer's tracker is
/// fixed only by a newer yt-dlp.
///
/// An update installs `yt-dlp[default]` with the environment's own pip into a staging folder
/// beside the overlay (`<overlay>.new`), asks the staged version for `--version`, and only
/// then swaps it in with two renames (`overlay` → `overlay.old`, `overlay.new` → `overlay`). A
/// version that does not answer is deleted and the running one kept. Nothing is written into
/// the virtual environment itself.
public struct YtDlpUpdater: Sendable {
    /// Which releases to follow.
    public enum Channel: String, Sendable, CaseIterable {
        case off, stable, nightly
    }

    /// How an update attempt ended.
    public enum Outcome: Sendable, Equatable {
        case updated(from: String?, to: String)
        case upToDate(String)
        /// The new version was installed but did not run; the old one stays.
        case refused(version: String?, reason: String)
        case notUpdatable(String)
        case failed(String)

        public var isFailure: Bool {
            switch self {
            case .refused, .failed: true
            default: false
            }
        }

        public var summary: String {
            switch self {
            case .updated(let from, let to): "Updated yt-dlp from \(from ?? "unknown") to \(to)."
            case .upToDate(let version): "yt-dlp \(version) is the newest version."
            case .refused(let version, let reason): "Kept the running yt-dlp: the new version \(version ?? "") does not run (\(reason))."
            case .notUpdatable(let reason): reason
            case .failed(let reason): "The update failed: \(reason)"
            }
        }
    }

    public let installation: YtDlpInstallation
    public let channel: Channel
    /// A package index to use instead of PyPI (`pip --index-url`; tests serve one on loopback).
    public let indexURL: String?
    /// Longest a pip run may take.
    public var timeLimit: Duration = .seconds(600)

    public init(installation: YtDlpInstallation, channel: Channel, indexURL: String? = nil) {
        self.installation = installation
        self.channel = channel
        self.indexURL = indexURL
    }

    /// A newer version installed beside the overlay, verified, not yet switched to.
    public struct Staged: Sendable, Equatable {
        public let version: String
        public let previous: String?
        public let folder: String
    }

    /// What `stage` found.
    public enum Staging: Sendable, Equatable {
        case ready(Staged)
        case finished(Outcome)
    }

    /// Installs the newest release of the channel into `<overlay>.new` and checks that it
    /// runs; `.finished` when there is nothing to switch to (up to date, refused, failed).
    /// Running yt-dlp processes are not affected: call `activate` when none runs.
    public func stage(cancellation: ProcessCancellation = ProcessCancellation()) -> Staging {
        guard channel != .off else { return .finished(.notUpdatable("Updates are off (YTDLP_UPDATE=off).")) }
        if let reason = installation.notUpdatableReason { return .finished(.notUpdatable(reason)) }
        guard let python = installation.python, let overlay = installation.overlay else {
            return .finished(.notUpdatable("yt-dlp is not in a Python environment."))
        }
        let current = installation.version()
        let staging = overlay + ".new"
        let files = FileManager.default
        try? files.removeItem(atPath: staging)
        do {
            try files.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            return .finished(.failed("cannot create \(staging): \(error.localizedDescription)"))
        }
        var arguments = [
            "-m", "pip", "install", "--upgrade", "--target", staging, "--no-input", "--disable-pip-version-check",
            "--no-warn-script-location", "--quiet",
        ]
        if channel == .nightly { arguments.append("--pre") }
        if let indexURL { arguments += ["--index-url", indexURL] }
        arguments.append("yt-dlp[default]")
        var spec = ProcessSpec(executablePath: python, arguments: arguments, timeLimit: timeLimit, tailLineLimit: 40)
        var environment = ProcessSpec.currentEnvironment()
        environment.removeValue(forKey: "PYTHONPATH")
        environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        spec.environment = environment
        let outcome: ProcessOutcome
        do {
            outcome = try ChildProcess.run(spec, cancellation: cancellation)
        } catch {
            try? files.removeItem(atPath: staging)
            return .finished(.failed("pip could not be started: \(error)"))
        }
        guard outcome.isSuccess else {
            try? files.removeItem(atPath: staging)
            let reason = outcome.tail.last(where: { $0.stream == .stderr })?.text ?? "pip \(outcome.reason), \(outcome.termination)"
            return .finished(.failed(reason))
        }
        guard let staged = installation.version(overlay: staging) else {
            let version = Self.installedVersion(in: staging)
            try? files.removeItem(atPath: staging)
            return .finished(.refused(version: version, reason: "it did not answer --version"))
        }
        if let current, Self.compare(staged, current) != .orderedDescending {
            try? files.removeItem(atPath: staging)
            return .finished(.upToDate(current))
        }
        return .ready(Staged(version: staged, previous: current, folder: staging))
    }

    /// Switches to a staged version with two renames (`overlay` → `overlay.old`, staged →
    /// `overlay`); call only while no yt-dlp runs (a running one imports its extractors
    /// lazily from the overlay's path).
    public func activate(_ staged: Staged) -> Outcome {
        guard let overlay = installation.overlay else { return .notUpdatable("YTDLP_UPDATE_DIR is not set.") }
        let retired = overlay + ".old"
        let files = FileManager.default
        try? files.removeItem(atPath: retired)
        if files.fileExists(atPath: overlay) {
            guard rename(overlay, retired) == 0 else {
                try? files.removeItem(atPath: staged.folder)
                return .failed("cannot move \(overlay) aside: \(String(cString: strerror(errno)))")
            }
        }
        guard rename(staged.folder, overlay) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(retired, overlay)
            return .failed("cannot switch to the new version: \(reason)")
        }
        try? files.removeItem(atPath: retired)
        return .updated(from: staged.previous, to: staged.version)
    }

    /// Discards a staged version that will not be activated.
    public func discard(_ staged: Staged) {
        try? FileManager.default.removeItem(atPath: staged.folder)
    }

    /// The version pip recorded for a staged yt-dlp (`yt_dlp-<version>.dist-info`).
    static func installedVersion(in folder: String) -> String? {
        YtDlpInstallation.distributionVersion(in: folder)
    }

    /// Compares yt-dlp versions (`2026.11.23`, nightly `2026.12.01.232812`) part by part.
    public static func compare(_ a: String, _ b: String) -> ComparisonResult {
        let left = a.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let right = b.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            if x != y { return x < y ? .orderedAscending : .orderedDescending }
        }
        return .orderedSame
    }
}
