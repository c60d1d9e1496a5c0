import Foundation

/// A podcast's channel-level data. In Spool: one source, or one user's Likes.
public struct PodcastChannel: Sendable, Hashable {
    public enum ShowType: String, Sendable, Hashable {
        /// Newest first; apps offer the latest episode (a channel's uploads).
        case episodic
        /// Oldest first, meant to be heard in order (a playlist source).
        case serial
    }

    public var title: String
    /// The source's web page.
    public var link: String
    public var description: String
    /// An RFC 5646 language tag such as `en` or `de-CH`.
    public var language: String
    public var author: String
    /// Square artwork; Apple asks for 1400–3000 px JPEG or PNG.
    public var imageURL: String?
    public var explicit: Bool
    public var type: ShowType
    /// Apple Podcasts category names (`Music`).
    public var categories: [String]
    /// This feed's own URL (`atom:link rel="self"`), which podcast apps keep as the subscription.
    public var selfURL: String?

    public init(title: String, link: String, description: String, language: String = "en", author: String,
                imageURL: String? = nil, explicit: Bool = false, type: ShowType = .episodic,
                categories: [String] = ["Music"], selfURL: String? = nil) {
        self.title = title
        self.link = link
        self.description = description
        self.language = language
        self.author = author
        self.imageURL = imageURL
        self.explicit = explicit
        self.type = type
        self.categories = categories
        self.selfURL = selfURL
    }
}

/// One episode. In Spool: one downloaded track.
public struct PodcastEpisode: Sendable, Hashable {
    public struct Enclosure: Sendable, Hashable {
        /// Where the app downloads the file; the server must honour `Range` there.
        public var url: String
        /// Exact size in bytes: apps show it and some compare it with what they received.
        public var length: Int64
        /// The file's media type (`audio/mp4`, `audio/webm`, `video/mp4`…).
        public var mimeType: String

        public init(url: String, length: Int64, mimeType: String) {
            self.url = url
            self.length = length
            self.mimeType = mimeType
        }
    }

    /// Stable for the life of the track (apps de-duplicate and remember what was played by it),
    /// so never a URL that carries the feed key: revoking a key must not duplicate episodes.
    public var guid: String
    public var title: String
    public var description: String?
    /// The upload date.
    public var publishedAt: Date
    public var enclosure: Enclosure
    /// Seconds; nil when unknown.
    public var durationSeconds: Double?
    public var imageURL: String?
    /// The original web page (the YouTube watch URL).
    public var link: String?
    /// Per episode; nil inherits the channel's.
    public var explicit: Bool?

    public init(guid: String, title: String, description: String? = nil, publishedAt: Date, enclosure: Enclosure,
                durationSeconds: Double? = nil, imageURL: String? = nil, link: String? = nil, explicit: Bool? = nil) {
        self.guid = guid
        self.title = title
        self.description = description
        self.publishedAt = publishedAt
        self.enclosure = enclosure
        self.durationSeconds = durationSeconds
        self.imageURL = imageURL
        self.link = link
        self.explicit = explicit
    }
}

/// A rendered feed document and the `Content-Type` to serve it with.
public struct FeedDocument: Sendable, Hashable {
    public let text: String
    public let contentType: String

    public var bytes: [UInt8] { Array(text.utf8) }
}

/// RSS 2.0 with the iTunes namespace, the format every podcast app reads.
public enum PodcastFeed {
    public static let contentType = "application/rss+xml; charset=utf-8"
    static let itunesNamespace = "http://www.itunes.com/dtds/podcast-1.0.dtd"
    static let atomNamespace = "http://www.w3.org/2005/Atom"

    /// Renders a channel and its episodes (in the order given; Spool passes newest first).
    ///
    /// - Parameters:
    ///   - page: the RFC 5005 links of a paged feed (`FeedPage.links`); empty for a feed that is
    ///     simply limited to its newest episodes.
    ///   - lastBuildDate: when the feed's content last changed (the newest episode's date is a
    ///     good choice); nil leaves the element out.
    public static func render(
        channel: PodcastChannel, episodes: [PodcastEpisode], page: [FeedPage.Link] = [], lastBuildDate: Date? = nil
    ) -> FeedDocument {
        var elements: [FeedElement] = [
            FeedElement("title", text: channel.title),
            FeedElement("link", text: channel.link),
            FeedElement("description", text: channel.description),
            FeedElement("language", text: channel.language),
            FeedElement("generator", text: "Spool"),
        ]
        if let lastBuildDate {
            elements.append(FeedElement("lastBuildDate", text: FeedDates.rfc822(lastBuildDate)))
        }
        if let selfURL = channel.selfURL {
            elements.append(FeedElement("atom:link", attributes: [("href", selfURL), ("rel", "self"), ("type", "application/rss+xml")]))
        }
        for link in page {
            elements.append(FeedElement("atom:link", attributes: [("href", link.url), ("rel", link.relation.rawValue)]))
        }
        elements.append(FeedElement("itunes:author", text: channel.author))
        if let imageURL = channel.imageURL {
            elements.append(FeedElement("itunes:image", attributes: [("href", imageURL)]))
            elements.append(FeedElement("image", children: [
                FeedElement("url", text: imageURL),
                FeedElement("title", text: channel.title),
                FeedElement("link", text: channel.link),
            ]))
        }
        for category in channel.categories {
            elements.append(FeedElement("itunes:category", attributes: [("text", category)]))
        }
        elements.append(FeedElement("itunes:explicit", text: channel.explicit ? "true" : "false"))
        elements.append(FeedElement("itunes:type", text: channel.type.rawValue))
        elements.append(contentsOf: episodes.map(item))

        let rss = FeedElement("rss", attributes: [
            ("version", "2.0"), ("xmlns:itunes", itunesNamespace), ("xmlns:atom", atomNamespace),
        ], children: [FeedElement("channel", children: elements)])
        return FeedDocument(text: rss.document(), contentType: contentType)
    }

    private static func item(_ episode: PodcastEpisode) -> FeedElement {
        var children = [
            FeedElement("title", text: episode.title),
            FeedElement("guid", attributes: [("isPermaLink", "false")], text: episode.guid),
            FeedElement("pubDate", text: FeedDates.rfc822(episode.publishedAt)),
            FeedElement("enclosure", attributes: [
                ("url", episode.enclosure.url), ("length", String(max(0, episode.enclosure.length))),
                ("type", episode.enclosure.mimeType),
            ]),
        ]
        if let link = episode.link {
            children.append(FeedElement("link", text: link))
        }
        if let description = episode.description, !description.isEmpty {
            children.append(FeedElement("description", text: description))
        }
        if let seconds = episode.durationSeconds {
            children.append(FeedElement("itunes:duration", text: FeedDates.itunesDuration(seconds: seconds)))
        }
        if let imageURL = episode.imageURL {
            children.append(FeedElement("itunes:image", attributes: [("href", imageURL)]))
        }
        if let explicit = episode.explicit {
            children.append(FeedElement("itunes:explicit", text: explicit ? "true" : "false"))
        }
        children.append(FeedElement("itunes:episodeType", text: "full"))
        return FeedElement("item", children: children)
    }
}
