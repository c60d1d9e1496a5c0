import Foundation

/// What `yt-dlp --flat-playlist -J` says about a channel: its title and its entries.
public struct ChannelListing: Sendable {
    /// One listed video.
    public struct Entry: Sendable, Equatable, Codable {
        public var id: String
        public var url: String
        public var title: String
        public var duration: Double?
        public var uploader: String?
        public var thumbnail: String?
    }

    public var title: String?
    public var remoteId: String?
    public var uploader: String?
    public var entries: [Entry]

    /// Parses the JSON document. Accepts YouTube's flat entries (with `id`) and the generic
    /// extractor's (RSS: the id hides in the URL's `#__youtubedl_smuggle=` fragment).
    public init(json: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ListingError("yt-dlp printed no listing")
        }
        title = root["title"] as? String
        remoteId = (root["channel_id"] as? String) ?? (root["id"] as? String)
        uploader = (root["uploader"] as? String) ?? (root["channel"] as? String)
        let rawEntries = (root["entries"] as? [Any]) ?? (root["_type"] as? String == "playlist" ? [] : [root])
        var seen = Set<String>()
        entries = rawEntries.compactMap { $0 as? [String: Any] }.compactMap { entry in
            guard let url = (entry["url"] as? String) ?? (entry["webpage_url"] as? String) else { return nil }
            let id = (entry["id"] as? String) ?? Self.smuggledId(in: url) ?? url
            guard seen.insert(id).inserted else { return nil }
            let thumbnail = (entry["thumbnail"] as? String)
                ?? ((entry["thumbnails"] as? [[String: Any]])?.last?["url"] as? String)
            return Entry(
                id: id, url: Self.absoluteURL(url, id: id, extractor: entry["ie_key"] as? String),
                title: (entry["title"] as? String) ?? id,
                duration: (entry["duration"] as? NSNumber)?.doubleValue,
                uploader: (entry["uploader"] as? String) ?? (entry["channel"] as? String),
                thumbnail: thumbnail)
        }
    }

    /// `force_videoid` from the generic extractor's smuggled URL fragment.
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
}

/// A listing yt-dlp could not produce or Spool could not read.
public struct ListingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
