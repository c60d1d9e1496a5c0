import Foundation
import GRDB

/// A source the user mirrors: a channel, a playlist or one video — anything yt-dlp can list.
public struct Source: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "sources"

    public var id: Int64?
    public var url: String
    public var title: String?
    public var remoteId: String?
    public var state: SourceState
    public var syncIntervalSeconds: Int
    /// Entries listed by the last sync.
    public var videoCount: Int
    public var addedAt: Date
    public var lastSyncedAt: Date?
    public var nextSyncAt: Date?
    public var lastError: String?
    /// What the last sync did, as JSON (`SyncSummary` in SpoolCore).
    public var lastSyncSummary: String?
    /// When the last full re-list ran (re-syncs in between stop at the first known entries).
    public var lastFullSyncAt: Date?
    public var kind: SourceKind
    /// The download profile its downloads use (`profiles.id`).
    public var profileId: Int64
    /// A paused source is not synced, and its downloads wait.
    public var paused: Bool
    /// Its filters, as JSON (`SourceFilters` in SpoolCore); nil: none.
    public var filters: String?
    /// Its retention rules, as JSON (`RetentionRules` in SpoolCore); nil: keep everything.
    public var retention: String?
    /// "Only new from now on": the next sync records what is listed without downloading it.
    public var baselinePending: Bool
    /// The class and raw line of the last sync's failure (beside the plain `lastError`).
    public var lastErrorClass: JobErrorClass?
    public var lastErrorDetail: String?
    /// The one key of the source its URL names, whatever the spelling (`SourceURL.key`); nil
    /// only on a row from before v12 that another source's key already took.
    public var urlKey: String?

    public init(url: String, kind: SourceKind = .channel, profileId: Int64 = 1, addedAt: Date = Date(), syncIntervalSeconds: Int = 86_400) {
        self.url = url
        self.kind = kind
        self.profileId = profileId
        self.paused = false
        self.baselinePending = false
        self.state = .idle
        self.syncIntervalSeconds = syncIntervalSeconds
        self.videoCount = 0
        self.addedAt = addedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
