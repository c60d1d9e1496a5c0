import Foundation

/// The tags Spool writes into a media file, mapped from yt-dlp's `.info.json` and the source the
/// track belongs to. Pure: no I/O.
///
/// The mapping, field by field (each "→" is a fallback in order):
///
/// | tag | from |
/// |---|---|
/// | title | `track` → the title part of an "Artist - Title" `title` → `title` without decorations such as "(Official Video)" → `fulltitle` → `id` |
/// | artist | `artists` (joined with ", ") → `artist` → the artist part of the split → `uploader` → `channel` (without " - Topic") |
/// | album | `album` → the source's title |
/// | album artist | with the info's album: `album_artists` → `album_artist` → the first artist; with the source's title: the channel's name, or "Various Artists" for a playlist |
/// | track number | with the info's album: `track_number`; otherwise the position in the source → `playlist_index` |
/// | date | `release_date` → `release_year` → `upload_date`, as YYYY-MM-DD or YYYY |
/// | comment | `webpage_url` → `original_url` (the video's page) |
/// | video id | `id`, in ``videoIDTagName`` |
/// | source URL | the source's URL → `channel_url` → `uploader_url`, in ``sourceURLTagName`` |
///
/// YouTube Music entries carry `track`, `artists` and `album`; they win over anything guessed
/// from the title, as the issue asks. The "Artist - Title" rule is ``ArtistTitleSplit``.
public struct TrackTags: Sendable, Hashable {
    /// The custom tag holding the video id, the same name in every container (`TXXX` in ID3,
    /// a Vorbis comment, a Matroska tag, and the iTunes freeform atom
    /// `----:com.apple.iTunes:SPOOL_VIDEO_ID` in MP4), so ffprobe, mutagen and TagLib all read
    /// it back under one name. A library import uses it to recognise a renamed file.
    public static let videoIDTagName = "SPOOL_VIDEO_ID"
    /// The custom tag holding the source's (channel's or playlist's) URL, stored like the video id.
    public static let sourceURLTagName = "SPOOL_SOURCE_URL"
    /// The album artist of a playlist's tracks, the name players use for compilations.
    public static let variousArtists = "Various Artists"

    /// Where the artist and title came from; for logs and tests.
    public enum Origin: String, Sendable, Hashable {
        /// The info JSON's music fields (`track`, `artists`/`artist`): YouTube Music.
        case musicMetadata = "music_metadata"
        /// An "Artist - Title" video title, split.
        case splitTitle = "split_title"
        /// The video title as the title, the uploader as the artist.
        case uploader
    }

    public var title: String
    public var artist: String?
    public var album: String?
    public var albumArtist: String?
    public var trackNumber: Int?
    /// YYYY-MM-DD or YYYY.
    public var date: String?
    /// The video's page URL.
    public var comment: String?
    public var videoID: String?
    /// The channel's or playlist's URL.
    public var sourceURL: String?
    public var origin: Origin

    public init(
        title: String, artist: String? = nil, album: String? = nil, albumArtist: String? = nil,
        trackNumber: Int? = nil, date: String? = nil, comment: String? = nil, videoID: String? = nil,
        sourceURL: String? = nil, origin: Origin = .uploader
    ) {
        self.title = title
        self.artist = artist
        self.album = album
        self.albumArtist = albumArtist
        self.trackNumber = trackNumber
        self.date = date
        self.comment = comment
        self.videoID = videoID
        self.sourceURL = sourceURL
        self.origin = origin
    }

    /// Maps a parsed `.info.json` object (as `JSONSerialization` returns it) and its source.
    public init(info: [String: Any], source: SourceContext) {
        let field = { (key: String) in TextCleanup.nonEmpty(info[key] as? String) }
        let videoID = field("id")
        let uploader = (field("uploader") ?? field("channel")).map(Self.withoutTopicSuffix)

        let musicArtists = Self.strings(info["artists"])
        let musicArtist = musicArtists.isEmpty ? field("artist") : musicArtists.joined(separator: ", ")
        let musicTrack = field("track")
        let musicAlbum = field("album")

        let rawTitle = field("title") ?? field("fulltitle")
        let split = musicTrack == nil ? rawTitle.flatMap { ArtistTitleSplit.split($0, uploader: uploader) } : nil

        if let musicTrack {
            title = musicTrack
        } else if let split {
            title = TextCleanup.stripTitleDecorations(split.title)
        } else if let rawTitle {
            let cleaned = TextCleanup.stripTitleDecorations(rawTitle)
            title = cleaned.isEmpty ? rawTitle : cleaned
        } else {
            title = videoID ?? "Untitled"
        }
        artist = musicArtist ?? split?.artist ?? uploader
        origin = (musicTrack != nil || musicArtist != nil) ? .musicMetadata : (split != nil ? .splitTitle : .uploader)

        if let musicAlbum {
            album = musicAlbum
            let albumArtists = Self.strings(info["album_artists"])
            albumArtist = albumArtists.isEmpty
                ? (field("album_artist") ?? musicArtists.first ?? musicArtist ?? artist)
                : albumArtists.joined(separator: ", ")
            trackNumber = Self.positive(info["track_number"])
        } else {
            album = TextCleanup.nonEmpty(source.title)
            if let sourceTitle = album {
                albumArtist = source.kind == .playlist ? Self.variousArtists : Self.withoutTopicSuffix(sourceTitle)
            } else {
                albumArtist = nil
            }
            trackNumber = source.position.flatMap { $0 > 0 ? $0 : nil } ?? Self.positive(info["playlist_index"])
        }

        date = Self.date(yyyymmdd: info["release_date"]) ?? Self.year(info["release_year"]) ?? Self.date(yyyymmdd: info["upload_date"])
        comment = field("webpage_url") ?? field("original_url")
        self.videoID = videoID
        sourceURL = TextCleanup.nonEmpty(source.url) ?? field("channel_url") ?? field("uploader_url")
    }

    /// Maps the bytes of an `.info.json` file.
    /// - Throws: `DecodingError.dataCorrupted` when the bytes are not a JSON object.
    public init(infoJSON: Data, source: SourceContext) throws {
        guard let object = try JSONSerialization.jsonObject(with: infoJSON) as? [String: Any] else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "the info JSON is not an object"))
        }
        self.init(info: object, source: source)
    }

    // MARK: - Field parsing

    /// YouTube's auto-generated artist channels are named "<Artist> - Topic".
    static func withoutTopicSuffix(_ name: String) -> String {
        name.hasSuffix(" - Topic") ? String(name.dropLast(" - Topic".count)) : name
    }

    static func strings(_ value: Any?) -> [String] {
        (value as? [Any] ?? []).compactMap { TextCleanup.nonEmpty($0 as? String) }
    }

    static func positive(_ value: Any?) -> Int? {
        let number = (value as? NSNumber)?.intValue ?? (value as? String).flatMap { Int($0) }
        return number.flatMap { $0 > 0 ? $0 : nil }
    }

    /// "20240517" → "2024-05-17"; anything else (a wrong length, month 13) → nil.
    static func date(yyyymmdd value: Any?) -> String? {
        guard let text = value as? String, text.count == 8, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { return nil }
        let digits = Array(text)
        guard let month = Int(String(digits[4...5])), let day = Int(String(digits[6...7])),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        return "\(String(digits[0...3]))-\(String(digits[4...5]))-\(String(digits[6...7]))"
    }

    /// 1985 or "1985" → "1985".
    static func year(_ value: Any?) -> String? {
        let number = (value as? NSNumber)?.intValue ?? (value as? String).flatMap { Int($0) }
        guard let number, (1000...9999).contains(number) else { return nil }
        return String(number)
    }
}
