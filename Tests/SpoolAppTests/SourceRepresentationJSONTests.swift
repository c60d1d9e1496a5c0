import Foundation
import SpoolHTTP
import SpoolStore
import XCTest
@testable import SpoolApp
@testable import SpoolCore

/// The sources list writes its own JSON (`JSONWritable`, issue 19): byte for byte what
/// `JSONEncoder` with the API's configuration writes for the same sources, with every field set
/// and every optional absent: filters, retention rules and a last sync with skipped reasons
/// whose keys need escaping and are sorted as `JSONEncoder` sorts them (code points, not numbers
/// or case-folded).
final class SourceRepresentationJSONTests: XCTestCase {
    private func assertSameBytes<T: Encodable & JSONWritable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
        let written = String(decoding: JSONWriter.encode(value), as: UTF8.self)
        XCTAssertEqual(written, expected, file: file, line: line)
    }

    /// A source with nothing optional set: no title, no sync yet, no rules.
    private func bare(id: Int64) -> SourceSnapshot {
        var source = Source(url: "https://www.youtube.com/@bare\(id)", kind: .playlist, profileId: 3,
                            addedAt: Date(timeIntervalSince1970: 1_764_000_000.75), syncIntervalSeconds: 5_400)
        source.id = id
        return SourceSnapshot(source: source, counts: SourceCounts(videos: 0, downloaded: 0, queued: 0, failed: 0, skipped: 0))
    }

    /// A source with every field set, strings that need escaping and a fractional interval.
    private func full(id: Int64) -> SourceSnapshot {
        var source = Source(url: "https://example.com/list?a=1&b=\"2\"/x", kind: .channel, profileId: 12,
                            addedAt: Date(timeIntervalSince1970: -86_400.25), syncIntervalSeconds: 1_000)
        source.id = id
        source.title = "Tab\tand \"quotes\" – ünïcödé 😀 </script>"
        source.remoteId = "UC\\slash/ed"
        source.state = .error
        source.paused = true
        source.lastSyncedAt = Date(timeIntervalSince1970: 951_782_400)  // 2000-02-29
        source.nextSyncAt = Date(timeIntervalSince1970: 4_102_444_799.999)
        source.lastFullSyncAt = Date(timeIntervalSince1970: 86_399.9999)
        source.lastError = "The listing failed:\nline two"
        source.lastErrorClass = .network
        source.lastErrorDetail = "ERROR: \u{1}\u{1f} HTTP 429"
        var snapshot = SourceSnapshot(source: source, counts: SourceCounts(videos: 12_345, downloaded: 12_000, queued: 7, failed: 3, skipped: 335))
        var filters = SourceFilters()
        filters.titleInclude = "(?i)live|\"session\""
        filters.titleExclude = "trailer\\b"
        filters.minDuration = 61.5
        filters.maxDuration = 3_600
        filters.uploadedAfter = "2024-01-31"
        filters.includeShorts = false
        filters.includeLivestreams = true
        filters.maxItems = 250
        snapshot.filters = filters
        var retention = RetentionRules()
        retention.keepNewest = 100
        retention.maxAgeDays = 30
        retention.removeAfterSkips = 3
        retention.removeDisliked = false
        snapshot.retention = retention
        snapshot.lastSync = SyncSummary(
            read: 400, new: 12, known: 300,
            skipped: ["Beyond the newest 250": 40, "Beyond the newest 9": 1, "A short": 20, "a live stream": 2,
                      "Title does not match '(?i)live|\"session\"'": 25, "Shorter than 61 s": 1, "Longer than 3600 s": 0,
                      "Title matches 'Ünïcödé – dash'": 4, "Title matches 'zebra'": 5, "tab\there": 6],
            unreadable: 2, full: true, stoppedEarly: false, seconds: 12.345)
        return snapshot
    }

    /// Rules with only some fields, and a sync with no skipped reasons at all.
    private func partial(id: Int64) -> SourceSnapshot {
        var snapshot = bare(id: id)
        var filters = SourceFilters()
        filters.maxItems = 5
        snapshot.filters = filters
        var retention = RetentionRules()
        retention.removeDisliked = true
        snapshot.retention = retention
        snapshot.lastSync = SyncSummary(read: 0, new: 0, known: 0, unreadable: 0, full: false, stoppedEarly: true, seconds: 0.1)
        return snapshot
    }

    func testASourceIsWrittenAsJSONEncoderWritesIt() throws {
        for snapshot in [bare(id: 1), full(id: 2), partial(id: 3)] {
            try assertSameBytes(SourceRepresentation(snapshot))
        }
    }

    /// The stored columns as they are read back (`SourceSnapshot` decodes them) give the same
    /// bytes too: an unreadable column is `null`, an empty skip map `{}`.
    func testSourcesReadFromTheirStoredColumnsAreWrittenAsJSONEncoderWritesThem() throws {
        var source = full(id: 9).source
        source.filters = full(id: 9).filters?.json
        source.retention = full(id: 9).retention?.json
        source.lastSyncSummary = SyncSummary(read: 1, new: 1, known: 0, skipped: [:], unreadable: 0, full: false, stoppedEarly: false, seconds: 1e-7).json
        let decoded = SourceSnapshot(source: source, counts: SourceCounts(videos: 1, downloaded: 1, queued: 0, failed: 0, skipped: 0))
        XCTAssertEqual(decoded.filters, full(id: 9).filters)
        XCTAssertEqual(decoded.lastSync?.skipped, [:])
        try assertSameBytes(SourceRepresentation(decoded))
        source.filters = "{not json"
        source.lastSyncSummary = "[]"
        let unreadable = SourceSnapshot(source: source, counts: SourceCounts(videos: 0, downloaded: 0, queued: 0, failed: 0, skipped: 0))
        XCTAssertNil(unreadable.filters)
        try assertSameBytes(SourceRepresentation(unreadable))
    }

    /// The list reply under both of its keys (`channels` sorts before `next_before`, `sources`
    /// after it), empty, on a last page and with a next page.
    func testTheListReplyIsWrittenAsJSONEncoderWritesIt() throws {
        let sources = [full(id: 3), partial(id: 2), bare(id: 1)].map(SourceRepresentation.init)
        for key in ["sources", "channels"] {
            for (page, next) in [([SourceRepresentation](), nil), (sources, nil), (sources, PageCursor(id: 1).token)] {
                try assertSameBytes(SourceRoutes.SourcesReply(key: key, sources: page, total: 500, nextBefore: next))
            }
        }
    }

    /// The names view (`?view=names`): a title that needs escaping, none at all, a paused one;
    /// under both keys, empty, a last page and one with a next page.
    func testTheNamesReplyIsWrittenAsJSONEncoderWritesIt() throws {
        let names = [full(id: 3), partial(id: 2), bare(id: 1)].map { snapshot in
            SourceNameRepresentation(SourceName(id: snapshot.source.id ?? 0, title: snapshot.source.title, url: snapshot.source.url,
                                                kind: snapshot.source.kind, paused: snapshot.source.paused))
        }
        XCTAssertEqual(names.map(\.name.paused), [true, false, false])
        for key in ["sources", "channels"] {
            for (page, next) in [([SourceNameRepresentation](), nil), (names, nil), (names, PageCursor(id: 1).token)] {
                try assertSameBytes(SourceRoutes.SourcesReply(key: key, sources: page, total: 500, nextBefore: next))
            }
        }
    }

    /// A page of a source's entries: one with every field set and text that needs escaping,
    /// one with every optional absent; empty, a last page and one with a next page.
    func testTheEntriesReplyIsWrittenAsJSONEncoderWritesIt() throws {
        var full = SourceEntry(sourceId: 4, videoId: "dQw4w9WgXcQ", url: "https://example.com/watch?v=1&t=\"2\"", position: 41,
                               title: "Tab\tand \"quotes\" – ünïcödé 😀 </script>", duration: 212.125,
                               uploadedAt: Date(timeIntervalSince1970: 951_782_400), seenAt: Date(timeIntervalSince1970: 1_764_000_000.75),
                               skipReason: "Title matches 'zebra'\nline two")
        full.id = 7
        let bare = SourceEntry(sourceId: 4, videoId: "x", url: nil, position: nil, title: "", duration: nil,
                               uploadedAt: nil, seenAt: Date(timeIntervalSince1970: -86_400.25), skipReason: nil)
        let items = [
            SourceService.EntryPage.Item(entry: full, state: "skipped", trackId: nil),
            SourceService.EntryPage.Item(entry: bare, state: "downloaded", trackId: 9_007_199_254_740_993),
            SourceService.EntryPage.Item(entry: bare, state: "listed", trackId: nil),
        ].map(SourceEntryRepresentation.init)
        for (page, next) in [([SourceEntryRepresentation](), nil), (items, nil), (items, PageCursor(key: .number(1e12), id: 7).token)] {
            try assertSameBytes(SourceRoutes.EntriesReply(entries: page, nextBefore: next))
        }
    }

    /// The reply switches to the writer: the same bytes with it off (the benchmark's reference).
    func testTheRouteReplyIsTheSameWithTheWriterOff() throws {
        let reply = SourceRoutes.SourcesReply(key: "sources", sources: [SourceRepresentation(full(id: 4))], total: 1, nextBefore: nil)
        XCTAssertTrue((reply as Any) is any JSONWritable)
        let written = HTTPResponse.json(reply)
        JSONCoding.writer.store(false, ordering: .relaxed)
        defer { JSONCoding.writer.store(true, ordering: .relaxed) }
        let encoded = HTTPResponse.json(reply)
        guard case .bytes(let a) = written.body, case .bytes(let b) = encoded.body else { return XCTFail("no body") }
        XCTAssertEqual(a, b)
    }
}
