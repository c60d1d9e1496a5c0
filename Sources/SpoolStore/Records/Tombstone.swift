import Foundation
import GRDB

/// A video the user deleted: channel re-syncs skip it.
public struct Tombstone: SpoolRecord, PersistableRecord, Equatable {
    public static let databaseTableName = "tombstones"

    public var videoId: String
    public var sourceId: Int64?
    public var title: String?
    public var deletedAt: Date

    public init(videoId: String, sourceId: Int64?, title: String?, deletedAt: Date = Date()) {
        self.videoId = videoId
        self.sourceId = sourceId
        self.title = title
        self.deletedAt = deletedAt
    }
}
