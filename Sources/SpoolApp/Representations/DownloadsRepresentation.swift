import Foundation
import SpoolCore
import SpoolStore
import SpoolYtDlp

/// yt-dlp as `/api/health` shows it: where it is, its version and JavaScript runtime, and
/// its updates, with a plain warning for each problem.
struct YtDlpRepresentation: Encodable {
    struct Runtime: Encodable {
        let name: String
        let path: String
        let version: String?
    }
    struct Update: Encodable {
        let channel: String
        let updatable: Bool
        /// Why Spool cannot update this yt-dlp (a distribution package), if it cannot.
        let notUpdatableReason: String?
        let updating: Bool
        let last: YtDlpService.UpdateRecord?

        private enum CodingKeys: String, CodingKey { case channel, updatable, notUpdatableReason, updating, last }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(channel, forKey: .channel)
            try container.encode(updatable, forKey: .updatable)
            try container.encode(notUpdatableReason, forKey: .notUpdatableReason)
            try container.encode(updating, forKey: .updating)
            try container.encode(last, forKey: .last)
        }
    }
    let path: String
    let version: String?
    /// The Python environment it runs in, and the overlay of updates Spool installed, if any.
    let python: String?
    let overlay: String?
    let jsRuntime: Runtime?
    /// `driver` (long-lived yt-dlp processes, YTDLP_DRIVER_JOBS) or `process` (one per download).
    let downloadsRunIn: String
    let update: Update
    let warnings: [String]

    private enum CodingKeys: String, CodingKey {
        case path, version, python, overlay, jsRuntime, downloadsRunIn, update, warnings
    }

    /// Every field is written, `null` included, so clients see one stable shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(version, forKey: .version)
        try container.encode(python, forKey: .python)
        try container.encode(overlay, forKey: .overlay)
        try container.encode(jsRuntime, forKey: .jsRuntime)
        try container.encode(downloadsRunIn, forKey: .downloadsRunIn)
        try container.encode(update, forKey: .update)
        try container.encode(warnings, forKey: .warnings)
    }

    init(_ status: YtDlpService.Status) {
        path = status.executable
        version = status.version
        python = status.python
        overlay = status.overlay
        jsRuntime = status.runtime.map { Runtime(name: $0.name, path: $0.path, version: $0.version) }
        downloadsRunIn = status.drivers ? "driver" : "process"
        update = Update(channel: status.updateChannel.rawValue, updatable: status.notUpdatableReason == nil,
                        notUpdatableReason: status.notUpdatableReason, updating: status.updating, last: status.lastUpdate)
        var warnings: [String] = []
        if status.version == nil {
            warnings.append("yt-dlp does not run (\(status.executable)); downloads fail until YTDLP_PATH points to it.")
        }
        if status.runtime == nil {
            warnings.append("No JavaScript runtime for yt-dlp: YouTube downloads may fail with \"Requested format is not available\". Install Deno (scripts/setup.sh does) or set JS_RUNTIME_PATH.")
        }
        if let last = status.lastUpdate, last.result == "failed" || last.result == "refused" {
            warnings.append(last.message)
        }
        self.warnings = warnings
    }
}

/// The download brake as `/api/health`, `/metrics` and the `ratelimit.*` events show it.
struct BrakeRepresentation: Encodable {
    let pausedUntil: Date?
    let cause: JobErrorClass?
    let cooldownSeconds: Double
    let trips: Int
    let probing: Bool
    let probeJobId: Int64?
    /// What the user can do, in plain language, while downloads pause.
    let remedy: String?

    private enum CodingKeys: String, CodingKey {
        case pausedUntil, cause, cooldownSeconds, trips, probing, probeJobId, remedy
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pausedUntil, forKey: .pausedUntil)
        try container.encode(cause, forKey: .cause)
        try container.encode(cooldownSeconds, forKey: .cooldownSeconds)
        try container.encode(trips, forKey: .trips)
        try container.encode(probing, forKey: .probing)
        try container.encode(probeJobId, forKey: .probeJobId)
        try container.encode(remedy, forKey: .remedy)
    }

    init(_ state: DownloadBrake.State) {
        pausedUntil = state.pausedUntil
        cause = state.cause
        cooldownSeconds = state.cooldownSeconds
        trips = state.trips
        probing = state.probing
        probeJobId = state.probeJobId
        remedy = state.cause.map { ErrorExplanation.text(for: $0).remedy }
    }
}
