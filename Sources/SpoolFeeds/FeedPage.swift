/// One page of a paged feed (RFC 5005 "Feed Paging and Archiving", which podcastparser and so
/// gPodder follow): which slice of the episodes to put in it, and its `first`, `previous`,
/// `next` and `last` links. A source of 10 000 tracks is served 100 at a time instead of as one
/// 10 MB document.
public struct FeedPage: Sendable, Hashable {
    public struct Link: Sendable, Hashable {
        public enum Relation: String, Sendable, Hashable { case first, previous, next, last }
        public var relation: Relation
        public var url: String
    }

    /// 1-based; clamped to the pages that exist.
    public let number: Int
    public let size: Int
    public let pageCount: Int
    /// The first episode of this page in the full, newest-first list.
    public var offset: Int { (number - 1) * size }
    public let links: [Link]

    /// Episodes per page when the caller has no opinion.
    public static let defaultSize = 100
    /// The most per page: beyond it a feed grows past a few megabytes and some apps time out.
    public static let maxSize = 500

    /// - Parameters:
    ///   - requested: the page asked for (nil, 0 or negative is the first; past the end is the
    ///     last, so an old `next` link after deletions still answers).
    ///   - size: episodes per page, clamped to 1…`maxSize`.
    ///   - totalEpisodes: how many there are in all.
    ///   - url: the feed URL of a page number (page 1 should be the plain feed URL, the one apps
    ///     subscribe to).
    public init(requested: Int?, size: Int = defaultSize, totalEpisodes: Int, url: (Int) -> String) {
        let size = min(max(size, 1), Self.maxSize)
        let pageCount = max(1, (max(totalEpisodes, 0) + size - 1) / size)
        let number = min(max(requested ?? 1, 1), pageCount)
        self.size = size
        self.pageCount = pageCount
        self.number = number
        var links: [Link] = []
        if pageCount > 1 {
            links.append(Link(relation: .first, url: url(1)))
            if number > 1 { links.append(Link(relation: .previous, url: url(number - 1))) }
            if number < pageCount { links.append(Link(relation: .next, url: url(number + 1))) }
            links.append(Link(relation: .last, url: url(pageCount)))
        }
        self.links = links
    }
}
