import SpoolJobs
import SpoolStore
import SpoolYtDlp

/// One mapping from an error class to a plain sentence and a remedy, shown on the jobs page,
/// in job timelines, in `/api/health` and (through `GET /api/meta`) by the web app. The raw
/// line of the tool stays in the job's `error_detail`.
public enum ErrorExplanation {
    public struct Text: Sendable, Equatable, Codable {
        public let summary: String
        public let remedy: String
    }

    public static func text(for errorClass: JobErrorClass) -> Text {
        switch errorClass {
        case .permanent:
            Text(summary: "The video cannot be downloaded: it is private, removed, members-only or blocked.",
                 remedy: "Nothing to do: it will not be retried. Retry it by hand if you think it is back.")
        case .transient:
            Text(summary: "Something unexpected stopped the job.",
                 remedy: "It is retried with a growing delay; the details show what the tool said.")
        case .network:
            Text(summary: "A network problem stopped the job (no connection, a DNS failure, the site's server failed).",
                 remedy: "It is retried with a growing delay. Check the server's internet connection if it keeps failing.")
        case .rate_limited:
            Text(summary: "The site is limiting how fast Spool may download (HTTP 429).",
                 remedy: "Wait: every download pauses and resumes by itself after one test download succeeds. RATE_LIMIT or fewer WORKERS make it less likely.")
        case .bot_check:
            Text(summary: "The site asked to confirm that a human is downloading (a bot check or an age check).",
                 remedy: "Give Spool the cookies of a signed-in browser (COOKIES_FILE), or a PO token provider (see docs/operations.md, \"Bot checks\"). Downloads stay paused until one gets through.")
        case .extractor_outdated:
            Text(summary: "yt-dlp could not understand the site's current pages (the site changed).",
                 remedy: "Update yt-dlp (the Update button on the health page) and make sure a JavaScript runtime (Deno) is installed; then retry.")
        case .timeout:
            Text(summary: "The job ran past its time limit or stopped making progress.",
                 remedy: "Retry it; raise DOWNLOAD_TIME_LIMIT_SECONDS or DOWNLOAD_STALL_SECONDS for very long videos.")
        case .cancelled:
            Text(summary: "Cancelled.", remedy: "Retry it to download it after all.")
        case .crashed:
            Text(summary: "Spool stopped while the job ran (a restart or a crash).",
                 remedy: "It is retried by itself.")
        }
    }

    /// The job failure for a failed yt-dlp run: the class of its cause, a plain message, the
    /// raw line as detail.
    static func failure(_ failure: YtDlpFailure, doing what: String, runtimeMissing: Bool, logTail: String?) -> JobFailure {
        let errorClass: JobErrorClass = switch failure.cause {
        case .rateLimited: .rate_limited
        case .botCheck: .bot_check
        case .extractorOutdated: .extractor_outdated
        case .unavailable, .badArguments: .permanent
        case .network: .network
        case .crashed, .unknown: .transient
        }
        var message = "\(what) failed: " + text(for: errorClass).summary
        if errorClass == .permanent, what != "The download" {
            // A listing has no video to be private: say it of the source.
            message = "\(what) failed: the site says this channel or playlist does not exist, is private, or cannot be listed."
        }
        if errorClass == .extractor_outdated, runtimeMissing {
            message += " No JavaScript runtime was found: install Deno (scripts/setup.sh does) or set JS_RUNTIME_PATH."
        }
        if failure.cause == .badArguments {
            message = "\(what) failed: yt-dlp refused its arguments; check YTDLP_EXTRA_ARGS."
        }
        return JobFailure(
            errorClass, message, detail: failure.line, exitCode: failure.exitCode.map(Int.init),
            signal: failure.signal.map(Int.init), logTail: logTail)
    }
}
