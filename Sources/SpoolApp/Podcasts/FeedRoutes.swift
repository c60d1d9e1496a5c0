import Foundation
import SpoolCore
import SpoolFeeds
import SpoolHTTP

/// Podcast feeds for apps that cannot sign in: every URL carries one of the user's API keys
/// (a `feeds` key, made for the purpose, or a full one), and a wrong or revoked key is a plain
/// 404 that tells nothing. Revoking the key revokes every URL below at the next request.
///
/// | route | answer |
/// |---|---|
/// | `/feeds/{key}/sources/{id}.xml[?page=N]` | a source's RSS 2.0 feed (iTunes namespace), newest upload first, 100 a page (RFC 5005 links) |
/// | `/feeds/{key}/likes.xml[?page=N]` | the key owner's Likes, newest like first |
/// | `/feeds/{key}/sources.opml` | OPML of the Likes and every source's feed |
/// | `/feeds/{key}/media/{track}.{ext}` | an enclosure: the file with Range |
/// | `/feeds/{key}/artwork/{track or source}-{id}.jpg` | square artwork |
struct FeedRoutes: RouteCollection {
    let podcasts: PodcastLibrary
    let credentials: CredentialService
    let artwork: ArtworkService
    let paths: LibraryPaths
    /// Whether the server itself serves HTTPS (feed URLs are absolute).
    let servesHTTPS: Bool

    func register(on routes: inout Routes) {
        routes.get("/feeds/{key}/likes.xml", .ownCredentials) { request in
            let user = try owner(request)
            return try likesFeed(request, user)
        }
        routes.get("/feeds/{key}/sources.opml", .ownCredentials) { request in
            let user = try owner(request)
            return try opml(request, user)
        }
        routes.get("/feeds/{key}/sources/{feed}", .ownCredentials) { request in
            let user = try owner(request)
            guard let id = Self.number(in: try request.parameter("feed"), prefix: "", suffix: ".xml") else { throw Self.nothingHere }
            return try sourceFeed(id, request, user)
        }
        routes.get("/feeds/{key}/media/{file}", .ownCredentials) { request in
            let user = try owner(request)
            let file = try request.parameter("file")
            guard let dot = file.firstIndex(of: "."), let id = Self.number(in: String(file[..<dot]), prefix: "", suffix: ""),
                  let episode = try podcasts.episode(id, for: user.userId),
                  let path = paths.absolute(episode.track.filePath), let real = LibraryPaths.resolved(path, inside: paths.root),
                  let opened = FileResponder.open(real) else { throw Self.nothingHere }
            return FileResponder.respond(with: opened, to: request, contentType: episode.track.mimeType, cacheControl: "private, max-age=0, must-revalidate")
        }
        routes.get("/feeds/{key}/artwork/{file}", .ownCredentials) { request in
            let user = try owner(request)
            let file = try request.parameter("file")
            let image: String?
            if let id = Self.number(in: file, prefix: "track-", suffix: ".jpg") {
                guard try podcasts.episode(id, for: user.userId) != nil else { throw Self.nothingHere }
                image = try artwork.artwork(ofTrack: id, size: .cover)
            } else if let id = Self.number(in: file, prefix: "source-", suffix: ".jpg") {
                image = try artwork.artwork(ofSource: id, size: .cover)
            } else {
                throw Self.nothingHere
            }
            guard let image, let opened = FileResponder.open(image) else { throw Self.nothingHere }
            return FileResponder.respond(with: opened, to: request, contentType: "image/jpeg", cacheControl: "private, max-age=86400")
        }
    }

    /// The same answer for a wrong key, a revoked key and a missing feed.
    static let nothingHere = HTTPError.notFound("There is no feed here.")

    private func owner(_ request: HTTPRequest) throws -> Principal {
        guard let user = try credentials.principal(forFeedKey: try request.parameter("key")) else { throw Self.nothingHere }
        return user
    }

    private static func number(in text: String, prefix: String, suffix: String) -> Int64? {
        guard text.hasPrefix(prefix), text.hasSuffix(suffix), text.count > prefix.count + suffix.count else { return nil }
        let digits = text.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits), value > 0 else { return nil }
        return value
    }

    // MARK: - Documents

    /// Where this user's feed URLs start: the address the app used, so a feed added on the LAN
    /// points at the LAN address. Behind a proxy that terminates HTTPS, `X-Forwarded-Proto`
    /// says so.
    private func base(_ request: HTTPRequest) throws -> String {
        let host = request.headers["Host"] ?? "localhost"
        guard !host.isEmpty, host.count <= 255, host.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "/" && $0 != "@" }) else {
            throw HTTPError.badRequest("The Host header is not a host name.")
        }
        let forwarded = request.headers["X-Forwarded-Proto"]?.lowercased()
        let scheme = servesHTTPS || forwarded == "https" ? "https" : "http"
        return "\(scheme)://\(host)/feeds/\(try request.parameter("key"))"
    }

    private func page(_ request: HTTPRequest) throws -> Int {
        try request.integer("page", default: 1, in: 1...1_000_000)
    }

    private func sourceFeed(_ id: Int64, _ request: HTTPRequest, _ user: Principal) throws -> HTTPResponse {
        guard let source = try podcasts.source(id) else { throw Self.nothingHere }
        let base = try base(request)
        let url = "\(base)/sources/\(id).xml"
        let title = source.title ?? source.url
        let (page, episodes) = try paged(requested: try page(request), url: url) { offset, limit in
            try podcasts.episodes(ofSource: id, offset: offset, limit: limit, for: user.userId)
        }
        let channel = PodcastChannel(
            title: title, link: source.url, description: "Everything Spool keeps of \(title), the newest upload first.",
            author: title, imageURL: "\(base)/artwork/source-\(id).jpg", selfURL: url)
        let items = episodes.map { episode(of: $0, base: base, published: $0.track.uploadedAt ?? $0.track.createdAt) }
        return document(PodcastFeed.render(channel: channel, episodes: items, page: page.links, lastBuildDate: items.first?.publishedAt))
    }

    private func likesFeed(_ request: HTTPRequest, _ user: Principal) throws -> HTTPResponse {
        let base = try base(request)
        let url = "\(base)/likes.xml"
        let (page, episodes) = try paged(requested: try page(request), url: url) { offset, limit in
            try podcasts.likedEpisodes(offset: offset, limit: limit, for: user.userId)
        }
        let channel = PodcastChannel(
            title: "\(user.name)’s Likes", link: base.replacingOccurrences(of: "/feeds/\(try request.parameter("key"))", with: "/likes_player/0"),
            description: "The tracks \(user.name) liked in Spool, the newest like first.", author: user.name,
            imageURL: episodes.first.map { "\(base)/artwork/track-\($0.id).jpg" }, selfURL: url)
        // In this feed a like is what is new: the date apps sort by is when the track was liked.
        let items = episodes.map { episode(of: $0, base: base, published: $0.state?.likedAt ?? $0.track.createdAt) }
        return document(PodcastFeed.render(channel: channel, episodes: items, page: page.links, lastBuildDate: items.first?.publishedAt))
    }

    private func opml(_ request: HTTPRequest, _ user: Principal) throws -> HTTPResponse {
        let base = try base(request)
        let outlines = [OPMLDocument.Outline(title: "\(user.name)’s Likes", feedURL: "\(base)/likes.xml")]
            + (try podcasts.sources()).map { source in
                OPMLDocument.Outline(title: source.title ?? source.url, feedURL: "\(base)/sources/\(source.id ?? 0).xml", webURL: source.url)
            }
        return document(OPMLDocument.render(title: "Spool", outlines: outlines, dateCreated: Date(), ownerName: user.name))
    }

    /// One page of episodes: the page asked for, or the last one when it is past the end (an
    /// old `next` link after deletions still answers).
    private func paged(requested: Int, url: String, read: (Int, Int) throws -> PodcastLibrary.Page) throws -> (FeedPage, [LibraryTrack]) {
        let size = FeedPage.defaultSize
        let link = { (number: Int) in number == 1 ? url : "\(url)?page=\(number)" }
        var result = try read((requested - 1) * size, size)
        let page = FeedPage(requested: requested, size: size, totalEpisodes: result.total, url: link)
        if page.number != requested {
            result = try read(page.offset, size)
        }
        return (page, result.episodes)
    }

    private func episode(of item: LibraryTrack, base: String, published: Date) -> PodcastEpisode {
        let track = item.track
        let suffix = (track.filePath as NSString).pathExtension.lowercased()
        return PodcastEpisode(
            // Stable for the life of the track and free of the key, so a new key does not
            // duplicate episodes in apps.
            guid: "spool-track-\(item.id)", title: track.title,
            description: [track.artist, item.sourceTitle].compactMap { $0 }.first,
            publishedAt: published,
            enclosure: .init(url: "\(base)/media/\(item.id)\(suffix.isEmpty ? "" : "." + suffix)", length: track.size, mimeType: track.mimeType),
            durationSeconds: track.duration, imageURL: "\(base)/artwork/track-\(item.id).jpg")
    }

    private func document(_ document: FeedDocument) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", document.contentType)
        headers.add("Cache-Control", "private, max-age=0, must-revalidate")
        return HTTPResponse(status: 200, headers: headers, body: .bytes(document.bytes))
    }
}
