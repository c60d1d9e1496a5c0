/// What a download job carries: the entry's URL and what the listing said about it (yt-dlp
/// loses a feed entry's metadata when its URL is downloaded on its own).
public struct DownloadPayload: Codable, Sendable, Equatable {
    public var url: String
    public var videoId: String
    public var title: String
    public var duration: Double?
    public var uploader: String?
    public var sourceTitle: String?
    /// The extractor the listing named (`Youtube`), for `--use-extractors`.
    public var extractor: String?
    /// Position in the listing (1 = first listed; newest first on YouTube).
    public var position: Int?
    /// Upload time (Unix seconds), when the listing knew it.
    public var uploadedAt: Double?
    /// The channel that published it (a playlist's entries come from many).
    public var channel: String?
    /// The listing's thumbnail, fetched when yt-dlp saves none (a feed's entries).
    public var thumbnail: String?

    public init(url: String, videoId: String, title: String, duration: Double? = nil, uploader: String? = nil,
                sourceTitle: String? = nil, extractor: String? = nil, position: Int? = nil, uploadedAt: Double? = nil,
                channel: String? = nil, thumbnail: String? = nil) {
        self.url = url
        self.videoId = videoId
        self.title = title
        self.duration = duration
        self.uploader = uploader
        self.sourceTitle = sourceTitle
        self.extractor = extractor
        self.position = position
        self.uploadedAt = uploadedAt
        self.channel = channel
        self.thumbnail = thumbnail
    }
}

/// What a source sync job carries.
public struct SourceSyncPayload: Codable, Sendable, Equatable {
    public var sourceId: Int64
    /// Re-list everything instead of stopping at the first run of known entries.
    public var full: Bool?
}
