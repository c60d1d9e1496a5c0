/// What a download job carries: the entry's URL and what the listing said about it (yt-dlp
/// loses a feed entry's metadata when its URL is downloaded on its own).
public struct DownloadPayload: Codable, Sendable, Equatable {
    public var url: String
    public var videoId: String
    public var title: String
    public var duration: Double?
    public var uploader: String?
    public var channelTitle: String?
    /// The extractor the listing named (`Youtube`), for `--use-extractors`.
    public var extractor: String?
    /// Position in the listing (1 = first listed; newest first on YouTube).
    public var position: Int?
    /// Upload time (Unix seconds), when the listing knew it.
    public var uploadedAt: Double?
}

/// What a channel sync job carries.
public struct ChannelSyncPayload: Codable, Sendable, Equatable {
    public var channelId: Int64
    /// Re-list everything instead of stopping at the first run of known entries.
    public var full: Bool?
}
