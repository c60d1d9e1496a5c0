/// What ffprobe found in a media file: its container, duration, streams and tags.
public struct MediaInfo: Sendable, Hashable {
    /// ffprobe's demuxer names, such as `mov,mp4,m4a,3gp,3g2,mj2`, `mp3`, `flac`, `ogg`,
    /// `matroska,webm`.
    public var formatName: String
    /// ffprobe's readable name of the format, such as `QuickTime / MOV`.
    public var formatLongName: String?
    /// The container family, for choosing how to tag it.
    public var container: MediaContainer
    /// Playing time in seconds, when the container or its streams declare one.
    public var duration: Double?
    /// The time of the first packet in seconds (not always 0: mp3 encoder delay, WebM).
    public var startTime: Double
    /// Overall bit rate in bits per second.
    public var bitRate: Int?
    /// File size in bytes.
    public var size: Int64?
    /// Every stream, in file order, attached pictures included.
    public var streams: [MediaStream]
    /// The file's tags: the container's, completed by the first audio stream's (Ogg keeps its
    /// Vorbis comments on the stream). Keys are matched without regard to case.
    public var tags: MediaTags

    public init(
        formatName: String, formatLongName: String?, container: MediaContainer, duration: Double?,
        startTime: Double, bitRate: Int?, size: Int64?, streams: [MediaStream], tags: MediaTags
    ) {
        self.formatName = formatName
        self.formatLongName = formatLongName
        self.container = container
        self.duration = duration
        self.startTime = startTime
        self.bitRate = bitRate
        self.size = size
        self.streams = streams
        self.tags = tags
    }

    /// The audio streams.
    public var audioStreams: [MediaStream] { streams.filter { $0.kind == .audio } }
    /// The video streams that are moving pictures, not cover art.
    public var videoStreams: [MediaStream] { streams.filter { $0.kind == .video && !$0.isAttachedPicture } }
    /// Whether an embedded cover (an attached picture) is present.
    public var hasAttachedPicture: Bool { streams.contains { $0.isAttachedPicture } }
    /// The first attached picture stream, the embedded cover.
    public var attachedPicture: MediaStream? { streams.first { $0.isAttachedPicture } }
    /// Whether the file holds sound and no moving picture: a music file.
    public var isAudioOnly: Bool { !audioStreams.isEmpty && videoStreams.isEmpty }
}

/// One stream of a media file.
public struct MediaStream: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case audio, video, subtitle, attachment, data, other
    }

    /// The stream's index in the file, as ffmpeg's `-map 0:<index>` takes it.
    public var index: Int
    public var kind: Kind
    /// ffmpeg's codec name, such as `aac`, `opus`, `mp3`, `flac`, `vorbis`, `h264`, `mjpeg`.
    public var codec: String
    public var channels: Int?
    public var sampleRate: Int?
    public var bitRate: Int?
    public var width: Int?
    public var height: Int?
    public var duration: Double?
    /// The time of the stream's first packet in seconds.
    public var startTime: Double?
    /// Whether the stream is a still image shown as cover art (`disposition.attached_pic`), which
    /// includes an Ogg file's `METADATA_BLOCK_PICTURE` and a Matroska `cover.jpg` attachment.
    public var isAttachedPicture: Bool
    /// The stream's own tags (language, handler name, and for Ogg the Vorbis comments).
    public var tags: MediaTags

    public init(
        index: Int, kind: Kind, codec: String, channels: Int? = nil, sampleRate: Int? = nil,
        bitRate: Int? = nil, width: Int? = nil, height: Int? = nil, duration: Double? = nil,
        startTime: Double? = nil, isAttachedPicture: Bool = false, tags: MediaTags = MediaTags()
    ) {
        self.index = index
        self.kind = kind
        self.codec = codec
        self.channels = channels
        self.sampleRate = sampleRate
        self.bitRate = bitRate
        self.width = width
        self.height = height
        self.duration = duration
        self.startTime = startTime
        self.isAttachedPicture = isAttachedPicture
        self.tags = tags
    }
}

/// Tags read back from a file, matched without regard to case: Vorbis comments are
/// case-insensitive by specification, and ffmpeg reports them in whatever case they were written.
public struct MediaTags: Sendable, Hashable {
    /// Every tag, keyed by its lowercased name.
    public private(set) var values: [String: String] = [:]

    public init(_ pairs: [String: String] = [:]) {
        for (key, value) in pairs { values[key.lowercased()] = value }
    }

    /// The value of `key` in any case, or `nil`.
    public subscript(key: String) -> String? {
        values[key.lowercased()]
    }

    /// Adds the tags of `other` that this set does not have yet.
    public mutating func fill(from other: MediaTags) {
        values.merge(other.values) { mine, _ in mine }
    }

    /// The YouTube (or other site) video id Spool wrote into the file
    /// (``TrackTags/videoIDTagName``); every container reads back under the same name.
    public var spoolVideoID: String? { self[TrackTags.videoIDTagName] }
    /// The channel or playlist URL Spool wrote into the file (``TrackTags/sourceURLTagName``).
    public var spoolSourceURL: String? { self[TrackTags.sourceURLTagName] }
}

/// The container families Spool tags, recognised from the content (ffprobe's demuxer and, for
/// Matroska, the EBML DocType), never from the file name.
public enum MediaContainer: Sendable, Hashable, CustomStringConvertible {
    /// ISO base media: m4a, mp4, m4v, mov (iTunes-style `ilst` atoms).
    case mp4
    /// MPEG audio layer III (ID3v2 tag).
    case mp3
    /// Native FLAC (Vorbis comment and PICTURE metadata blocks).
    case flac
    /// Ogg: Opus, Vorbis or FLAC in Ogg (Vorbis comments).
    case ogg
    /// Matroska (tags and attachments).
    case matroska
    /// WebM, the Matroska subset browsers play (tags; no attachments).
    case webm
    /// Anything else ffprobe reads (wav, aac, avi, …), named by ffprobe's demuxer.
    case other(String)

    public var description: String {
        switch self {
        case .mp4: "mp4"
        case .mp3: "mp3"
        case .flac: "flac"
        case .ogg: "ogg"
        case .matroska: "matroska"
        case .webm: "webm"
        case .other(let name): name
        }
    }
}
