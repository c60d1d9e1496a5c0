import Foundation

/// The fields of a yt-dlp `.info.json` an import uses: the video's id and page, what it is
/// called, when it was published, and where it came from (its channel, its playlist).
struct ImportSidecar: Sendable, Equatable {
    var id: String?
    var title: String?
    var channel: String?
    var uploader: String?
    var channelId: String?
    var channelURL: String?
    var uploaderURL: String?
    var playlistId: String?
    var playlistTitle: String?
    var playlistURL: String?
    var pageURL: String?
    var duration: Double?
    var uploadedAt: Date?
    /// YouTube Music's fields, when yt-dlp gives them.
    var artist: String?
    var album: String?
    var trackNumber: Int?

    /// yt-dlp's info of a video with its formats is 50–500 KB; anything past this is not one.
    static let sizeLimit = 32 << 20

    /// Reads `path`; nil when it is missing, too big, not JSON, or a playlist's own info.
    static func read(_ path: String) -> ImportSidecar? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size <= sizeLimit,
              let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        return ImportSidecar(object)
    }

    init?(_ object: [String: Any]) {
        func text(_ key: String) -> String? {
            guard let value = object[key] as? String else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }
        func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        // A playlist's or channel's own info (yt-dlp writes one beside the videos) is no video.
        if let type = text("_type"), type != "video" { return nil }
        id = text("id")
        title = text("title") ?? text("fulltitle")
        channel = text("channel")
        uploader = text("uploader")
        channelId = text("channel_id")
        channelURL = text("channel_url")
        uploaderURL = text("uploader_url")
        playlistId = text("playlist_id")
        playlistTitle = text("playlist_title") ?? text("playlist")
        playlistURL = text("playlist_webpage_url")
        pageURL = text("webpage_url") ?? text("original_url")
        duration = number("duration")
        artist = text("artist") ?? (object["artists"] as? [String])?.first
        album = text("album")
        trackNumber = (object["track_number"] as? NSNumber)?.intValue
        if let seconds = number("timestamp") ?? number("release_timestamp") {
            uploadedAt = Date(timeIntervalSince1970: seconds)
        } else if let day = text("upload_date") ?? text("release_date") {
            uploadedAt = Self.date(yyyymmdd: day)
        }
    }

    /// `20240102` as midnight UTC.
    static func date(yyyymmdd text: String) -> Date? {
        guard text.count == 8, let value = Int(text) else { return nil }
        var components = DateComponents()
        components.year = value / 10_000
        components.month = value / 100 % 100
        components.day = value % 100
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard (1...12).contains(components.month!), (1...31).contains(components.day!) else { return nil }
        return calendar.date(from: components)
    }
}
