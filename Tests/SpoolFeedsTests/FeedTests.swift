import Foundation
import XCTest
@testable import SpoolFeeds

/// The podcast feed and the OPML list, as text and as podcastparser and feedparser read them.
final class FeedTests: XCTestCase {
    private let feedURL = "https://spool.example/feeds/k3y/sources/1.rss"
    /// 2023-11-14T22:13:20Z, a Tuesday.
    private let uploaded = Date(timeIntervalSince1970: 1_700_000_000)

    private var channel: PodcastChannel {
        PodcastChannel(title: "Imagine Dragons & <Friends> 🎤\u{7}", link: "https://www.youtube.com/@ImagineDragons",
                       description: "Uploads of a channel \"mirrored\" by Spool.\nSecond line.", language: "en",
                       author: "Imagine Dragons & Co", imageURL: "https://spool.example/art/ar-1?size=1400&key=k3y",
                       explicit: false, type: .episodic, selfURL: feedURL)
    }

    private var episodes: [PodcastEpisode] {
        [
            PodcastEpisode(guid: "spool-track-1", title: "Believer & <Thunder> \"Live\" 🎵\u{8}\u{1B}[0m",
                           description: "Recorded live.\nTabs\there & ampersands.",
                           publishedAt: uploaded,
                           enclosure: .init(url: "https://spool.example/feeds/k3y/media/1.m4a?x=1&y=2", length: 4_194_304, mimeType: "audio/mp4"),
                           durationSeconds: 204.4, imageURL: "https://spool.example/art/tr-1?key=k3y",
                           link: "https://www.youtube.com/watch?v=7wtfhZwyrcc"),
            PodcastEpisode(guid: "spool-track-2", title: "A five-hour mix",
                           publishedAt: uploaded.addingTimeInterval(-86_400 * 400),
                           enclosure: .init(url: "https://spool.example/feeds/k3y/media/2.webm", length: 5_368_709_120, mimeType: "audio/webm"),
                           durationSeconds: 5 * 3600 + 61),
            PodcastEpisode(guid: "spool-track-3", title: "No duration known",
                           publishedAt: Date(timeIntervalSince1970: 0),
                           enclosure: .init(url: "https://spool.example/feeds/k3y/media/3.mp4", length: 1, mimeType: "video/mp4")),
        ]
    }

    // MARK: - Text

    func testRFC822Dates() {
        XCTAssertEqual(FeedDates.rfc822(uploaded), "Tue, 14 Nov 2023 22:13:20 +0000")
        XCTAssertEqual(FeedDates.rfc822(Date(timeIntervalSince1970: 0)), "Thu, 01 Jan 1970 00:00:00 +0000")
        XCTAssertEqual(FeedDates.rfc822(Date(timeIntervalSince1970: 951_782_400)), "Tue, 29 Feb 2000 00:00:00 +0000")
    }

    func testItunesDurations() {
        XCTAssertEqual(FeedDates.itunesDuration(seconds: 204.4), "00:03:24")
        XCTAssertEqual(FeedDates.itunesDuration(seconds: 59.6), "00:01:00")
        XCTAssertEqual(FeedDates.itunesDuration(seconds: 5 * 3600 + 61), "05:01:01")
        XCTAssertEqual(FeedDates.itunesDuration(seconds: 100 * 3600), "100:00:00")
        XCTAssertEqual(FeedDates.itunesDuration(seconds: -3), "00:00:00")
        XCTAssertEqual(FeedDates.itunesDuration(seconds: .nan), "00:00:00")
    }

    func testEscapingAndControlCharacters() {
        XCTAssertEqual(FeedText.escaped("a & b < c > \"d\" 🎵\u{0}\u{8}\u{1B}\u{FFFE}\u{FFFF}é", inAttribute: false),
                       "a &amp; b &lt; c &gt; \"d\" 🎵é")
        XCTAssertEqual(FeedText.escaped("x=\"1\"&y\t\n\r", inAttribute: true), "x=&quot;1&quot;&amp;y&#9;&#10;&#13;")
    }

    func testFeedDocumentShape() {
        let feed = PodcastFeed.render(channel: channel, episodes: Array(episodes.prefix(1)), lastBuildDate: uploaded)
        XCTAssertEqual(feed.contentType, "application/rss+xml; charset=utf-8")
        let text = feed.text
        XCTAssertTrue(text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + #"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:atom="http://www.w3.org/2005/Atom">"#), text)
        for fragment in [
            "<title>Imagine Dragons &amp; &lt;Friends&gt; 🎤</title>",
            "<itunes:author>Imagine Dragons &amp; Co</itunes:author>",
            #"<itunes:image href="https://spool.example/art/ar-1?size=1400&amp;key=k3y"/>"#,
            "<itunes:explicit>false</itunes:explicit>",
            "<itunes:type>episodic</itunes:type>",
            #"<itunes:category text="Music"/>"#,
            #"<atom:link href="https://spool.example/feeds/k3y/sources/1.rss" rel="self" type="application/rss+xml"/>"#,
            "<lastBuildDate>Tue, 14 Nov 2023 22:13:20 +0000</lastBuildDate>",
            #"<guid isPermaLink="false">spool-track-1</guid>"#,
            "<pubDate>Tue, 14 Nov 2023 22:13:20 +0000</pubDate>",
            #"<enclosure url="https://spool.example/feeds/k3y/media/1.m4a?x=1&amp;y=2" length="4194304" type="audio/mp4"/>"#,
            "<itunes:duration>00:03:24</itunes:duration>",
            "<title>Believer &amp; &lt;Thunder&gt; \"Live\" 🎵[0m</title>",
        ] {
            XCTAssertTrue(text.contains(fragment), "missing \(fragment) in\n\(text)")
        }
    }

    func testPaging() {
        let first = FeedPage(requested: nil, size: 2, totalEpisodes: 5) { "feed?page=\($0)" }
        XCTAssertEqual(first.number, 1)
        XCTAssertEqual(first.offset, 0)
        XCTAssertEqual(first.pageCount, 3)
        XCTAssertEqual(first.links.map(\.relation), [.first, .next, .last])
        XCTAssertEqual(first.links.map(\.url), ["feed?page=1", "feed?page=2", "feed?page=3"])
        let middle = FeedPage(requested: 2, size: 2, totalEpisodes: 5) { "feed?page=\($0)" }
        XCTAssertEqual(middle.offset, 2)
        XCTAssertEqual(middle.links.map(\.relation), [.first, .previous, .next, .last])
        let pastTheEnd = FeedPage(requested: 99, size: 2, totalEpisodes: 5) { "feed?page=\($0)" }
        XCTAssertEqual(pastTheEnd.number, 3)
        XCTAssertEqual(pastTheEnd.offset, 4)
        XCTAssertEqual(pastTheEnd.links.map(\.relation), [.first, .previous, .last])
        let negative = FeedPage(requested: -4, size: 0, totalEpisodes: 0) { "feed?page=\($0)" }
        XCTAssertEqual(negative.number, 1)
        XCTAssertEqual(negative.size, 1)
        XCTAssertEqual(negative.links, [], "one page needs no links")
        XCTAssertEqual(FeedPage(requested: 1, size: 1_000_000, totalEpisodes: 10) { _ in "" }.size, FeedPage.maxSize)
    }

    // MARK: - podcastparser and feedparser

    private func parseWithPodcastClients(feed: FeedDocument, opml: FeedDocument) throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw FeedTestError("no \(python.path): run scripts/setup.sh test")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-feeds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let feedPath = directory.appendingPathComponent("feed.rss"), opmlPath = directory.appendingPathComponent("list.opml")
        let reportPath = directory.appendingPathComponent("report.json")
        try Data(feed.bytes).write(to: feedPath)
        try Data(opml.bytes).write(to: opmlPath)
        let process = Process()
        process.executableURL = python
        process.arguments = [root.appendingPathComponent("Tests/SpoolFeedsTests/Clients/feed_clients.py").path,
                             feedPath.path, feedURL, opmlPath.path, reportPath.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FeedTestError("feed_clients.py exited \(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: reportPath)) as! [String: Any]
    }

    private func renderedFixtures() -> (FeedDocument, FeedDocument) {
        let page = FeedPage(requested: 1, size: 3, totalEpisodes: 7) { $0 == 1 ? self.feedURL : self.feedURL + "?page=\($0)" }
        let feed = PodcastFeed.render(channel: channel, episodes: episodes, page: page.links, lastBuildDate: uploaded)
        let opml = OPMLDocument.render(title: "Spool & friends", outlines: [
            .init(title: "Imagine Dragons & <Friends>", feedURL: feedURL, webURL: "https://www.youtube.com/@ImagineDragons"),
            .init(title: "Likes 💜", feedURL: "https://spool.example/feeds/k3y/likes.rss?a=1&b=2"),
        ], dateCreated: uploaded, ownerName: "ann")
        return (feed, opml)
    }

    func testPodcastparserReadsEveryEpisodeIntact() throws {
        let (feed, opml) = renderedFixtures()
        let podcast = try XCTUnwrap(try parseWithPodcastClients(feed: feed, opml: opml)["podcastparser"] as? [String: Any])
        XCTAssertEqual(podcast["title"] as? String, "Imagine Dragons & <Friends> 🎤")
        XCTAssertEqual(podcast["link"] as? String, "https://www.youtube.com/@ImagineDragons")
        XCTAssertEqual(podcast["cover_url"] as? String, "https://spool.example/art/ar-1?size=1400&key=k3y")
        XCTAssertEqual(podcast["itunes_author"] as? String, "Imagine Dragons & Co")
        XCTAssertEqual(podcast["explicit"] as? Bool, false)
        XCTAssertEqual(podcast["type"] as? String, "episodic")
        XCTAssertEqual(podcast["paged_feed_next"] as? String, feedURL + "?page=2")
        XCTAssertEqual(podcast["paged_feed_first"] as? String, feedURL)
        let parsed = try XCTUnwrap(podcast["episodes"] as? [[String: Any]])
        XCTAssertEqual(parsed.count, 3)
        // podcastparser sorts newest first, which is also the order given.
        for (episode, expected) in zip(parsed, episodes) {
            XCTAssertEqual(episode["guid"] as? String, expected.guid)
            XCTAssertEqual(episode["published"] as? Int, Int(expected.publishedAt.timeIntervalSince1970))
            XCTAssertEqual(episode["total_time"] as? Int, expected.durationSeconds.map { Int($0.rounded()) } ?? 0)
            let enclosures = try XCTUnwrap(episode["enclosures"] as? [[String: Any]])
            XCTAssertEqual(enclosures.count, 1)
            XCTAssertEqual(enclosures[0]["url"] as? String, expected.enclosure.url)
            XCTAssertEqual((enclosures[0]["file_size"] as? NSNumber)?.int64Value, expected.enclosure.length)
            XCTAssertEqual(enclosures[0]["mime_type"] as? String, expected.enclosure.mimeType)
        }
        XCTAssertEqual(parsed[0]["title"] as? String, "Believer & <Thunder> \"Live\" 🎵[0m")
        XCTAssertEqual(parsed[0]["episode_art_url"] as? String, "https://spool.example/art/tr-1?key=k3y")
        // podcastparser squashes runs of spaces and tabs (not line feeds) into one space.
        XCTAssertEqual(parsed[0]["description"] as? String, "Recorded live.\nTabs here & ampersands.")
        XCTAssertEqual(parsed[0]["link"] as? String, "https://www.youtube.com/watch?v=7wtfhZwyrcc")
    }

    func testFeedparserReadsTheFeedWithoutComplaint() throws {
        let (feed, opml) = renderedFixtures()
        let parsed = try XCTUnwrap(try parseWithPodcastClients(feed: feed, opml: opml)["feedparser"] as? [String: Any])
        XCTAssertEqual(parsed["bozo"] as? Bool, false, "\(parsed["bozoException"] ?? "")")
        XCTAssertEqual(parsed["version"] as? String, "rss20")
        XCTAssertEqual(parsed["title"] as? String, "Imagine Dragons & <Friends> 🎤")
        XCTAssertEqual(parsed["language"] as? String, "en")
        XCTAssertEqual(parsed["author"] as? String, "Imagine Dragons & Co")
        XCTAssertEqual(parsed["image"] as? String, "https://spool.example/art/ar-1?size=1400&key=k3y")
        let links = try XCTUnwrap(parsed["links"] as? [[String: String]])
        XCTAssertTrue(links.contains(["rel": "next", "href": feedURL + "?page=2"]), "\(links)")
        let entries = try XCTUnwrap(parsed["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 3)
        for (entry, expected) in zip(entries, episodes) {
            XCTAssertEqual(entry["id"] as? String, expected.guid)
            XCTAssertEqual(entry["guidislink"] as? Bool, false)
            XCTAssertEqual(entry["published"] as? Int, Int(expected.publishedAt.timeIntervalSince1970))
            let enclosures = try XCTUnwrap(entry["enclosures"] as? [[String: String]])
            XCTAssertEqual(enclosures, [["href": expected.enclosure.url, "length": String(expected.enclosure.length),
                                         "type": expected.enclosure.mimeType]])
            XCTAssertEqual(entry["duration"] as? String, expected.durationSeconds.map(FeedDates.itunesDuration(seconds:)))
        }
        XCTAssertEqual(entries[0]["title"] as? String, "Believer & <Thunder> \"Live\" 🎵[0m")
        XCTAssertEqual(entries[0]["image"] as? String, "https://spool.example/art/tr-1?key=k3y")
        XCTAssertEqual(entries[0]["summary"] as? String, "Recorded live.\nTabs\there & ampersands.")
    }

    func testOPMLListsEveryFeed() throws {
        let (feed, opml) = renderedFixtures()
        XCTAssertEqual(opml.contentType, "text/x-opml; charset=utf-8")
        let parsed = try XCTUnwrap(try parseWithPodcastClients(feed: feed, opml: opml)["opml"] as? [String: Any])
        XCTAssertEqual(parsed["version"] as? String, "2.0")
        XCTAssertEqual(parsed["title"] as? String, "Spool & friends")
        XCTAssertEqual(parsed["dateCreated"] as? String, "Tue, 14 Nov 2023 22:13:20 +0000")
        XCTAssertEqual(parsed["outlines"] as? [[String: String]], [
            ["type": "rss", "text": "Imagine Dragons & <Friends>", "title": "Imagine Dragons & <Friends>",
             "xmlUrl": feedURL, "htmlUrl": "https://www.youtube.com/@ImagineDragons"],
            ["type": "rss", "text": "Likes 💜", "title": "Likes 💜", "xmlUrl": "https://spool.example/feeds/k3y/likes.rss?a=1&b=2"],
        ])
    }
}

struct FeedTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
