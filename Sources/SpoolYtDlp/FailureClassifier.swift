/// Decides from yt-dlp's exit status and its last stderr lines why it failed. The patterns are
/// YouTube's and yt-dlp's own wording (`docs/ytdlp-notes.md`); the first cause whose patterns
/// match the run's `ERROR:` lines wins, in the order of `rules` (a 429 that also says "try
/// again later" is a rate limit, not a network hiccup).
public enum FailureClassifier {
    /// Lower-case fragments per cause, in the order they are tried.
    static let rules: [(YtDlpFailure.Cause, [String])] = [
        (.rateLimited, [
            "http error 429", "too many requests", "rate-limited", "rate limited", "ratelimit",
            "the current session has been rate-limited", "try again later",
        ]),
        (.botCheck, [
            "confirm you’re not a bot", "confirm you're not a bot", "confirm you are not a bot",
            "sign in to confirm your age", "confirm your age", "age-restricted", "inappropriate for some users",
            "captcha", "po token", "use --cookies-from-browser or --cookies",
        ]),
        (.extractorOutdated, [
            "nsig extraction failed", "signature extraction failed", "requested format is not available",
            "http error 403", "unable to extract", "please report this issue", "n challenge",
            "no supported javascript runtime", "javascript runtime", "update to the latest version",
            "confirm you are on the latest version",
        ]),
        (.unavailable, [
            "video unavailable", "this video is not available", "this video does not exist", "private video",
            "removed by the uploader", "removed for violating", "account associated with this video has been terminated",
            "copyright", "members-only", "channel's members", "premium members", "drm protected",
            "not made this video available in your country", "geo restriction", "not available in your country",
            "only available for registered users", "login details are needed", "http error 404", "http error 410",
            "unsupported url", "is not a valid url", "invalid url", "this content isn’t available.",
            "this live event will begin", "premieres in",
        ]),
        (.network, [
            "unable to download webpage", "connection refused", "connection reset", "name or service not known",
            "temporary failure in name resolution", "nodename nor servname", "network is unreachable",
            "timed out", "read timed out", "remote end closed connection", "incompleteread", "incomplete read",
            "http error 500", "http error 502", "http error 503", "http error 504", "errno 111", "errno 104",
            "ssl:", "got error: ", "connection aborted",
        ]),
    ]

    /// The cause of a failed run and the line that shows it.
    /// - Parameters:
    ///   - stderrLines: the last lines yt-dlp wrote to stderr (a bounded tail).
    public static func classify(exitCode: Int32?, signal: Int32?, stderrLines: [String]) -> YtDlpFailure {
        let errors = stderrLines.filter { $0.hasPrefix("ERROR:") }
        let line = (errors.last ?? stderrLines.last(where: { !$0.hasPrefix("WARNING:") && !$0.isEmpty }) ?? "")
            .trimmingCharacters(in: .whitespaces)
        if let signal {
            return YtDlpFailure(
                cause: .crashed, line: "yt-dlp was killed by signal \(signal)" + (line.isEmpty ? "" : ": \(line)"),
                exitCode: exitCode, signal: signal)
        }
        // Warnings count for the runtime check only: yt-dlp warns, then fails with "Requested
        // format is not available" or succeeds; the warning says why.
        let text = (errors + stderrLines.filter { $0.contains("JavaScript runtime") }).joined(separator: "\n").lowercased()
        for (cause, patterns) in rules where patterns.contains(where: text.contains) {
            return YtDlpFailure(cause: cause, line: line, exitCode: exitCode)
        }
        if exitCode == 2 {
            return YtDlpFailure(cause: .badArguments, line: line.isEmpty ? "yt-dlp rejected its arguments (exit 2)" : line, exitCode: exitCode)
        }
        return YtDlpFailure(cause: .unknown, line: line.isEmpty ? "yt-dlp failed with exit code \(exitCode ?? -1)" : line, exitCode: exitCode)
    }
}

import Foundation
