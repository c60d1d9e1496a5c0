/// What the user chose for downloads (today global settings; a profile per source later).
public struct YtDlpOptions: Sendable, Equatable {
    public var ffmpegLocation: String?
    /// Audio codec to extract to (`m4a`, `opus`, `mp3`, …); nil keeps the downloaded media.
    public var audioFormat: String?
    /// yt-dlp `-f` format selection; nil uses yt-dlp's default (or best audio with `audioFormat`).
    public var format: String?
    /// yt-dlp `--audio-quality` (0 best … 10 worst, or a bitrate such as `192K`).
    public var audioQuality: String?
    /// Video only: the highest resolution to fetch (when no explicit `format`).
    public var maxHeight: Int?
    /// yt-dlp `--match-filters`: conditions checked once the video's metadata is known (for
    /// filters the listing could not apply); a video that fails one is skipped, not failed.
    public var matchFilter: String?
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
        self.audioQuality = nil
        self.maxHeight = nil
        self.matchFilter = nil
    }
}
