import Foundation

/// One entry of a listing, read from one line of `yt-dlp --flat-playlist -j` (a JSON object
/// per entry, printed as yt-dlp pages through the source), so a listing of any size is read
/// entry by entry in bounded memory.
///
/// Accepts YouTube's flat entries (with `id` and `ie_key`), the generic extractor's (RSS
/// feeds: the id hides in the URL's `#__youtubedl_smuggle=` fragment) and a single video's
/// full info (a video URL lists as itself).
public struct ListingEntry: Sendable, Equatable, Codable {
    public var id: String
    public var url: String
    public var title: String
    public var duration: Double?
    public var uploader: String?
    public var thumbnail: String?
    /// Upload time (Unix seconds) when the listing knows it.
    public var uploadedAt: Double?
    /// 1-based position in the listing, as yt-dlp numbers it.
    public var position: Int?
    /// The extractor that handles the entry (`Youtube`), for `--use-extractors`.
    public var extractor: String?
    /// `is_live`, `is_upcoming`, `was_live`, `post_live` or `not_live`, when known.
    public var liveStatus: String?
    /// The source as yt-dlp names it: the playlist (channel tab) title and id, the channel.
    public var sourceTitle: String?
    public var sourceId: String?
    public var channel: String?
    public var channelId: String?

    /// Parses one line. Throws `ListingError` for a line that is not an entry.
    public init(jsonLine line: some StringProtocol) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ListingError("not a JSON object: \(line.prefix(120))")
        }
        try self.init(object: object)
    }

    init(object entry: [String: Any]) throws {
        guard let url = (entry["url"] as? String) ?? (entry["webpage_url"] as? String) ?? (entry["original_url"] as? String) else {
            throw ListingError("an entry without a URL")
        }
        let extractor = (entry["ie_key"] as? String) ?? (entry["_type"] as? String == "url" ? nil : entry["extractor_key"] as? String)
        let id = Self.smuggledId(in: url) ?? (entry["id"] as? String) ?? url
        guard !id.isEmpty else { throw ListingError("an entry without an id") }
        self.id = id
        self.url = Self.absoluteURL(url, id: id, extractor: extractor)
        self.title = Self.nonEmpty(entry["title"]) ?? id
        self.duration = (entry["duration"] as? NSNumber)?.doubleValue
        self.uploader = Self.nonEmpty(entry["uploader"]) ?? Self.nonEmpty(entry["channel"]) ?? Self.nonEmpty(entry["playlist_uploader"])
        self.thumbnail = Self.nonEmpty(entry["thumbnail"])
            ?? ((entry["thumbnails"] as? [[String: Any]])?.last?["url"] as? String)
        self.uploadedAt = (entry["timestamp"] as? NSNumber)?.doubleValue
            ?? (entry["release_timestamp"] as? NSNumber)?.doubleValue
            ?? (entry["upload_date"] as? String).flatMap(Self.date(fromYYYYMMDD:))
        self.position = (entry["playlist_index"] as? NSNumber)?.intValue
        self.extractor = extractor
        self.liveStatus = Self.nonEmpty(entry["live_status"])
        self.sourceTitle = Self.nonEmpty(entry["playlist_title"]) ?? Self.nonEmpty(entry["playlist"])
        self.sourceId = Self.nonEmpty(entry["playlist_channel_id"]) ?? Self.nonEmpty(entry["playlist_id"])
        self.channel = Self.nonEmpty(entry["channel"]) ?? Self.nonEmpty(entry["playlist_channel"]) ?? Self.nonEmpty(entry["playlist_uploader"])
        self.channelId = Self.nonEmpty(entry["channel_id"]) ?? Self.nonEmpty(entry["playlist_channel_id"])
    }

    private static func nonEmpty(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        return text
    }

    /// `force_videoid` from the generic extractor's smuggled URL fragment: without it every
    /// feed entry's id would be its URL, and a re-sync would see every entry as new.
    static func smuggledId(in url: String) -> String? {
        guard let range = url.range(of: "#__youtubedl_smuggle=") else { return nil }
        let encoded = String(url[range.upperBound...])
        guard let decoded = encoded.replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
              let object = try? JSONSerialization.jsonObject(with: Data(decoded.utf8)) as? [String: Any] else { return nil }
        return object["force_videoid"] as? String
    }

    /// YouTube flat entries may carry a bare id as `url`.
    static func absoluteURL(_ url: String, id: String, extractor: String?) -> String {
        if url.hasPrefix("http://") || url.hasPrefix("https://") { return url }
        if extractor == "Youtube" { return "https://www.youtube.com/watch?v=\(id)" }
        return url
    }

    /// `20240104` → midnight UTC of that day.
    public static func date(fromYYYYMMDD text: String) -> Double? {
        guard text.count == 8, let year = Int(text.prefix(4)), let month = Int(text.dropFirst(4).prefix(2)),
              let day = Int(text.suffix(2)) else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)?.timeIntervalSince1970
    }
}

/// A listing line Spool could not read.
public struct ListingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads a listing as yt-dlp prints it, one line at a time: drops lines that are not entries
/// (counting them, so the sync can log how many), and entries seen before (a channel's tabs
/// can repeat one), and counts what it read. Memory: the ids seen (a 20,000-entry channel
/// keeps about 1 MB), never the listing.
public struct ListingReader: Sendable {
    public private(set) var entriesRead = 0
    public private(set) var unreadableLines = 0
    public private(set) var duplicates = 0
    /// The first unreadable line's error, for the log.
    public private(set) var firstProblem: String?
    private var seen = Set<String>()

    public init() {}

    /// The entry on `line`, or nil for an unreadable line or a repeat.
    public mutating func read(_ line: String) -> ListingEntry? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{") else {
            if !trimmed.isEmpty { note(ListingError("not a JSON object: \(trimmed.prefix(120))")) }
            return nil
        }
        do {
            let entry = try ListingEntry(jsonLine: trimmed)
            guard seen.insert(entry.id).inserted else {
                duplicates += 1
                return nil
            }
            entriesRead += 1
            return entry
        } catch {
            note(error)
            return nil
        }
    }

    private mutating func note(_ error: Error) {
        unreadableLines += 1
        if firstProblem == nil { firstProblem = "\(error)" }
    }
}
