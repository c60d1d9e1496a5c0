import Foundation

/// OPML 2.0 subscription lists: one document listing every feed, which podcast apps import in
/// one step ("Import OPML" in gPodder, AntennaPod, Pocket Casts).
public enum OPMLDocument {
    public static let contentType = "text/x-opml; charset=utf-8"

    /// One subscription.
    public struct Outline: Sendable, Hashable {
        /// Shown in the app's list.
        public var title: String
        /// The feed URL (with its key).
        public var feedURL: String
        /// The source's web page.
        public var webURL: String?

        public init(title: String, feedURL: String, webURL: String? = nil) {
            self.title = title
            self.feedURL = feedURL
            self.webURL = webURL
        }
    }

    /// Renders the list; `text` and `title` both carry the name, as OPML 2.0 requires `text` and
    /// some apps read only `title`.
    public static func render(title: String, outlines: [Outline], dateCreated: Date, ownerName: String? = nil) -> FeedDocument {
        var head = [
            FeedElement("title", text: title),
            FeedElement("dateCreated", text: FeedDates.rfc822(dateCreated)),
        ]
        if let ownerName {
            head.append(FeedElement("ownerName", text: ownerName))
        }
        let body = outlines.map { outline in
            var attributes = [("type", "rss"), ("text", outline.title), ("title", outline.title), ("xmlUrl", outline.feedURL)]
            if let webURL = outline.webURL {
                attributes.append(("htmlUrl", webURL))
            }
            return FeedElement("outline", attributes: attributes)
        }
        let opml = FeedElement("opml", attributes: [("version", "2.0")], children: [
            FeedElement("head", children: head),
            FeedElement("body", children: body),
        ])
        return FeedDocument(text: opml.document(), contentType: contentType)
    }
}
