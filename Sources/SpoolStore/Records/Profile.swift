import Foundation
import GRDB

/// A named, reusable download profile (like Pinchflat's media profiles): what a source's
/// downloads keep and how. One profile is the default; new sources get it.
public struct Profile: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "profiles"

    public var id: Int64?
    public var name: String
    public var isDefault: Bool
    public var media: ProfileMedia
    /// Audio: the codec to extract to (`m4a`, `mp3`, `opus`, `flac`, `best`).
    public var audioCodec: String?
    /// Audio: yt-dlp's `--audio-quality` (0 best … 10 worst, or a bitrate such as `192K`).
    public var audioQuality: String?
    /// Video: the highest resolution to fetch.
    public var maxHeight: Int?
    /// yt-dlp `-f`, overriding what `media`, `audioCodec` and `maxHeight` would choose.
    public var format: String?
    public var embedMetadata: Bool
    public var embedThumbnail: Bool
    public var useCookies: Bool
    /// Extra yt-dlp arguments as a JSON array (validated: nothing that writes elsewhere or runs
    /// commands).
    public var extraArgs: String
    /// The default profile mirrors the environment settings (AUDIO_FORMAT, …) until a user
    /// edits it.
    public var fromSettings: Bool
    /// File and folder names of its tracks (`NameTemplate`); nil: the standard one.
    public var outputTemplate: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, media: ProfileMedia = .audio, audioCodec: String? = "m4a", now: Date = Date()) {
        self.name = name
        self.isDefault = false
        self.media = media
        self.audioCodec = audioCodec
        self.embedMetadata = true
        self.embedThumbnail = true
        self.useCookies = true
        self.extraArgs = "[]"
        self.fromSettings = false
        self.createdAt = now
        self.updatedAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// An entry a source listed: its position, and why it was not downloaded, if it was not.
public struct SourceEntry: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "source_entries"

    public var id: Int64?
    public var sourceId: Int64
    public var videoId: String
    /// What to download for it.
    public var url: String?
    /// 1-based position in the source's listing (a playlist's order; newest first on YouTube).
    public var position: Int?
    public var title: String
    public var duration: Double?
    public var uploadedAt: Date?
    public var firstSeenAt: Date
    public var lastSeenAt: Date
    /// Why it was not downloaded (a filter, "only new from now on"); nil when it was queued.
    public var skipReason: String?

    public init(sourceId: Int64, videoId: String, url: String?, position: Int?, title: String, duration: Double?,
                uploadedAt: Date?, seenAt: Date, skipReason: String?) {
        self.sourceId = sourceId
        self.videoId = videoId
        self.url = url
        self.position = position
        self.title = title
        self.duration = duration
        self.uploadedAt = uploadedAt
        self.firstSeenAt = seenAt
        self.lastSeenAt = seenAt
        self.skipReason = skipReason
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
