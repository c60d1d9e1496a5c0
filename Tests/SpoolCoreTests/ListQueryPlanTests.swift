import Foundation
import GRDB
@testable import SpoolJobs
import SpoolSeed
import SpoolStore
import XCTest
@testable import SpoolCore

/// Every list query the API offers reads an index in the list's order: `EXPLAIN QUERY PLAN`
/// of each, in every sort, filter and position, on a seeded database (issue 19: "an index for
/// every sort and filter the API offers"). The queries come from the services' own builders
/// (`ListQuery`), so what is checked is what runs.
///
/// A plan fails when it
/// - sorts in a temporary B-tree (`USE TEMP B-TREE FOR ORDER BY`): the page would cost a sort of
///   every matching row, however deep it is; or
/// - scans a big table (`SCAN tracks`, `SCAN jobs USING INDEX …`), unless that scan is the
///   list's own ordered walk: the outer loop of a query with a `LIMIT`, in the list's order (no
///   sort), which stops after the page. That is how the first page of an order starts (a rowid
///   or index walk from the start); any other scan reads the whole table per page or per row.
///
/// Searches by title or plays, or within a source or a rating, are the one kind allowed to sort:
/// they list every match of FTS5 before ordering them. A search newest or oldest first walks
/// the search index itself and stops after the page (`testASearchInAnIdOrderWalksTheSearchIndex`);
/// one by title that matches many walks the title index (`testASearchByTitleWalksTheTitleIndexWhenItMatchesMany`).
///
/// The plans are checked twice: as a new database has them (no statistics), and after
/// `ANALYZE` (what housekeeping's `PRAGMA optimize` leads to), since the planner's choice
/// between an index and a sort depends on the statistics.
/// A way of reading a search, as the cost model names them.
private typealias Way = TrackLibrary.OrderedSearch

final class ListQueryPlanTests: XCTestCase {
    /// Tables that grow with the library; `sources`, `profiles` and `counts` stay small.
    static let bigTables: Set<String> = ["tracks", "jobs", "job_events", "play_events", "source_entries", "tombstones"]

    private static let directory = NSTemporaryDirectory() + "spool-plans-" + UUID().uuidString
    /// Seeded once for the class: 3,000 tracks, 6,000 jobs, 10,000 plays over 10 sources (enough
    /// that the planner's choices are the real ones; the seed's time is most of the test's).
    nonisolated(unsafe) private static var seeded: SpoolDatabase?

    override class func tearDown() {
        try? seeded?.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func database() throws -> SpoolDatabase {
        if let seeded = Self.seeded { return seeded }
        try FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: true)
        let database = try SpoolDatabase(options: DatabaseOptions(path: Self.directory + "/plans.db"))
        try database.migrate()
        try LibrarySeed(size: SeedSize(tracks: 3_000, jobs: 6_000, plays: 10_000, sources: 10, tombstones: 300)).fill(database)
        Self.seeded = database
        return database
    }

    /// A database of the test's own (one that writes to its library), seeded with `size`;
    /// closed and removed when the test ends.
    private func ownDatabase(seeded size: SeedSize) throws -> SpoolDatabase {
        let directory = NSTemporaryDirectory() + "spool-plans-own-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try SpoolDatabase(options: DatabaseOptions(path: directory + "/library.db"))
        addTeardownBlock {
            try? database.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
        try database.migrate()
        try LibrarySeed(size: size).fill(database)
        return database
    }

    func testEveryListQueryReadsAnIndexInTheListsOrder() throws {
        let database = try database()
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            let queries = try listQueries(database)
            XCTAssertGreaterThan(queries.count, 300, "the matrix of filters and orders")
            var failures: [String] = []
            try database.read { db in
                for (name, query) in queries {
                    let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments)
                        .map { PlanLine(id: $0["id"], parent: $0["parent"], detail: $0["detail"]) }
                    if ProcessInfo.processInfo.environment["SPOOL_PRINT_PLANS"] != nil {  // to read them all
                        print("PLAN \(analyzed ? "analyzed" : "no statistics") \(name): " + plan.map(\.detail).joined(separator: " / "))
                    }
                    if let problem = Self.problem(in: plan, of: query) {
                        failures.append("\(name): \(problem)\n    \(query.sql.split(separator: "\n").joined(separator: " "))\n"
                                        + plan.map { "      \($0.detail)" }.joined(separator: "\n"))
                    }
                }
            }
            XCTAssert(failures.isEmpty, "\(analyzed ? "after ANALYZE" : "without statistics"): \(failures.count) plans read more than a page:\n"
                      + failures.joined(separator: "\n"))
        }
    }

    /// When the next waiting job falls due is one seek a kind in `jobs_kind_due` (v16), with
    /// statistics and without: after `ANALYZE` SQLite walked every job of the kind by
    /// `jobs_kind` (kind, id) to test its status, 65–225 ms at 300,000 jobs, asked by every
    /// idle worker. (A `SEARCH` of `jobs_kind` passes `problem(in:)`'s rule, so it is named here.)
    func testTheNextDueJobIsTheFirstEntryOfItsKind() throws {
        let database = try database()
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            for kind in ["download", "source_sync"] {
                let lines = try planLines(of: JobQueue.nextDueQuery(kind: kind), in: database)
                XCTAssertEqual(lines, ["SEARCH jobs USING INDEX jobs_kind_due (kind=?)"], "\(kind) \(analyzed ? "after ANALYZE" : "no statistics")")
            }
        }
    }

    /// `getPlaylists`' totals: every source's from one walk of `tracks_source_totals` that holds
    /// every column they read, grouped in its order (no seek of a table row, no sort of the
    /// library), and the likes' from the user's likes in their index's order.
    func testThePlaylistsTotalsWalkTheirIndexes() throws {
        let database = try database()
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            let name = analyzed ? "after ANALYZE" : "no statistics"
            let sources = try planLines(of: MusicLibrary.sourcePlaylistsQuery(for: 1), in: database)
            XCTAssert(sources.contains("SCAN tracks USING COVERING INDEX tracks_source_totals")
                      && sources.contains { $0.hasPrefix("SEARCH ut USING INDEX user_tracks_hidden") }
                      && !sources.contains { $0.hasPrefix("SCAN tracks") && !$0.contains("tracks_source_totals") },
                      name + ":\n" + sources.joined(separator: "\n"))
            // The only sort is the hidden tracks' grouping (~0.5 % of the tracks).
            XCTAssertEqual(sources.filter { $0.hasPrefix("USE TEMP B-TREE") }, ["USE TEMP B-TREE FOR GROUP BY"], name)
            let likes = try planLines(of: MusicLibrary.likesPlaylistQuery(for: 1), in: database)
            XCTAssert(likes.filter { $0.hasPrefix("SEARCH ut USING INDEX user_tracks_likes") }.count == 2
                      && !likes.contains { $0.hasPrefix("USE TEMP B-TREE") }, name + ":\n" + likes.joined(separator: "\n"))
        }
    }

    /// The rule can fail: a sort without its index, a count that reads a big table, and a big
    /// table walked inside a join for each row of another, are caught with and without
    /// statistics. (The join matches with `LIKE`: with `=`, the planner without statistics
    /// builds an automatic index instead of a scan, so this test passed or failed depending
    /// on whether the other test had run `ANALYZE` on the shared database first.)
    func testTheRuleCatchesASortAndAScan() throws {
        let database = try database()
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            try database.read { db in
                for sql in ["SELECT id FROM tracks WHERE source_id = 1 ORDER BY duration LIMIT 10",
                            "SELECT count(*) FROM jobs WHERE last_error LIKE 'x%'",
                            "SELECT * FROM sources JOIN tracks ON tracks.uploader LIKE sources.title ORDER BY sources.id LIMIT 5"] {
                    let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql)
                        .map { PlanLine(id: $0["id"], parent: $0["parent"], detail: $0["detail"]) }
                    XCTAssertNotNil(Self.problem(in: plan, of: ListQuery(sql)),
                                    "\(analyzed ? "after ANALYZE" : "without statistics"): \(sql)\n" + plan.map(\.detail).joined(separator: "\n"))
                }
            }
        }
    }

    /// A page of a user's likes or dislikes in an id order starts from that user's rated rows
    /// (`user_tracks_rating`), with and without statistics. The general rule lets the library's
    /// own ordered walk pass, and that walk is what a page of the dislikes did: 10,000 tracks
    /// checked for 100 matches (259 ms at 100,000 tracks).
    func testAPageOfAUsersRatingWalksTheirRatedRows() throws {
        let database = try database()
        let library = TrackLibrary(database: database)
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            for sort in [TrackLibrary.Sort.newest, .oldest, .plays] {
                for rating in [-1, 1] {
                    for trashed in [false, true] {
                        var filter = TrackLibrary.Filter(userId: 1)
                        filter.sort = sort
                        filter.rating = rating
                        filter.trashed = trashed
                        filter.after = PageCursor(key: sort == .plays ? .number(0) : nil, id: 2_000)
                        let query = try XCTUnwrap(try library.pageQueries(filter).last)
                        let plan = try database.read { db in
                            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments).map { $0["detail"] as String }
                        }
                        XCTAssert(plan.first?.contains("USING INDEX user_tracks_rating (user_id=? AND rating=? AND track_id") == true,
                                  "\(analyzed ? "after ANALYZE" : "no statistics") sort=\(sort) rating=\(rating) trashed=\(trashed):\n"
                                  + plan.joined(separator: "\n"))
                    }
                }
            }
        }
    }

    /// `getAlbumList2` by last play walks the user's plays newest first, and by year seeks each
    /// source's newest visible upload, with and without statistics: without their indexes (v13)
    /// the walk is a sort of all the user's plays and the seek a walk of each source's tracks,
    /// which the general rule does not see (`user_tracks` is not counted as big, and a
    /// correlated `LIMIT 1` sort of one source's tracks is no temporary B-tree of the query).
    func testTheAlbumRankingsWalkTheirIndexes() throws {
        let database = try database()
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            // One album's totals (a page of getAlbumList2 totals its albums one by one) walk the
            // source's visible tracks in an index that holds every column they read, without a
            // grouping sort, also of the tracks without a source (`source_id IS NULL`).
            for (query, index) in [(MusicLibrary.lastPlayedWalkQuery(for: 1), "USING INDEX user_tracks_last_played (user_id=?"),
                                   (MusicLibrary.newestUploadsQuery(for: 1), "USING INDEX tracks_source_upload (source_id=?"),
                                   (MusicLibrary.albumTotalsQuery(for: 1, sourceId: 3), "SEARCH tracks USING COVERING INDEX tracks_source_totals (source_id=? AND deleted_at=?)"),
                                   (MusicLibrary.albumTotalsQuery(for: 1, sourceId: 0), "SEARCH tracks USING COVERING INDEX tracks_source_totals (source_id=? AND deleted_at=?)"),
                                   // Every album's totals (`getPlaylists`): one walk in source order, grouped without a sort.
                                   (MusicLibrary.albumTotalsQuery(for: 1, sourceId: nil), "SCAN tracks USING COVERING INDEX tracks_source_totals")] {
                let plan = try database.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments).map { $0["detail"] as String }
                }
                XCTAssert(plan.contains { $0.contains(index) } && !plan.contains { $0.contains("TEMP B-TREE") },
                          "\(analyzed ? "after ANALYZE" : "no statistics"):\n" + plan.joined(separator: "\n"))
            }
        }
    }

    /// A search newest or oldest first, in the library or the trash, all or the unrated, starts
    /// from the search index in rowid order (FTS5's own order; a later page's cursor is the
    /// index's rowid range) and stops after the page: no list of every match, no sort. Its total
    /// is one walk of the matches (stopped at the cap), each looked up in the trash's and the
    /// hidden tracks' partial indexes. A page used to list every match first (3,981 for "love"
    /// at 100,000 tracks), and the total counted them three times (docs/benchmarks.md).
    func testASearchInAnIdOrderWalksTheSearchIndex() throws {
        let database = try database()
        let library = TrackLibrary(database: database)
        func plan(_ query: ListQuery) throws -> [String] { try planLines(of: query, in: database) }
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            for sort in [TrackLibrary.Sort.newest, .oldest] {
                for trashed in [false, true] {
                    for rating in [nil, 0] {
                        for later in [false, true] {
                            let filter = Self.search(sort, trashed: trashed, rating: rating, after: later ? PageCursor(id: 1_500) : nil)
                            let queries = try library.pageQueries(filter)
                            XCTAssertEqual(queries.count, 1)
                            let lines = try plan(queries[0])
                            let walk = lines.first ?? ""
                            let range = later ? (sort == .newest ? "<" : ">") : ""
                            XCTAssert(walk.hasPrefix("SCAN tracks_search VIRTUAL TABLE INDEX") && walk.hasSuffix(":M2" + range)
                                      && !lines.contains { $0.hasPrefix("USE TEMP B-TREE") || $0.contains("SUBQUERY") },
                                      "\(analyzed ? "after ANALYZE" : "no statistics") sort=\(sort) trashed=\(trashed) "
                                      + "rating=\(rating.map(String.init) ?? "-") \(later ? "page 2" : "page 1"):\n" + lines.joined(separator: "\n"))
                        }
                    }
                }
            }
            for trashed in [false, true] {
                var filter = TrackLibrary.Filter(userId: 1)
                filter.query = "love"
                filter.trashed = trashed
                let counts = library.countQueries(filter)
                XCTAssertEqual(counts.count, 1, "the capped count")
                let lines = try plan(counts[0])
                let walk = lines.filter { $0.hasPrefix("SCAN tracks_search VIRTUAL TABLE INDEX") && $0.hasSuffix(":M2") }
                let seeks = lines.filter { $0.hasPrefix("SEARCH ") }
                XCTAssert(walk.count == 1 && seeks.count == (trashed ? 1 : 2)
                          && seeks.allSatisfy { $0.contains(" USING INDEX tracks_trashed ") || $0.contains(" USING INDEX user_tracks_hidden ") }
                          && !lines.contains { $0.hasPrefix("USE TEMP B-TREE") },
                          "the capped count, trashed=\(trashed):\n" + lines.joined(separator: "\n"))
                XCTAssert(counts[0].sql.hasSuffix("LIMIT \(TrackLibrary.searchTotalCap + 1))"), counts[0].sql)
                filter.sort = .title
                for rating in [nil, 0] {
                    filter.rating = rating
                    let byTitle = library.countQueries(filter)
                    XCTAssertEqual(byTitle.count, 2, "the capped count; the search index's capped walk of its matches, for the choice of a title walk")
                    let walk = try plan(byTitle[1])
                    XCTAssert(walk.filter { $0.contains("tracks_search") }.count == 1 && !walk.contains { $0.hasPrefix("SEARCH") || $0.hasPrefix("USE TEMP") },
                              "the index's walk reads the index alone, in id order:\n" + walk.joined(separator: "\n"))
                    XCTAssert(byTitle[1].sql.hasSuffix("LIMIT \(TrackLibrary.searchTotalCap + 1))"), byTitle[1].sql)
                }
            }
        }
    }

    /// The search's pages and total are what the list of its matches gave: every page of a
    /// search newest and oldest first, in the library and the trash, all and the unrated, 5 at a
    /// time, against one query over the match list (the form the pages had before), on a library
    /// where some matches are trashed, some hidden by the user and some both.
    func testASearchListsAndCountsWhatItsMatchListHolds() throws {
        let database = try ownDatabase(seeded: SeedSize(tracks: 1_200, jobs: 0, plays: 500, sources: 4, tombstones: 0))
        let matches = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT rowid FROM tracks_search WHERE tracks_search MATCH ? ORDER BY rowid", arguments: [#""love"*"#])
        }
        XCTAssertGreaterThan(matches.count, 20, "the seed's titles match")
        try database.write { db in
            for (index, id) in matches.enumerated() {
                if index % 4 == 1 { _ = try TrackStore.markTrashed(id, trashPath: ".trash/\(id)/x.m4a", db) }
                if index % 5 == 2 {
                    try db.execute(sql: """
                        INSERT INTO user_tracks (user_id, track_id, hidden_at) VALUES (1, ?, 1) ON CONFLICT DO UPDATE SET hidden_at = 1
                        """, arguments: [id])
                }
                if index % 10 == 1 || index % 10 == 3 {  // a tenth liked, a tenth disliked, some of each trashed or hidden
                    let rating = index % 10 == 1 ? 1 : -1
                    try db.execute(sql: """
                        INSERT INTO user_tracks (user_id, track_id, rating) VALUES (1, ?, ?) ON CONFLICT DO UPDATE SET rating = excluded.rating
                        """, arguments: [id, rating])
                }
            }
        }
        let library = TrackLibrary(database: database)
        let source = try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT source_id FROM tracks WHERE id = ?", arguments: [matches[0]])
        }
        // The way `tracks(_:)` chooses by itself: the walk for this many matches on pages of 5,
        // the sort on pages of 500, never for another order or without a search.
        try database.read { db in
            var filter = TrackLibrary.Filter(userId: 1)
            filter.query = "love"
            filter.sort = .title
            filter.limit = 5
            XCTAssertEqual(try library.orderedSearch(db, filter, total: .init(count: matches.count)), .walkOrderIndex)
            XCTAssertEqual(try library.orderedSearch(db, filter, total: .init(count: 3)), .matchesFirst)
            // A capped total says "more than 3": the search index's count of its matches decides.
            XCTAssertEqual(try library.orderedSearch(db, filter, total: .init(count: 3, isExact: false)), .walkOrderIndex)
            filter.limit = 500
            XCTAssertEqual(try library.orderedSearch(db, filter, total: .init(count: matches.count)), .matchesFirst)
            XCTAssertEqual(try library.orderedSearch(db, filter, total: .init(count: 3, isExact: false)), .matchesFirst)
            filter.limit = 5
            filter.sort = .newest
            XCTAssertEqual(try library.orderedSearch(db, filter, total: .init(count: matches.count)), .matchesFirst)
            filter.sort = .title
            filter.query = "   "
            XCTAssertEqual(try library.orderedSearch(db, filter, total: .init(count: 1_200)), .matchesFirst, "no words: not a search")
        }
        // A capped count estimates all the matches from how far into the ids its walk went.
        try database.read { db in
            var filter = TrackLibrary.Filter(userId: 1)
            filter.query = "love"
            let visible = try TrackLibrary(database: database).matching(db, filter)
            XCTAssertTrue(visible.isExact)
            XCTAssertNil(visible.estimate)
            let capped = try TrackLibrary(database: database, searchTotalCap: 5).matching(db, filter)
            XCTAssertEqual(capped.count, 5)
            XCTAssertFalse(capped.isExact)
            let estimate = try XCTUnwrap(capped.estimate)
            XCTAssert(estimate > visible.count / 3 && estimate < visible.count * 3, "\(estimate) estimated for \(visible.count)")
            // Within a source, a count that reads the matches walks them in id order too; one that
            // walks the source's index gives none (a title walk's choice then takes the index's).
            filter.sourceId = source
            XCTAssertNotNil(try TrackLibrary(database: database, searchTotalCap: 1).matching(db, filter, forced: .matchesFirst).estimate)
            XCTAssertNil(try TrackLibrary(database: database, searchTotalCap: 1).matching(db, filter, forced: .walkRestriction(.source)).estimate, "not in id order")
        }
        // By title, each way of reading a page (sorting the matches, walking the title index),
        // also within a source; in id order within a source or a rating, each way (reading the
        // matches, walking the restriction's index with the list of matches or a look-up each);
        // and the way chosen (nil).
        // Within a source and a rating, the walk of either (the user's rated rows, any source's).
        let ways: [(TrackLibrary.Sort, TrackLibrary.OrderedSearch?, Int64?)] = [
            (.newest, nil, nil), (.oldest, nil, nil), (.newest, nil, source), (.oldest, nil, source),
            (.newest, .matchesFirst, nil), (.newest, .walkRestriction(.ratedRows), nil), (.newest, .walkRestrictionLookingUpEach(.ratedRows), nil),
            (.newest, .matchesFirst, source), (.newest, .walkRestriction(.source), source), (.newest, .walkRestrictionLookingUpEach(.source), source),
            (.newest, .walkRestriction(.ratedRows), source), (.oldest, .walkRestrictionLookingUpEach(.ratedRows), source),
            (.oldest, .walkRestriction(.source), source), (.oldest, .walkRestrictionLookingUpEach(.ratedRows), nil),
            (.title, .walkRestriction(.ratedRows), nil), (.title, .walkRestrictionLookingUpEach(.ratedRows), nil),
            (.title, .walkRestriction(.source), source), (.title, .walkRestrictionLookingUpEach(.ratedRows), source),
            (.title, .matchesFirst, nil), (.title, .walkOrderIndex, nil), (.title, .walkOrderIndex, source),
            (.title, .walkOrderIndexLookingUpEach, nil), (.title, .walkOrderIndexLookingUpEach, source),
            (.plays, .matchesFirst, nil), (.plays, .walkOrderIndex, nil), (.plays, .walkOrderIndexLookingUpEach, nil),
            (.plays, .walkOrderIndex, source), (.plays, .walkOrderIndexLookingUpEach, source),
            (.plays, nil, nil), (.plays, nil, source),
            (.plays, .matchesFirst, source), (.plays, .walkRestriction(.source), source), (.plays, .walkRestrictionLookingUpEach(.source), source),
            (.plays, .walkRestriction(.ratedRows), source),
            (.title, nil, nil), (.title, nil, source),
        ]
        for (sort, orderedSearch, sourceId) in ways {
            for trashed in [false, true] {
                // (A walk of the rated rows is only offered for a like or dislike filter.)
                for rating in [nil, 0, 1, -1] where orderedSearch?.restriction != .ratedRows || (rating ?? 0) != 0 {
                    var filter = Self.search(sort, trashed: trashed, sourceId: sourceId, rating: rating)
                    filter.limit = 5
                    var listed: [Int64] = []
                    var totals: Set<Int> = []
                    repeat {
                        let page = try library.tracks(filter, orderedSearch: orderedSearch)
                        listed += page.items.map(\.id)
                        totals.insert(page.total ?? -1)
                        filter.after = page.next
                    } while filter.after != nil
                    let order = switch sort {
                    case .newest: "tracks.id DESC"
                    case .title: "tracks.title COLLATE NOCASE, tracks.id"
                    case .plays: "coalesce(ut.play_count, 0) DESC, tracks.id DESC"
                    case .oldest: "tracks.id ASC"
                    }
                    let expected = try database.read { db in
                        try Int64.fetchAll(db, sql: """
                            SELECT tracks.id FROM tracks LEFT JOIN user_tracks ut ON ut.track_id = tracks.id AND ut.user_id = 1
                            WHERE \(trashed ? "tracks.deleted_at IS NOT NULL" : "tracks.deleted_at IS NULL AND ut.hidden_at IS NULL")
                              AND (? IS NULL OR coalesce(ut.rating, 0) = ?) AND (? IS NULL OR tracks.source_id = ?)
                              AND tracks.id IN (SELECT rowid FROM tracks_search WHERE tracks_search MATCH ?)
                            ORDER BY \(order)
                            """, arguments: [rating, rating, sourceId, sourceId, #""love"*"#])
                    }
                    let name = "sort=\(sort) \(orderedSearch.map { "\($0)" } ?? "") source=\(sourceId.map(String.init) ?? "-") "
                        + "trashed=\(trashed) rating=\(rating.map(String.init) ?? "-")"
                    // (A rating within a source may hold none.)
                    let least = switch (sourceId, rating) {
                    case (nil, nil): 5
                    case (nil, _), (_, nil): 1
                    default: -1
                    }
                    XCTAssertGreaterThan(expected.count, least, name)
                    if sort == .plays, rating == nil {
                        // The pages cross from the played matches to the never-played ones.
                        let played = try database.read { db in
                            try Int.fetchOne(db, sql: "SELECT count(*) FROM user_tracks WHERE user_id = 1 AND play_count > 0 AND track_id IN (\(expected.map(String.init).joined(separator: ",")))")!
                        }
                        XCTAssert(played > (trashed || sourceId != nil ? 0 : 5) && played < expected.count,
                                  name + ": \(played) of \(expected.count) played")
                    }
                    XCTAssertEqual(listed, expected, name)
                    XCTAssertEqual(totals, [expected.count], name)
                    // The cap: a total of as many matches as the cap is exact; one more says
                    // "more than the cap". The pages are the same either way.
                    filter.after = nil
                    for cap in [expected.count, expected.count - 1] where cap > 0 {
                        let capped = try TrackLibrary(database: database, searchTotalCap: cap).tracks(filter, orderedSearch: orderedSearch)
                        XCTAssertEqual(capped.items.map(\.id), Array(expected.prefix(5)), name + " cap \(cap)")
                        XCTAssertEqual(capped.total, cap, name + " cap \(cap)")
                        XCTAssertEqual(capped.totalIsExact, cap == expected.count, name + " cap \(cap)")
                    }
                }
            }
        }
    }

    /// A search that matches nearly every track, within a restriction of more tracks than the
    /// cap: the tracks the search misses are fewer than the restriction holds beyond the cap, so
    /// more than the cap match for certain, and the total says so from one count of the search
    /// index's matches (`surelyPastTheCap`) instead of a capped walk of the restriction. Where
    /// the misses could leave the cap or fewer, it counts as before; the pages and totals are
    /// those of a recount either way.
    func testADenseSearchWithinARestrictionIsPastTheCapWhenItsMissesCannotBringItUnder() throws {
        let database = try ownDatabase(seeded: SeedSize(tracks: 1_200, jobs: 0, plays: 300, sources: 4, tombstones: 0))
        // Sixty tracks more that "s" misses; the seed's likes replaced by 300 tracks the search
        // matches and 30 it misses, some of each hidden or trashed.
        try database.write { db in
            try db.execute(sql: "UPDATE tracks SET title = 'Quiet Night', uploader = 'Moon', artist = NULL WHERE id % 20 = 7")
        }
        let (hits, misses) = try database.read { db in
            let every = try Set(Int64.fetchAll(db, sql: "SELECT rowid FROM tracks_search WHERE tracks_search MATCH ?", arguments: [#""s"*"#]))
            let all = try Int64.fetchAll(db, sql: "SELECT id FROM tracks ORDER BY id")
            return (all.filter(every.contains), all.filter { !every.contains($0) })
        }
        XCTAssertGreaterThan(hits.count, 900, "\"s\" matches most of the seed's tracks")
        XCTAssertGreaterThan(misses.count, 40, "and misses some")
        try database.write { db in
            try db.execute(sql: "UPDATE user_tracks SET rating = 0 WHERE rating = 1")
            for (index, id) in (Array(hits.prefix(300)) + Array(misses.prefix(30))).enumerated() {
                try db.execute(sql: """
                    INSERT INTO user_tracks (user_id, track_id, rating) VALUES (1, ?, 1) ON CONFLICT DO UPDATE SET rating = 1
                    """, arguments: [id])
                if index % 17 == 3 { try db.execute(sql: "UPDATE user_tracks SET hidden_at = 1 WHERE user_id = 1 AND track_id = ?", arguments: [id]) }
                if index % 23 == 5 { _ = try TrackStore.markTrashed(id, trashPath: ".trash/\(id)/x.m4a", db) }
            }
        }
        var filter = TrackLibrary.Filter(userId: 1)
        (filter.query, filter.rating, filter.limit) = ("s", 1, 5)
        let (liked, matching, missed) = try database.read { db in
            let kept = "FROM user_tracks ut JOIN tracks ON tracks.id = ut.track_id WHERE ut.user_id = 1 AND ut.rating = 1 AND ut.hidden_at IS NULL AND tracks.deleted_at IS NULL"
            return (try Int.fetchOne(db, sql: "SELECT count(*) \(kept)")!,
                    try Int64.fetchAll(db, sql: "SELECT tracks.id \(kept) AND tracks.id IN (SELECT rowid FROM tracks_search WHERE tracks_search MATCH ?) ORDER BY tracks.id DESC",
                                       arguments: [#""s"*"#]),
                    misses.count)
        }
        // At least `liked - missed` of the likes match.
        let certain = liked - missed
        XCTAssert(certain > 10 && certain < matching.count, "\(certain) certain of \(matching.count)")
        for cap in [certain - 1, certain, matching.count - 1, matching.count] {
            let library = TrackLibrary(database: database, searchTotalCap: cap)
            // Whatever the estimate of the index's matches (here exact, or every track), the
            // exact count decides.
            for estimate in [hits.count, hits.count + misses.count] {
                let past = try database.read { db in
                    var sizes = try XCTUnwrap(library.searchSizes(db, filter))
                    sizes.indexMatches = estimate
                    return try library.surelyPastTheCap(db, filter, sizes: sizes)
                }
                XCTAssertEqual(past != nil, cap < certain, "cap \(cap), \(estimate) estimated")
            }
            let page = try library.tracks(filter)
            XCTAssertEqual(page.items.map(\.id), Array(matching.prefix(5)), "cap \(cap)")
            XCTAssertEqual(page.total, min(cap, matching.count), "cap \(cap)")
            XCTAssertEqual(page.totalIsExact, cap >= matching.count, "cap \(cap)")
        }
        // Within fewer tracks than the search misses (the seed's dislikes), never.
        filter.rating = -1
        var dislikes = TrackLibrary.Filter(userId: 1)
        dislikes.rating = -1
        XCTAssertLessThan(try TrackLibrary(database: database).tracks(dislikes).total ?? .max, missed)
        let capOfOne = TrackLibrary(database: database, searchTotalCap: 1)
        XCTAssertNil(try database.read { db in try capOfOne.surelyPastTheCap(db, filter, sizes: XCTUnwrap(capOfOne.searchSizes(db, filter))) })
    }

    /// A search by title that matches many tracks walks the title index (the library's, the
    /// trash's, a source's) from the cursor and keeps the matches: no sort of every match.
    /// Few matches are sorted (the walk would pass the whole index for them); `OrderedSearch`
    /// says where the line is.
    func testASearchByTitleWalksTheTitleIndexWhenItMatchesMany() throws {
        let database = try database()
        let library = TrackLibrary(database: database)
        // The benchmark's searches (docs/benchmarks.md): by title in the whole library, where the
        // filter keeps about every match; "s" and "a" one letter, "lo" two, "love" a word.
        // Its search index merged into one segment, as housekeeping keeps it (`SearchIndex`).
        func byTitle(_ matches: Int, among: Int = 100_000, word: Substring = "a") -> TrackLibrary.OrderedSearch {
            .cheapest(Way.costs(indexMatches: matches, matches: matches, library: among, wanted: 101, inIdOrder: false,
                                lookUpMicros: Way.lookUpMicros(words: [word], segments: 1), orderIndex: .init(entries: among)))
        }
        XCTAssertEqual(byTitle(3_981, word: "love"), .walkOrderIndex)
        XCTAssertEqual(byTitle(1_000), .matchesFirst)
        XCTAssertEqual(byTitle(26, word: "120"), .matchesFirst)
        XCTAssertEqual(byTitle(200, among: 1_000), .walkOrderIndex)
        XCTAssertEqual(byTitle(0, among: 0), .matchesFirst)
        // So dense that the list of matches costs more than a look-up of each row the walk passes.
        XCTAssertEqual(byTitle(99_312, word: "s"), .walkOrderIndexLookingUpEach)
        XCTAssertEqual(byTitle(19_538), .walkOrderIndex)
        XCTAssertEqual(byTitle(7_649, word: "lo"), .walkOrderIndex)
        XCTAssertEqual(byTitle(1_000, among: 1_000), .walkOrderIndex)
        // Within a source of 26 tracks that holds 5 of "a"'s matches, by title: its index with a
        // look-up each (26 cost less than a list of 19,538), not every match of the library sorted.
        XCTAssertEqual(Way.cheapest(Way.costs(indexMatches: 19_538, matches: 5, library: 100_000, wanted: 101,
                                              inIdOrder: false, lookUpMicros: 25, orderIndex: .init(entries: 26))), .walkOrderIndexLookingUpEach)
        // By title within the user's 921 dislikes, which hold 161 of "a"'s matches: the dislikes
        // read and sorted, not the title index of the whole library walked; within 5,030 likes
        // that hold 4,995 of "s"'s, the title index's walk stops after a page.
        XCTAssertEqual(Way.cheapest(Way.costs(indexMatches: 19_538, matches: 161, library: 100_000, wanted: 101, inIdOrder: false,
                                              lookUpMicros: 25, seeksUserRows: true, orderIndex: .init(entries: 100_000), restriction: .init(.ratedRows, entries: 921))),
                       .walkRestriction(.ratedRows))
        XCTAssertEqual(Way.cheapest(Way.costs(indexMatches: 99_312, matches: 4_995, library: 100_000, wanted: 101, inIdOrder: false,
                                              lookUpMicros: 25, seeksUserRows: true, orderIndex: .init(entries: 100_000), restriction: .init(.ratedRows, entries: 5_030))),
                       .walkOrderIndex)
        // Within a rating each entry the title walk passes reads the user's row (~3 µs), and a
        // look-up comes after it, for the rated entries only: "s" within the 921 dislikes looks
        // each dislike up and sorts them (the title walk would pass 11,050 entries: 45 ms);
        // within the 5,030 likes the title walk passes 2,022 (9 ms). "a" within the likes of the
        // biggest source (554 of its 10,688 tracks) walks the user's likes with the list of
        // matches and sorts the 108 kept, instead of the source's title index (9,995 entries).
        func rated(_ indexMatches: Int, _ matches: Int, among: Int = 100_000, rated: Int, within: Int? = nil) -> TrackLibrary.OrderedSearch {
            .cheapest(Way.costs(indexMatches: indexMatches, matches: matches, library: 100_000, wanted: 101, inIdOrder: false,
                                lookUpMicros: Way.lookUpMicros(words: ["s"], segments: 1), seeksUserRows: true,
                                orderIndex: .init(entries: among, lookedUp: within ?? rated), restriction: .init(.ratedRows, entries: rated, lookedUp: within)))
        }
        XCTAssertEqual(rated(99_312, 914, rated: 921), .walkRestrictionLookingUpEach(.ratedRows))
        XCTAssertEqual(rated(99_312, 4_995, rated: 5_030), .walkOrderIndexLookingUpEach)
        XCTAssertEqual(rated(19_538, 108, among: 10_688, rated: 5_030, within: 554), .walkRestriction(.ratedRows))
        let source = try database.read { db in try Int64.fetchOne(db, sql: "SELECT min(source_id) FROM tracks")! }
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            for trashed in [false, true] {
                for sourceId in [nil, source] {
                    for rating in [nil, 0, 1] {
                        for (later, way) in [(false, TrackLibrary.OrderedSearch.walkOrderIndex), (true, .walkOrderIndex),
                                             (false, .walkOrderIndexLookingUpEach), (true, .walkOrderIndexLookingUpEach)] {
                            let filter = Self.search(.title, trashed: trashed, sourceId: sourceId, rating: rating,
                                                     after: later ? PageCursor(key: .text("M"), id: 1_500) : nil)
                            let queries = try library.pageQueries(filter, orderedSearch: way)
                            XCTAssertEqual(queries.count, 1)
                            let lines = try planLines(of: queries[0], in: database)
                            let index = trashed ? (sourceId == nil ? "tracks_trashed_title" : "tracks_trashed_source_title")
                                : (sourceId == nil ? "tracks_title" : "tracks_source_title")
                            // The look-up is FTS5's seek of one id (`:=M` in its plan), no list of every match.
                            let lookedUp = lines.contains { $0.contains("VIRTUAL TABLE INDEX") && $0.contains(":=M") }
                            XCTAssert((lines.first ?? "").contains("tracks USING INDEX \(index)")
                                      && !lines.contains { $0.hasPrefix("USE TEMP B-TREE") }
                                      && lookedUp == (way == .walkOrderIndexLookingUpEach),
                                      "\(way) \(analyzed ? "after ANALYZE" : "no statistics") trashed=\(trashed) source=\(sourceId.map(String.init) ?? "-") "
                                      + "rating=\(rating.map(String.init) ?? "-") \(later ? "page 2" : "page 1"):\n" + lines.joined(separator: "\n"))
                        }
                    }
                }
            }
        }
    }

    /// A search within a source or a rating reads the way that costs least for its sizes, and
    /// each way reads what it says: the search index's matches (its walk, no list), or the
    /// restriction's own index (a source's tracks, in the trash too; the user's rated rows) from
    /// the cursor, keeping its rows in the list of matches or looking each up, for a page newest
    /// or oldest first and for the count. Left to SQLite, such a search sought every match of
    /// the library to keep the few in a source of 26 tracks (19,538 for "a": 20 ms).
    func testASearchWithinASourceOrARatingReadsTheWayItsSizesChoose() throws {
        // The benchmark's sizes, its search index in one segment. In id order within a
        // restriction: a page of "a" within the biggest source reads the matches; within a
        // source of 26 tracks it walks the source and looks each up, as "s" within the 921
        // dislikes; the count of "a" within the biggest source walks it with the list of matches.
        func within(_ indexMatches: Int, _ restriction: Int, _ kind: TrackLibrary.OrderedSearch.Restriction = .source, wanted: Int? = 101,
                    word: Substring = "a", segments: Int = 1) -> TrackLibrary.OrderedSearch {
            .cheapest(Way.costs(indexMatches: indexMatches, matches: indexMatches * restriction / 100_000, library: 100_000, wanted: wanted ?? 101,
                                inIdOrder: wanted != nil, lookUpMicros: Way.lookUpMicros(words: [word], segments: segments),
                                seeksUserRows: kind == .ratedRows, restriction: .init(kind, entries: restriction)))
        }
        XCTAssertEqual(within(19_538, 10_480), .matchesFirst)
        XCTAssertEqual(within(19_538, 26), .walkRestrictionLookingUpEach(.source))
        XCTAssertEqual(within(99_312, 921, .ratedRows, word: "s"), .walkRestrictionLookingUpEach(.ratedRows))
        XCTAssertEqual(within(19_538, 10_480, wanted: 1_001), .walkRestriction(.source))
        XCTAssertEqual(within(26, 10_480, word: "120"), .matchesFirst)
        // By plays (every match read and sorted): "a" within the biggest source walks it.
        XCTAssertEqual(within(19_538, 10_480, wanted: nil), .walkRestriction(.source))
        // The count of "s" within the 5,030 likes looks each up in a merged index (~7 µs each:
        // 8.1 ms in sqlite3); in one of 9 segments (~23 µs: 20.7 ms) reading the matches in id
        // order with a seek of the user's row each costs less (11.6 ms), the list of every
        // match (99,312) more (23.5 ms).
        XCTAssertEqual(within(99_312, 5_030, .ratedRows, wanted: 1_001, word: "s"), .walkRestrictionLookingUpEach(.ratedRows))
        XCTAssertEqual(within(99_312, 5_030, .ratedRows, wanted: 1_001, word: "s", segments: 9), .matchesFirst)
        let database = try database()
        let library = TrackLibrary(database: database)
        let source = try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT source_id FROM tracks GROUP BY source_id ORDER BY count(*) DESC LIMIT 1")!
        }
        // Within a source and a rating, the fewer entries: the source's tracks, or the user's
        // rows of the rating in every source (the biggest source and the smallest, likes and
        // dislikes, live and trashed: each side is the smaller somewhere).
        try database.read { db in
            let smallest = try Int64.fetchOne(db, sql: "SELECT source_id FROM tracks WHERE source_id IS NOT NULL GROUP BY source_id ORDER BY count(*) LIMIT 1")!
            var chosen: Set<String> = []
            for sourceId in [source, smallest] {
                for rating in [1, -1] {
                    for trashed in [false, true] {
                        let filter = Self.search(.newest, trashed: trashed, sourceId: sourceId, rating: rating)
                        let tracks = try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks WHERE source_id = ? AND (deleted_at IS NOT NULL) = ?",
                                                      arguments: [sourceId, trashed])!
                        let rated = try Int.fetchOne(db, sql: """
                            SELECT count(*) FROM user_tracks ut JOIN tracks ON tracks.id = ut.track_id
                            WHERE ut.user_id = 1 AND ut.rating = ? AND \(trashed ? "tracks.deleted_at IS NOT NULL" : "tracks.deleted_at IS NULL AND ut.hidden_at IS NULL")
                            """, arguments: [rating])!
                        let restriction = try library.restriction(db, filter, within: 1)
                        let name = "source \(sourceId) of \(tracks), rating \(rating) of \(rated), trashed=\(trashed)"
                        XCTAssertEqual(restriction.kind, rated < tracks ? .ratedRows : .source, name)
                        XCTAssertEqual(restriction.walk.entries, min(rated, tracks), name)
                        chosen.insert("\(restriction.kind)")
                    }
                }
            }
            XCTAssertEqual(chosen, ["source", "ratedRows"])
        }
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            for (sourceId, rating) in [(source, nil), (nil, 1), (nil, -1), (source, 1)] as [(Int64?, Int?)] {
                for trashed in [false, true] {
                    for sort in [TrackLibrary.Sort.newest, .oldest] {
                        for later in [false, true] {
                            let filter = Self.search(sort, trashed: trashed, sourceId: sourceId, rating: rating,
                                                     after: later ? PageCursor(id: 1_500) : nil)
                            // Within a source and a rating, either's walk.
                            let restrictions: [TrackLibrary.OrderedSearch.Restriction] = sourceId == nil ? [.ratedRows]
                                : rating == nil ? [.source] : [.source, .ratedRows]
                            for way in [.matchesFirst] + restrictions.flatMap({ [TrackLibrary.OrderedSearch.walkRestriction($0), .walkRestrictionLookingUpEach($0)] }) {
                                let name = "\(way) \(analyzed ? "after ANALYZE" : "no statistics") source=\(sourceId.map(String.init) ?? "-") "
                                    + "rating=\(rating.map(String.init) ?? "-") trashed=\(trashed) sort=\(sort) \(later ? "page 2" : "page 1")"
                                // (A count in the trash reads no hidden mark: the index covers it.)
                                let index = way.restriction == .ratedRows ? "INDEX user_tracks_rating (user_id=? AND rating=?"
                                    : trashed ? "INDEX tracks_trashed_source (source_id=?" : "INDEX tracks_channel (source_id=?"
                                var reads = [try library.pageQueries(filter, orderedSearch: way)]
                                if !later { reads.append(library.countQueries(filter, within: way).prefix(1).map { $0 }) }
                                // The one read of every match for both (few in the restriction), in the walk's order.
                                if way.walksRestriction { reads.append([try library.sortedWithinQuery(filter, way)]) }
                                for queries in reads {
                                    XCTAssertEqual(queries.count, 1, name)
                                    let lines = try planLines(of: queries[0], in: database)
                                    let walk = lines.first { $0.hasPrefix("SCAN") || $0.hasPrefix("SEARCH") } ?? ""
                                    let listed = lines.contains { $0.contains("LIST SUBQUERY") }
                                    let lookedUp = lines.contains { $0.contains("VIRTUAL TABLE INDEX") && $0.contains(":=M") }
                                    let ok = way == .matchesFirst ? walk.hasPrefix("SCAN tracks_search VIRTUAL TABLE INDEX") && !listed && !lookedUp
                                        : walk.contains(index) && lookedUp == way.looksUpEach && listed != way.looksUpEach
                                    XCTAssert(ok && !lines.contains { $0.hasPrefix("USE TEMP B-TREE") }, name + ":\n" + lines.joined(separator: "\n"))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A search by plays that matches many walks the user's plays (`user_tracks_plays`) and keeps
    /// the matches, and its never-played matches walk the search index newest first: no sort of
    /// every match (45 ms for "a" at 100,000 tracks, 137 for "s"). Few matches are sorted.
    func testASearchByPlaysWalksTheUsersPlaysWhenItMatchesMany() throws {
        let database = try database()
        let library = TrackLibrary(database: database)
        func plan(_ query: ListQuery) throws -> [String] { try planLines(of: query, in: database) }
        for analyzed in [false, true] {
            try setStatistics(of: database, analyzed: analyzed)
            // In the library, and (walking the plays) within a source or the likes.
            for (way, sourceId, rating) in [(TrackLibrary.OrderedSearch.matchesFirst, nil, nil), (.walkOrderIndex, nil, nil), (.walkOrderIndexLookingUpEach, nil, nil),
                                            (.walkOrderIndex, 1, nil), (.walkOrderIndexLookingUpEach, 1, nil), (.walkOrderIndex, nil, 1),
                                            (.walkOrderIndexLookingUpEach, 1, 1)] as [(TrackLibrary.OrderedSearch, Int64?, Int?)] {
                for cursor in [nil, PageCursor(key: .number(3), id: 1_500), PageCursor(key: .number(0), id: 1_500)] {
                    let queries = try library.pageQueries(Self.search(.plays, sourceId: sourceId, rating: rating, after: cursor), orderedSearch: way)
                    let name = "\(way) source=\(sourceId.map(String.init) ?? "-") rating=\(rating.map(String.init) ?? "-") "
                        + "\(analyzed ? "after ANALYZE" : "no statistics") cursor=\(cursor.map { "\($0.key!)" } ?? "-")"
                    XCTAssertEqual(queries.count, cursor?.key == .number(0) ? 1 : 2, name)
                    let neverPlayed = try plan(queries.last!)
                    XCTAssert(neverPlayed.first?.hasPrefix("SCAN tracks_search VIRTUAL TABLE INDEX") == true
                              && !neverPlayed.contains { $0.hasPrefix("USE TEMP B-TREE") },
                              name + ", never played:\n" + neverPlayed.joined(separator: "\n"))
                    guard queries.count == 2 else { continue }
                    let played = try plan(queries[0])
                    if way == .matchesFirst {
                        XCTAssert(played.first?.hasPrefix("SCAN tracks_search VIRTUAL TABLE INDEX") == true,
                                  name + ", played:\n" + played.joined(separator: "\n"))
                    } else {
                        XCTAssert(played.first?.contains("ut USING INDEX user_tracks_plays") == true
                                  && !played.contains { $0.hasPrefix("USE TEMP B-TREE") },
                                  name + ", played:\n" + played.joined(separator: "\n"))
                    }
                }
            }
        }
        // In the library, or within a source or the likes or dislikes, outside the trash; the
        // others (the unrated, the trash) keep the general form.
        var filter = TrackLibrary.Filter(userId: 1)
        filter.query = "love"
        filter.sort = .plays
        XCTAssertTrue(library.walksAnOrderIndex(filter))
        filter.after = PageCursor(key: .text("M"), id: 1_500)
        XCTAssertThrowsError(try library.pageQueries(filter, orderedSearch: .walkOrderIndex), "a cursor of the title order")
        filter.after = nil
        filter.rating = 1
        XCTAssertTrue(library.walksAnOrderIndex(filter))
        filter.rating = 0
        XCTAssertFalse(library.walksAnOrderIndex(filter))
        filter.rating = nil
        filter.trashed = true
        XCTAssertFalse(library.walksAnOrderIndex(filter))
        filter.trashed = false
        filter.query = nil
        XCTAssertFalse(library.walksAnOrderIndex(filter))
    }

    /// The owner's search for "love" (a word of the seed's titles) with the other settings given.
    private static func search(_ sort: TrackLibrary.Sort, trashed: Bool = false, sourceId: Int64? = nil, rating: Int? = nil,
                               after cursor: PageCursor? = nil) -> TrackLibrary.Filter {
        var filter = TrackLibrary.Filter(userId: 1)
        filter.query = "love"
        filter.sort = sort
        filter.trashed = trashed
        filter.sourceId = sourceId
        filter.rating = rating
        filter.after = cursor
        return filter
    }

    /// The lines of `EXPLAIN QUERY PLAN` for `query`.
    private func planLines(of query: ListQuery, in database: SpoolDatabase) throws -> [String] {
        try database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments).map { $0["detail"] as String }
        }
    }

    /// Puts the shared database's statistics in the state a check needs, whichever test ran
    /// before: none (a new database) or `ANALYZE`'s (what housekeeping's `PRAGMA optimize`
    /// leads to). Dropping `sqlite_stat1` changes the schema, so every reader reloads it
    /// without the statistics.
    private func setStatistics(of database: SpoolDatabase, analyzed: Bool) throws {
        try database.maintain { db in
            try db.execute(sql: analyzed ? "ANALYZE" : "DROP TABLE IF EXISTS sqlite_stat1")
        }
    }

    struct PlanLine {
        let id: Int
        let parent: Int
        let detail: String
    }

    /// Why `plan` reads more than a page, or nil.
    static func problem(in plan: [PlanLine], of query: ListQuery) -> String? {
        let isSearch = query.sql.contains("MATCH")
        let sorts = plan.contains { $0.detail.hasPrefix("USE TEMP B-TREE") }
        if sorts && !isSearch {
            return "sorts in a temporary B-tree"
        }
        // The outer loop: the first loop at the top level.
        let outer = plan.first { $0.parent == 0 && ($0.detail.hasPrefix("SCAN") || $0.detail.hasPrefix("SEARCH")) }
        for line in plan where line.detail.hasPrefix("SCAN ") {
            let words = line.detail.split(separator: " ")
            let table = String(words[1])
            if line.detail.contains("VIRTUAL TABLE INDEX") {
                // A JSON array of the query's own arguments (a page's ids) is no table.
                if query.sql.contains("json_each(?) \(table)") { continue }
                // FTS5: a MATCH is an index read (the `M` constraint; `=M`, the look-up of one
                // id among its matches); anything else scans it.
                if !line.detail.contains(":M") && !line.detail.contains(":=M") { return "scans the search index without MATCH" }
                continue
            }
            guard bigTables.contains(table) else { continue }
            let orderedWalk = line.id == outer?.id && !sorts && query.sql.contains("LIMIT ?") && query.sql.contains("ORDER BY")
            if !orderedWalk { return "scans \(table): \(line.detail)" }
        }
        return nil
    }

    /// Every list query of the API, named, with realistic arguments and cursors taken from a
    /// first page of the same list.
    private func listQueries(_ database: SpoolDatabase) throws -> [(String, ListQuery)] {
        var queries: [(String, ListQuery)] = []
        let library = TrackLibrary(database: database)
        let (source, midTrack, midJob, midPlay) = try database.read { db in
            (try Int64.fetchOne(db, sql: "SELECT source_id FROM tracks GROUP BY source_id ORDER BY count(*) DESC LIMIT 1")!,
             try LibraryTrack.fetch(db, id: Int64.fetchOne(db, sql: """
                SELECT tracks.id FROM tracks JOIN user_tracks ut ON ut.track_id = tracks.id AND ut.user_id = 1
                WHERE tracks.deleted_at IS NULL AND ut.rating = 1 AND ut.play_count > 0 ORDER BY tracks.id LIMIT 1 OFFSET 20
                """)!, userId: 1)!,
             try Job.fetchOne(db, sql: "SELECT \(Job.columnList) FROM jobs WHERE status = 'pending' ORDER BY id LIMIT 1 OFFSET 5")!,
             try Row.fetchOne(db, sql: "SELECT id, received_at FROM play_events WHERE type = 'play' ORDER BY id LIMIT 1 OFFSET 500")!)
        }
        let trashed = try database.read { db in
            try LibraryTrack.fetch(db, id: Int64.fetchOne(db, sql: "SELECT id FROM tracks WHERE deleted_at IS NOT NULL ORDER BY id LIMIT 1 OFFSET 3")!,
                                   userId: 1)!
        }

        // The library: every sort × trash or not × source or not × rating or not × search or
        // not × first page or a later one.
        for sort in TrackLibrary.Sort.allCases {
            for isTrashed in [false, true] {
                for sourceId in [nil, source] {
                    for rating in [nil, -1, 0, 1] {
                        for text in [nil, "love"] {
                            for later in [false, true] {
                                var filter = TrackLibrary.Filter(userId: 1)
                                filter.sort = sort
                                filter.trashed = isTrashed
                                filter.sourceId = sourceId
                                filter.rating = rating
                                filter.query = text
                                filter.limit = 100
                                if later { filter.after = sort.cursor(after: isTrashed ? trashed : midTrack) }
                                let name = "tracks sort=\(sort) trashed=\(isTrashed) source=\(sourceId.map(String.init) ?? "-") "
                                    + "rating=\(rating.map(String.init) ?? "-") q=\(text ?? "-") \(later ? "page 2" : "page 1")"
                                // A search within a source or a rating: each way of reading it.
                                // (The rated rows' walk: a like or dislike filter.)
                                let restrictions: [TrackLibrary.OrderedSearch.Restriction] = (sourceId == nil ? [] : [.source])
                                    + ((rating ?? 0) != 0 ? [.ratedRows] : [])
                                let ways: [TrackLibrary.OrderedSearch] = library.searchesWithin(filter)
                                    ? [.matchesFirst] + restrictions.flatMap { [.walkRestriction($0), .walkRestrictionLookingUpEach($0)] }
                                        + (library.walksAnOrderIndex(filter) ? [.walkOrderIndex, .walkOrderIndexLookingUpEach] : [])
                                    : [.matchesFirst]
                                for way in ways {
                                    for (index, query) in try library.readQueries(filter, orderedSearch: way).enumerated() {
                                        queries.append((name + " \(way) #\(index)", query))
                                    }
                                    for count in library.countQueries(filter, within: way) { queries.append((name + " \(way) (total)", count)) }
                                }
                                if sort == .plays, later {
                                    // A cursor in the second walk (the tracks never played).
                                    filter.after = PageCursor(key: .number(0), id: (isTrashed ? trashed : midTrack).id)
                                    for query in try library.pageQueries(filter) { queries.append((name + " unplayed", query)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        let likedCursor = PageCursor(key: midTrack.state?.likedAt.map { .number($0.timeIntervalSince1970) }, id: midTrack.id)
        let trashCursor = PageCursor(key: .number(trashed.track.deletedAt!.timeIntervalSince1970), id: trashed.id)
        let playCursor = PageCursor(key: .number(midPlay["received_at"]), id: midPlay["id"])
        for cursor in [nil, likedCursor] { queries.append(("likes \(cursor == nil ? 1 : 2)", library.likesQuery(of: 1, after: cursor, limit: 100))) }
        for cursor in [nil, trashCursor] { queries.append(("trash \(cursor == nil ? 1 : 2)", try library.trashQuery(for: 1, after: cursor, limit: 100))) }
        for cursor in [nil, playCursor] { queries.append(("history \(cursor == nil ? 1 : 2)", try library.historyQuery(of: 1, after: cursor, limit: 100))) }
        queries.append(("history's tracks", TrackLibrary.tracksQuery(Array(1...101), for: 1)))
        for cursor in [nil, PageCursor(id: 5)] {
            queries.append(("sources \(cursor == nil ? 1 : 2)", SourceSnapshot.pageQuery(after: cursor, limit: 100)))
            queries.append(("source names \(cursor == nil ? 1 : 2)", SourceName.pageQuery(after: cursor, limit: 500)))
        }
        queries.append(("sources' counts", StoredCounts.sumsQuery(owners: Array(1...100), SourceCounts.sums)))
        // `getAlbumList2`: the albums' keys and newest uploads (a seek per source), the walk of a user's plays.
        queries.append(("album keys", MusicLibrary.albumKeysQuery(for: 1)))
        queries.append(("album newest uploads", MusicLibrary.newestUploadsQuery(for: 1)))
        queries.append(("albums by last play", MusicLibrary.lastPlayedWalkQuery(for: 1)))
        queries.append(("one album's totals", MusicLibrary.albumTotalsQuery(for: 1, sourceId: source)))
        for skipped in [false, true] {
            for cursor in [nil, PageCursor(key: .number(skipped ? Date().timeIntervalSince1970 - 86_400 : 40), id: 100)] {
                queries.append(("entries skipped=\(skipped) \(cursor == nil ? 1 : 2)",
                                SourceService.entriesQuery(of: source, skippedOnly: skipped, after: cursor, limit: 100)))
            }
        }
        for owner in [source, nil] {
            for after in [Int64(0), midTrack.id] {
                queries.append(("renames source=\(owner.map(String.init) ?? "none") after=\(after)",
                                LibraryRenames.batchQuery(source: owner, after: after, limit: LibraryRenames.batchSize)))
            }
        }

        // Jobs: every status set the pages use × kind × source × order × position.
        let queue = JobQueue(database: database, events: { _ in })
        let statusSets: [Set<JobStatus>?] = [nil, [.pending], [.running], [.completed], [.failed],
                                             JobStatus.needsAttention, JobStatus.active, JobStatus.waiting, Set(JobStatus.allCases)]
        for statuses in statusSets {
            for kind in [nil, "download", "source_sync"] {
                for sourceId in [nil, source] {
                    for dueOrder in [false, true] {
                        if dueOrder, let statuses, !statuses.isSubset(of: JobStatus.waiting) { continue }
                        for later in [false, true] {
                            let position: JobQueue.ListPosition? = later
                                ? (dueOrder ? .due(priority: midJob.priority, runAfter: midJob.runAfter.timeIntervalSince1970, afterId: midJob.id!)
                                    : .newest(beforeId: midJob.id!))
                                : nil
                            let name = "jobs status=\(statuses.map { $0.map(\.rawValue).sorted().joined(separator: ",") } ?? "-") "
                                + "kind=\(kind ?? "-") source=\(sourceId.map(String.init) ?? "-") \(dueOrder ? "due" : "newest") \(later ? "page 2" : "page 1")"
                            for (index, query) in try queue.listQueries(statuses: statuses, kind: kind, sourceId: sourceId,
                                                                         dueOrder: dueOrder, limit: 100, after: position).enumerated() {
                                queries.append(("\(name) #\(index)", query))
                            }
                        }
                    }
                }
            }
        }
        // When an idle worker wakes next: the first waiting job of each kind.
        for kind in ["download", "source_sync"] { queries.append(("next due \(kind)", JobQueue.nextDueQuery(kind: kind))) }
        // Housekeeping's batches: each a range of an index, never a walk of what stays.
        queries.append(("prune completed jobs", Housekeeper.pruneQuery(finishedBefore: Date().timeIntervalSince1970 - 30 * 86_400, limit: 500)))
        queries.append(("purge expired trash", TrashService.purgeQuery(deletedBefore: Date().addingTimeInterval(-86_400), limit: 100)))
        for sourceId in [nil, source] {
            queries.append(("clear finished jobs source=\(sourceId.map(String.init) ?? "-")",
                            JobQueue.clearQuery([.completed, .cancelled], sourceId: sourceId, limit: 500)))
        }
        return queries
    }
}
