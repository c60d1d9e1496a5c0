import Foundation
import GRDB

/// A downloaded media file in the library, shared by every user (each user's likes, counts and
/// positions are `UserTrack` rows). A track in the trash has `deletedAt` and `trashPath` set;
/// its video is tombstoned so re-syncs skip it.
public struct Track: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "tracks"

    public var id: Int64?
    public var videoId: String
    public var sourceId: Int64?
    public var title: String
    public var uploader: String?
    public var duration: Double?
    /// Relative to the library folder.
    public var filePath: String
    public var size: Int64
    public var mimeType: String
    public var thumbnailPath: String?
    public var infoPath: String?
    public var deletedAt: Date?
    /// Relative to the library folder; set while the file sits in the trash.
    public var trashPath: String?
    public var createdAt: Date
    /// When the video was published, when its source said.
    public var uploadedAt: Date?
    /// The user restored it from the trash: retention leaves it alone.
    public var kept: Bool
    /// The music tags written into the file (a YouTube Music track's own, else the uploader and
    /// the source's title); nil for tracks downloaded before tagging.
    public var artist: String?
    public var album: String?
    public var trackNumber: Int?

    public init(
        videoId: String, sourceId: Int64?, title: String, uploader: String? = nil,
        duration: Double? = nil, filePath: String, size: Int64, mimeType: String,
        thumbnailPath: String? = nil, infoPath: String? = nil, createdAt: Date = Date(), uploadedAt: Date? = nil
    ) {
        self.videoId = videoId
        self.sourceId = sourceId
        self.title = title
        self.uploader = uploader
        self.duration = duration
        self.filePath = filePath
        self.size = size
        self.mimeType = mimeType
        self.thumbnailPath = thumbnailPath
        self.infoPath = infoPath
        self.createdAt = createdAt
        self.uploadedAt = uploadedAt
        self.kept = false
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
