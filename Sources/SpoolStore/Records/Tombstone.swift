import Foundation
import GRDB

/// A video the user deleted: channel re-syncs skip it.
public struct Tombstone: SpoolRecord, PersistableRecord, Equatable {
    public static let databaseTableName = "tombstones"

    public var videoId: String
    public var channelId: Int64?
    public var title: String?
    public var deletedAt: Date

    public init(videoId: String, channelId: Int64?, title: String?, deletedAt: Date = Date()) {
        self.videoId = videoId
        self.channelId = channelId
        self.title = title
        self.deletedAt = deletedAt
    }
}
