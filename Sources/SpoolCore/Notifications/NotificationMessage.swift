import Foundation

/// What Spool tells its user about, each of which `NOTIFY_ON` can turn off.
public enum NotificationKind: String, CaseIterable, Codable, Sendable {
    /// A sync's downloads ended and brought new tracks: one message per sync.
    case newTracks = "new_tracks"
    /// Downloads ended badly for good (failed, timed out, gave up after their attempts).
    case downloadFailed = "download_failed"
    /// Every download paused after a rate limit or a bot check.
    case downloadsPaused = "downloads_paused"
    /// yt-dlp was updated, or its update failed.
    case ytdlpUpdate = "ytdlp_update"
    /// A scheduled backup failed.
    case backupFailed = "backup_failed"
}

/// One message, as every notifier sends it: the title and body people read, the level
/// Apprise colours it with, and the facts behind it for a webhook's automation.
public struct NotificationMessage: Sendable {
    /// Apprise's notification types.
    public enum Level: String, Sendable, Codable {
        case info, success, warning, failure
    }

    public let kind: NotificationKind
    public let level: Level
    public let title: String
    public let body: String
    public let at: Date
    /// The kind's facts (a `SyncRound`, the failed jobs, the brake, …), sent as the webhook's `data`.
    public let data: any Encodable & Sendable

    public init(kind: NotificationKind, level: Level, title: String, body: String, at: Date = Date(), data: any Encodable & Sendable) {
        self.kind = kind
        self.level = level
        self.title = title
        self.body = body
        self.at = at
        self.data = data
    }

    /// The webhook's JSON body: `{"kind", "level", "title", "body", "at", "data"}`.
    public func json() throws -> Data {
        struct Envelope: Encodable {
            let kind: NotificationKind
            let level: Level
            let title: String
            let body: String
            let at: Date
            let data: Facts
        }
        struct Facts: Encodable {
            let value: any Encodable
            func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Envelope(kind: kind, level: level, title: title, body: body, at: at, data: Facts(value: data)))
    }
}
