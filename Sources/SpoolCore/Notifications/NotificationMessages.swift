import Foundation
import SpoolJobs
import SpoolStore

/// The words of every notification, built from what the events carry (no database reads).
/// Titles fit a phone's lock screen (under 60 characters before the source's name); bodies
/// list at most `listLimit` items, then how many more, so a sync of 500 videos or a burst of
/// failures is still one short message.
public enum NotificationMessages {
    static let listLimit = 5

    /// A download that ended badly for good, as the failure message lists it.
    public struct FailedDownload: Sendable, Codable, Equatable {
        public var jobId: Int64
        public var title: String
        public var videoId: String?
        public var sourceId: Int64?
        public var status: JobStatus
        public var errorClass: JobErrorClass?
        /// The plain-language reason (`jobs.last_error`).
        public var reason: String

        public init(_ job: Job) {
            jobId = job.id ?? 0
            title = job.title ?? job.videoId ?? "Job \(job.id ?? 0)"
            videoId = job.videoId
            sourceId = job.sourceId
            status = job.status
            errorClass = job.errorClass
            reason = job.lastError ?? job.status.rawValue
        }
    }

    /// What the downloads-paused message carries for a webhook.
    struct PauseFacts: Codable, Sendable {
        let cause: JobErrorClass?
        let pausedUntil: Date?
        let cooldownSeconds: Double
        let summary: String
        let remedy: String
    }

    /// "4 new tracks from <source>", the first titles; nil when the sync added none.
    public static func newTracks(_ round: SyncRound) -> NotificationMessage? {
        guard round.added > 0 else { return nil }
        var lines = round.titles.prefix(listLimit).map { $0 }
        if round.added > lines.count { lines.append("and \(round.added - lines.count) more") }
        if round.failed > 0 {
            lines.append("\(count(round.failed, "download")) of this sync failed; see the jobs page.")
        }
        return NotificationMessage(
            kind: .newTracks, level: .info,
            title: "\(count(round.added, "new track")) from \(round.sourceTitle)",
            body: lines.joined(separator: "\n"), data: round)
    }

    /// One message for downloads that ended badly for good, each with its reason; the remedy
    /// when they share one cause.
    public static func downloadsFailed(_ failures: [FailedDownload]) -> NotificationMessage {
        var lines = failures.prefix(listLimit).map { "\($0.title): \($0.reason)" }
        if failures.count > lines.count { lines.append("and \(failures.count - lines.count) more") }
        let classes = Set(failures.compactMap(\.errorClass))
        if classes.count == 1, let only = classes.first {
            lines.append(ErrorExplanation.text(for: only).remedy)
        }
        return NotificationMessage(
            kind: .downloadFailed, level: .failure,
            title: failures.count == 1 ? "A download failed" : "\(failures.count) downloads failed",
            body: lines.joined(separator: "\n"), data: failures)
    }

    /// Every download paused: why, for how long, and what the user can do.
    public static func downloadsPaused(_ state: DownloadBrake.State) -> NotificationMessage {
        let cause = state.cause ?? .rate_limited
        let text = ErrorExplanation.text(for: cause)
        let title = cause == .bot_check ? "Downloads paused: the site asks for a bot check" : "Downloads paused: the site limits Spool"
        let body = "\(text.summary) Downloads pause for \(duration(state.cooldownSeconds)), then one test download checks whether the site answers again.\n\(text.remedy)"
        return NotificationMessage(
            kind: .downloadsPaused, level: .warning, title: title, body: body,
            data: PauseFacts(cause: state.cause, pausedUntil: state.pausedUntil, cooldownSeconds: state.cooldownSeconds,
                             summary: text.summary, remedy: text.remedy))
    }

    /// yt-dlp updated, or its update failed; nil when nothing changed (up to date, not
    /// updatable by Spool).
    public static func ytdlpUpdate(_ record: YtDlpService.UpdateRecord) -> NotificationMessage? {
        switch record.result {
        case "updated":
            return NotificationMessage(
                kind: .ytdlpUpdate, level: .success, title: "yt-dlp updated to \(record.to ?? "a new version")",
                body: "yt-dlp was updated from \(record.from ?? "?") to \(record.to ?? "?")\(record.manual ? " (by hand)" : ""). \(record.message)",
                at: record.at, data: record)
        case "failed", "refused":
            return NotificationMessage(
                kind: .ytdlpUpdate, level: .failure, title: "yt-dlp could not be updated",
                body: "\(record.message)\nDownloads go on with the installed version; the health page's Update button tries again.",
                at: record.at, data: record)
        default:
            return nil
        }
    }

    /// A failed backup; nil for a good one.
    public static func backupFailed(_ run: BackupService.Run) -> NotificationMessage? {
        guard !run.ok else { return nil }
        return NotificationMessage(
            kind: .backupFailed, level: .failure, title: "The database backup failed",
            body: "\(run.error ?? "Unknown error").\nThe previous backups are kept; the next attempt is within the hour.",
            at: run.at, data: run)
    }

    /// "1 new track", "4 new tracks".
    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    /// "45 s", "2 min", "1 h".
    static func duration(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
        return "\(Int((seconds / 3600).rounded())) h"
    }
}
