import Foundation
import GRDB

/// A source the user mirrors: a YouTube channel or anything else yt-dlp can list.
public struct Channel: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "channels"

    public var id: Int64?
    public var url: String
    public var title: String?
    public var remoteId: String?
    public var state: ChannelState
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

    public init(url: String, addedAt: Date = Date(), syncIntervalSeconds: Int = 86_400) {
        self.url = url
        self.state = .idle
        self.syncIntervalSeconds = syncIntervalSeconds
        self.videoCount = 0
        self.addedAt = addedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
