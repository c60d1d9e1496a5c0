/// What a download job carries: the entry's URL and the metadata from the channel listing
/// (yt-dlp loses it when an entry URL of a feed is downloaded on its own).
public struct DownloadPayload: Codable, Sendable {
    public var url: String
    public var videoId: String
    public var title: String
    public var duration: Double?
    public var uploader: String?
    public var channelTitle: String?
}

/// What a channel sync job carries.
public struct ChannelSyncPayload: Codable, Sendable {
    public var channelId: Int64
}
