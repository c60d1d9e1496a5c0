/// What the user chose for downloads (today global settings; a profile per source later).
public struct YtDlpOptions: Sendable, Equatable {
    public var ffmpegLocation: String?
    /// Audio codec to extract to (`m4a`, `opus`, `mp3`, …); nil keeps the downloaded media.
    public var audioFormat: String?
    /// yt-dlp `-f` format selection; nil uses yt-dlp's default (or best audio with `audioFormat`).
    public var format: String?
    /// yt-dlp `--limit-rate`, e.g. `2M`.
    public var rateLimit: String?
    public var cookiesFile: String?
    public var proxy: String?
    /// Extra arguments placed before `--` (split on spaces).
    public var extraArguments: [String]

    public init(
        ffmpegLocation: String? = nil, audioFormat: String? = "m4a", format: String? = nil,
        rateLimit: String? = nil, cookiesFile: String? = nil, proxy: String? = nil, extraArguments: [String] = []
    ) {
        self.ffmpegLocation = ffmpegLocation
        self.audioFormat = audioFormat
        self.format = format
        self.rateLimit = rateLimit
        self.cookiesFile = cookiesFile
        self.proxy = proxy
        self.extraArguments = extraArguments
    }
}
