import SpoolStore

/// Decides from yt-dlp's exit status and stderr whether a failure is permanent (retrying cannot
/// help), rate-limited (everyone should slow down) or transient (retry with backoff). The
/// message patterns are YouTube's and yt-dlp's own wording (see `docs/ytdlp-notes.md`).
public enum FailureClassifier {
    static let rateLimited = [
        "http error 429", "too many requests", "confirm you’re not a bot", "confirm you're not a bot",
        "rate-limited", "try again later", "captcha",
    ]
    static let permanent = [
        "video unavailable", "this video is not available", "this video does not exist", "private video",
        "removed by the uploader", "removed for violating", "account associated with this video has been terminated",
        "copyright", "members-only", "channel's members", "premium members", "drm protected",
        "not made this video available in your country", "geo restriction", "confirm your age",
        "age-restricted", "inappropriate for some users", "only available for registered users",
        "login details are needed", "http error 404", "http error 410", "unsupported url",
        "is not a valid url", "invalid url", "this content isn’t available.",
    ]

    /// The error class and the most useful line of stderr.
    public static func classify(exitCode: Int32?, signal: Int32?, stderrLines: [String]) -> (JobErrorClass, String) {
        let errors = stderrLines.filter { $0.hasPrefix("ERROR:") }
        let message = (errors.last ?? stderrLines.last(where: { !$0.hasPrefix("WARNING:") }) ?? "")
            .trimmingCharacters(in: .whitespaces)
        let text = errors.joined(separator: "\n").lowercased()
        if let signal {
            return (.transient, "yt-dlp was killed by signal \(signal)" + (message.isEmpty ? "" : ": \(message)"))
        }
        if rateLimited.contains(where: text.contains) {
            return (.rate_limited, message)
        }
        if permanent.contains(where: text.contains) {
            return (.permanent, message)
        }
        if exitCode == 2 {
            return (.permanent, message.isEmpty ? "yt-dlp rejected its arguments (exit 2)" : message)
        }
        return (.transient, message.isEmpty ? "yt-dlp failed with exit code \(exitCode ?? -1)" : message)
    }
}

import Foundation
