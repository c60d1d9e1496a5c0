/// Why a yt-dlp run failed, by cause: what the user can do about it differs for each.
///
/// The adapter only recognises causes; the domain decides what each means for a job (retry,
/// pause every download, give up) and how to say it in plain language.
public struct YtDlpFailure: Sendable, Equatable, CustomStringConvertible {
    public enum Cause: String, Sendable, CaseIterable {
        /// HTTP 429 and its cousins: wait; every download should slow down.
        case rateLimited
        /// "Sign in to confirm you're not a bot", age checks: cookies or a PO token help.
        case botCheck
        /// yt-dlp no longer understands the site ("nsig extraction failed", "Requested format
        /// is not available", 403 on media), or lacks a JavaScript runtime: update it.
        case extractorOutdated
        /// Private, removed, members-only, 404, an unsupported URL: retrying cannot help.
        case unavailable
        /// DNS, refused or reset connections, timeouts, 5xx: retry with backoff.
        case network
        /// yt-dlp rejected its own arguments (exit status 2).
        case badArguments
        /// yt-dlp was killed by a signal it did not send itself.
        case crashed
        /// Anything else.
        case unknown
    }

    public var cause: Cause
    /// The most useful raw line (the last `ERROR:` line, else the last line that is not a
    /// warning), or a sentence when yt-dlp printed nothing.
    public var line: String
    public var exitCode: Int32?
    public var signal: Int32?

    public init(cause: Cause, line: String, exitCode: Int32? = nil, signal: Int32? = nil) {
        self.cause = cause
        self.line = line
        self.exitCode = exitCode
        self.signal = signal
    }

    public var description: String { "\(cause.rawValue): \(line)" }
}
