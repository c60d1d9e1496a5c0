import Foundation
import GRDB
import SpoolStore

/// Reads of the library: search, filters, sort and keyset paging; the likes playlist; the
/// trash; playback history. Every read is for one user: their ratings, counts and positions,
/// without the tracks they hid. Every read runs on a WAL reader, so none of them waits for the
/// writer, and every list is a page: an index seek to where the last page ended, then `limit`
/// rows (`ListQueryPlanTests` checks each query's plan), with totals from the counters: the
/// library's and the user's own (hidden, liked, disliked; `StoredCounts.UserCount`).
public struct TrackLibrary: Sendable {
    let database: SpoolDatabase
    /// How far a search's total counts (`searchTotalCap`; tests give a small one).
    let searchTotalCap: Int

    /// How the library list is ordered. Each order has an index that delivers it (within a
    /// source too): the rowid, `tracks_title` and its `source`/`trashed` twins; plays are each
    /// user's own (`user_tracks`), so that order is two walks: the user's played tracks by
    /// `user_tracks_plays`, then the never played ones newest first (`pageQueries`).
    public enum Sort: String, CaseIterable, Sendable {
        case newest, oldest, title, plays

        /// The order of the one query of newest, oldest and title, and of the second walk of
        /// plays (whose tracks all have 0 plays). `id` is the column the track's id is read
        /// from: `ut.track_id` when the walk is the user's rated rows (`user_tracks_rating`).
        func orderBy(id: String = "tracks.id") -> String {
            switch self {
            case .newest, .plays: "\(id) DESC"
            case .oldest: "\(id) ASC"
            case .title: "tracks.title COLLATE NOCASE ASC, tracks.id ASC"
            }
        }

        /// Rows after `cursor` in this order (for plays: in the walk the cursor is in). The sort
        /// key's bound comes first and alone (`>=`), so it is the index range; the tie on the
        /// key is settled by the id. (The row-value form `(title COLLATE NOCASE, id) > (?, ?)`
        /// reads the same but SQLite does not seek with it: page 900 then walked 90,000 index
        /// entries.)
        func after(_ cursor: PageCursor, id: String = "tracks.id") -> (String, StatementArguments)? {
            switch (self, cursor.key) {
            case (.newest, _): ("\(id) < ?", [cursor.id])
            case (.oldest, _): ("\(id) > ?", [cursor.id])
            case (.title, .text(let title)?):
                ("tracks.title COLLATE NOCASE >= ? AND (tracks.title COLLATE NOCASE > ? OR tracks.id > ?)", [title, title, cursor.id])
            case (.plays, .number(let plays)?) where plays > 0:
                ("ut.play_count <= ? AND (ut.play_count < ? OR ut.track_id < ?)", [plays, plays, cursor.id])
            case (.plays, .number):
                ("\(id) < ?", [cursor.id])
            default: nil
            }
        }

        func cursor(after item: LibraryTrack) -> PageCursor {
            switch self {
            case .newest, .oldest: PageCursor(id: item.id)
            case .title: PageCursor(key: .text(item.track.title), id: item.id)
            case .plays: PageCursor(key: .number(Double(item.state?.playCount ?? 0)), id: item.id)
            }
        }
    }

    /// What the list shows.
    public struct Filter: Sendable {
        /// Whose library: their ratings and counts, without what they hid.
        public var userId: Int64
        public var query: String?
        public var sourceId: Int64?
        /// −1, 0 or 1 (the routes check it).
        public var rating: Int?
        public var trashed = false
        public var sort = Sort.newest
        /// The source's own order instead of `sort` (`source_entries.position`: a playlist as
        /// its curator ordered it, a channel newest first); needs `sourceId`. Kept out of
        /// `Sort`, whose orders all work on the whole library.
        public var inSourceOrder = false
        public var limit = 100
        /// Continue after this row (the previous page's `next`).
        public var after: PageCursor?

        public init(userId: Int64) {
            self.userId = userId
        }

        /// The search index's `MATCH` expression of `query`; nil without a query that searches
        /// (none, or only spaces).
        var match: String? { query.flatMap(TrackLibrary.matchExpression) }
    }

    /// A page of tracks, how many match in all, and where the next page starts (nil on the
    /// last page).
    public typealias Page = ListPage<LibraryTrack>

    public init(database: SpoolDatabase, searchTotalCap: Int = TrackLibrary.searchTotalCap) {
        self.database = database
        self.searchTotalCap = max(1, searchTotalCap)
    }

    public func tracks(_ filter: Filter) throws -> Page {
        if filter.inSourceOrder && filter.sourceId == nil {
            throw DomainError.invalid(field: "sort", "position is a source's order; give the source too (source=ID).")
        }
        return try tracks(filter, orderedSearch: nil)
    }

    /// `tracks(_:)`, with the way a search reads its page (and, within a source or a rating, its
    /// count) forced (`orderedSearch`; nil: the cheapest of `OrderedSearch.costs`), so that a test can compare
    /// the ways' pages and totals.
    func tracks(_ filter: Filter, orderedSearch forced: OrderedSearch?) throws -> Page {
        let (rows, total) = try database.read { db in
            // A search by title or plays, or within a source or a rating, weighs its sizes first
            // (`SearchSizes`, read once): they decide how its page is read (and, within, how it
            // is counted).
            let sizes = try searchSizes(db, filter)
            var chosen = forced
            if let sizes, sortsWithin(filter) || readsWithinInIdOrder(filter) {
                // Chosen before any count, from the matches the restriction holds as estimated:
                // reading them all gives the count too. By title or plays, a read that does not
                // walk the order's index reads them all to sort them; newest or oldest first, a
                // walk of the restriction that holds no more matches than a total counts reads
                // them all once for both, where a page and a count each walked it ("a" within
                // the likes of the biggest source: 61 matches, two walks of 5,030 likes, 17 ms).
                let estimated = sizes.matchesWithin
                let way = try forced ?? orderedSearch(db, filter, total: MatchCount(count: estimated), sizes: sizes)
                let readsAll = sortsWithin(filter) ? !way.walksOrderIndex : way.walksRestriction && estimated <= searchTotalCap
                if readsAll { return try readSortedWithin(db, filter, way) }
                chosen = way
            }
            let total = try matching(db, filter, sizes: sizes, forced: forced)
            let orderedSearch = try chosen ?? self.orderedSearch(db, filter, total: total, sizes: sizes)
            var rows: [LibraryTrack] = []
            for query in try pageQueries(filter, orderedSearch: orderedSearch) where rows.count <= filter.limit {
                rows += try LibraryTrack.fetchAll(db, sql: query.sql, arguments: query.arguments, userId: filter.userId)
            }
            return (rows, total)
        }
        if filter.inSourceOrder {
            return Page(rows, limit: filter.limit, total: total.count, totalIsExact: total.isExact) {
                PageCursor(key: .number($0.sourceOrder?.position ?? Self.unplaced), id: $0.sourceOrder?.entryId ?? 0)
            }
        }
        return Page(rows, limit: filter.limit, total: total.count, totalIsExact: total.isExact) { filter.sort.cursor(after: $0) }
    }

    /// How a page of `filter` with `total` matches is read, as the cheapest of `OrderedSearch.costs` says: a
    /// search within a source or a rating newest or oldest first, or by plays in the trash
    /// (`searchWithin`: the search index's matches or the restriction's index); one by title or
    /// by plays (`walksAnOrderIndex`) along the order's index (the library's, the trash's or a
    /// source's title index; the user's plays), and within a source or a rating also by the
    /// restriction's index, sorted, the order's walk then paying for its count apart;
    /// `.matchesFirst` for every other filter, which does not look at it. A capped total says
    /// only "more than the cap"; the choice then takes its estimate (`MatchCount.estimate`), or
    /// without one the search index's (`SearchSizes.indexMatches`, which also holds the trashed
    /// and hidden tracks), at most the tracks searched. `sizes`: nil, read here.
    func orderedSearch(_ db: Database, _ filter: Filter, total: MatchCount, sizes: SearchSizes? = nil) throws -> OrderedSearch {
        guard let sizes = try sizes ?? searchSizes(db, filter) else { return .matchesFirst }
        if readsWithinInIdOrder(filter) {
            return searchWithin(filter, wanted: filter.limit + 1, sizes: sizes)
        }
        guard walksAnOrderIndex(filter) else {
            // By plays in the trash within a source or a rating: every match read and sorted.
            return searchesWithin(filter) ? searchWithin(filter, wanted: filter.limit + 1, inIdOrder: false, sizes: sizes) : .matchesFirst
        }
        // The title index holds the library's, the trash's or a source's tracks; the walk by
        // plays passes every live track (the user's played ones, then the others newest first).
        let owner = filter.sort == .title ? filter.sourceId ?? StoredCounts.everyOwner : StoredCounts.everyOwner
        let among = try StoredCounts.tracks(db, owner: owner, trashed: filter.trashed)
        var matches = total.count
        if !total.isExact {
            matches = min(among, max(total.count + 1, total.estimate ?? sizes.indexMatches))
        }
        // Within a source or the user's likes or dislikes: the restriction's rows, read and
        // sorted, or the order's index, where a look-up comes after the filter's other tests
        // (`lookUpId`) and the count is read apart (`matching`, its own way: a sorted read
        // counts as it reads).
        var costs = OrderedSearch.costs(indexMatches: sizes.indexMatches, matches: matches, library: sizes.library, wanted: filter.limit + 1,
                                        inIdOrder: false, lookUpMicros: sizes.lookUpMicros, seeksUserRows: filter.rating != nil,
                                        orderIndex: .init(entries: among, lookedUp: sizes.within?.tracks,
                                                          testedRowMicros: filter.sort == .plays && filter.sourceId != nil
                                                              ? OrderedSearch.IndexWalk.playsWithinSourceRowMicros : 0),
                                        restriction: sizes.within?.walk)
        if sizes.within != nil {
            // The count's cheapest way (`matching`).
            let count = withinCosts(filter, wanted: searchTotalCap + 1, sizes: sizes).map(\.µs).min() ?? 0
            costs = costs.map { $0.way.walksOrderIndex ? ($0.way, $0.µs + count) : $0 }
        }
        return .cheapest(costs)
    }

    /// Whether `filter` chooses how it is read or counted (`orderedSearch`, `matching`): a
    /// search by title or plays, or within a source or a rating.
    func choosesAWay(_ filter: Filter) -> Bool {
        walksAnOrderIndex(filter) || searchesWithin(filter)
    }

    /// Whether `filter` is a search within a source or the user's likes or dislikes: its count
    /// (in any order) and its page newest or oldest first (`readsWithinInIdOrder`) walk either
    /// the search index's matches or the restriction's own index (`searchWithin`). A search of
    /// the whole library, or of the unrated (nearly all of it), walks the search index
    /// (`walksSearchIndex`, `SearchCount.visibleMatches`).
    func searchesWithin(_ filter: Filter) -> Bool {
        filter.match != nil && (filter.sourceId != nil || (filter.rating ?? 0) != 0)
    }

    /// Whether a page of `filter` is a search within a source or a rating newest or oldest first.
    func readsWithinInIdOrder(_ filter: Filter) -> Bool {
        searchesWithin(filter) && !filter.inSourceOrder && (filter.sort == .newest || filter.sort == .oldest)
    }

    /// What a search that chooses how it is read (`choosesAWay`) weighs, read once per request
    /// and shared by the choice of its page's way, of its count's, and the test of whether its
    /// count is past the cap for certain (each read them on its own before: a dozen stored
    /// counters, the search index's segments and its capped walk of the matches).
    struct SearchSizes {
        /// How many tracks the search index matches, trashed and hidden ones too: exact up to
        /// the cap, else estimated (`indexMatches(_:_:)`).
        var indexMatches: Int
        /// Every track in the search index: the library's and the trash's (stored counters).
        var library: Int
        /// What one look-up of a row in the search index costs for this search now, in µs
        /// (`OrderedSearch.lookUpMicros`: its words, the index's segments).
        var lookUpMicros: Double
        /// The restriction of a search within a source or a rating (`searchesWithin`); nil for
        /// any other search.
        var within: Within?

        /// A restriction's size and the walk of its index.
        struct Within {
            /// How many tracks the filter keeps without its search (stored counters).
            var tracks: Int
            /// Which restriction's index a walk takes (`restriction(_:_:within:)`).
            var walk: OrderedSearch.RestrictionWalk
        }

        /// How many of the index's matches the restriction holds as estimated: as many in each
        /// part of the library (`indexMatches × within / library`).
        var matchesWithin: Int { Int(Double(indexMatches) * Double(within?.tracks ?? library) / Double(max(1, library))) }
    }

    /// The sizes a search of `filter` weighs (`SearchSizes`); nil for a filter that does not
    /// choose how it is read.
    func searchSizes(_ db: Database, _ filter: Filter) throws -> SearchSizes? {
        guard choosesAWay(filter) else { return nil }
        var sizes = SearchSizes(indexMatches: try indexMatches(db, filter),
                                library: try StoredCounts.tracks(db, trashed: false) + StoredCounts.tracks(db, trashed: true),
                                lookUpMicros: OrderedSearch.lookUpMicros(words: Self.searchWords(filter.query ?? ""),
                                                                         segments: try SearchIndex.segments(db)))
        if searchesWithin(filter) {
            var unsearched = filter
            unsearched.query = nil
            let tracks = try matching(db, unsearched).count
            sizes.within = SearchSizes.Within(tracks: tracks, walk: try restriction(db, filter, within: tracks))
        }
        return sizes
    }

    /// How a search within a source or a rating (`searchesWithin`) reads `wanted` rows: its
    /// page (`limit + 1`) or its capped count (`searchTotalCap + 1`), in id order; or all of
    /// them, to sort (`inIdOrder` false). The restriction's size is the filter's total without
    /// the search (`SearchSizes.Within.tracks`), which holds about `SearchSizes.matchesWithin` of the
    /// matches; its walk passes the restriction's index (`restriction(_:_:within:)`).
    func searchWithin(_ filter: Filter, wanted: Int, inIdOrder: Bool = true, sizes: SearchSizes) -> OrderedSearch {
        .cheapest(withinCosts(filter, wanted: wanted, inIdOrder: inIdOrder, sizes: sizes))
    }

    /// What each way of `searchWithin` costs (`OrderedSearch.costs`): the search index's matches
    /// first, or the restriction's walk.
    private func withinCosts(_ filter: Filter, wanted: Int, inIdOrder: Bool = true, sizes: SearchSizes) -> [(way: OrderedSearch, µs: Double)] {
        OrderedSearch.costs(indexMatches: sizes.indexMatches, matches: sizes.matchesWithin, library: sizes.library, wanted: wanted,
                            inIdOrder: inIdOrder, lookUpMicros: sizes.lookUpMicros, seeksUserRows: filter.rating != nil,
                            restriction: sizes.within?.walk)
    }

    /// Which index a search within a source or a rating walks, if it walks one (stored
    /// counters): a source's tracks (rated or not) or the user's rows of the rating (any
    /// source's), the fewer (`OrderedSearch.Restriction`); and how many of its entries a walk
    /// that looks each up looks up (`lookUpId`): within a source and a rating, only those the
    /// filter keeps without its search (`within`), else all.
    func restriction(_ db: Database, _ filter: Filter, within: Int) throws -> OrderedSearch.RestrictionWalk {
        var ratedRows = filter
        (ratedRows.sourceId, ratedRows.query) = (nil, nil)
        let rated = (filter.rating ?? 0) != 0 ? try matching(db, ratedRows).count : nil
        guard let sourceId = filter.sourceId else { return .init(.ratedRows, entries: rated ?? 0) }
        let tracks = try StoredCounts.tracks(db, owner: sourceId, trashed: filter.trashed)
        if let rated, rated < tracks { return .init(.ratedRows, entries: rated, lookedUp: within) }
        return .init(.source, entries: tracks, lookedUp: rated != nil ? within : nil)
    }

    /// How many tracks the search index matches for `filter`'s search, trashed and hidden ones
    /// too: exact up to the cap, else estimated from how far into the ids the first
    /// `searchTotalCap + 1` of them went (`SearchCount.indexMatches`); 0 without a search.
    func indexMatches(_ db: Database, _ filter: Filter) throws -> Int {
        guard let match = filter.match else { return 0 }
        let query = SearchCount.indexMatches(match, upTo: searchTotalCap + 1)
        let row = try Row.fetchOne(db.cachedStatement(sql: query.sql), arguments: query.arguments)
        let found: Int = row?[0] ?? 0
        guard found > searchTotalCap else { return found }
        return try estimatedMatches(db, found: found, lastId: row?[1]) ?? found
    }

    /// How many match in all when `found` of them were met up to id `lastId`, walking in id
    /// order: as many in each part of the ids (`found × max(id) / lastId`).
    private func estimatedMatches(_ db: Database, found: Int, lastId: Int64?) throws -> Int? {
        guard let lastId, lastId > 0, let maxId = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM tracks")) else { return nil }
        return Int(Double(found) * Double(maxId) / Double(lastId))
    }

    /// A cursor of another list or order.
    static let foreignCursor = DomainError.invalid(field: "before", "This cursor belongs to another sort order; start from the first page.")

    /// Where entries without a position sort in a source's order: last (as on its entries page).
    static let unplaced = 1e12

    /// One page of a source's tracks in the source's order: a walk of `source_entries_listing`
    /// (source, position with unplaced entries last, id) from the cursor, each entry's track
    /// found by `tracks.video_id`; the CROSS JOIN keeps the entries the outer loop, so a page
    /// of a 5,000-entry playlist reads its 100 entries instead of sorting the source's tracks.
    /// A track with no entry in its source (none is written so: a sync and an import both
    /// record one) would not be listed in this order.
    func sourceOrderQuery(_ filter: Filter, sourceId: Int64) throws -> ListQuery {
        var (conditions, arguments) = conditions(filter)
        conditions.insert("e.source_id = ?", at: 0)
        arguments = [sourceId] + arguments
        // The index's expression, written as it is (`1e12`, not Swift's `1000000000000.0`),
        // or SQLite does not see that the index delivers the order.
        let order = "coalesce(e.position, 1e12)"
        if let cursor = filter.after {
            guard case .number(let position)? = cursor.key else {
                throw Self.foreignCursor
            }
            conditions.append("\(order) >= ? AND (\(order) > ? OR e.id > ?)")
            arguments += [position, position, cursor.id]
        }
        return ListQuery("""
            SELECT \(LibraryTrack.selection), e.id AS entry_id, \(order) AS entry_order
            FROM source_entries e CROSS JOIN tracks ON tracks.video_id = e.video_id AND tracks.source_id = e.source_id\(LibraryTrack.joins(for: filter.userId))
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(order), e.id LIMIT ?
            """, arguments + [filter.limit + 1])
    }

    /// How a query keeps a search's matches.
    private enum MatchTest {
        /// The query walks the search index: its `MATCH` (`walksSearchIndex`).
        case walkingSearch
        /// The list of every match, in which each row is looked for.
        case listOfMatches
        /// Each row looked up in the search index (`OrderedSearch.walkOrderIndexLookingUpEach`),
        /// after every other test (`lookUpId`).
        case lookingUpEach
    }

    /// The id a walk of a title index or a restriction looks up in the search index
    /// (`MatchTest.lookingUpEach`): that of the walk's last row, so that the look-up (~7 µs)
    /// comes after the tests of every row the walk reads (a seek, ~1 µs). SQLite tests a
    /// correlated subquery after the other tests of its row, and the tests of a `LEFT JOIN`'s
    /// row in their written order, so the look-up is also written last (`conditions`). Within
    /// a like or dislike filter, that row is the user's (`ut`, which every kept row has) when
    /// the walk reads it after the track, the track when the walk starts from the user's rows
    /// (`restrictionWalk`). "s" within the likes of the biggest source (538 of its 10,688
    /// tracks): 81 ms looking up every track of the source, 18 looking up the liked ones
    /// (sqlite3 on the benchmark's database).
    private func lookUpId(_ filter: Filter) -> String {
        (filter.rating ?? 0) != 0 ? "ut.track_id" : "tracks.id"
    }

    /// The conditions of `filter` without the cursor, and their arguments. A search keeps its
    /// matches as `test` says, testing the track id in `id`. The list of matches comes first:
    /// tested on `ut.track_id`, SQLite then checks it on the walked index entry before it reads
    /// the user's row and the track for the others (the walk of a user's plays passes ~2,900
    /// entries for a page of "love" at 100,000 tracks, where ~100 match: 19.5 → 12.3 ms). A
    /// look-up comes last (`lookUpId`).
    private func conditions(_ filter: Filter, test: MatchTest = .listOfMatches, id: String = "tracks.id") -> ([String], StatementArguments) {
        var conditions = [filter.trashed ? "tracks.deleted_at IS NOT NULL" : "tracks.deleted_at IS NULL AND ut.hidden_at IS NULL"]
        var arguments: StatementArguments = []
        if let match = filter.match, test != .lookingUpEach {
            conditions.insert(test == .walkingSearch ? "tracks_search MATCH ?" : "\(id) IN (SELECT rowid FROM tracks_search WHERE tracks_search MATCH ?)", at: 0)
            arguments = [match]
        }
        if let sourceId = filter.sourceId {
            conditions.append("tracks.source_id = ?")
            arguments += [sourceId]
        }
        if let rating = filter.rating {
            conditions.append("coalesce(ut.rating, 0) = ?")
            arguments += [rating]
        }
        if let match = filter.match, test == .lookingUpEach {
            conditions.append("EXISTS (SELECT 1 FROM tracks_search WHERE tracks_search MATCH ? AND tracks_search.rowid = \(id))")
            arguments += [match]
        }
        return (conditions, arguments)
    }

    /// Whether a page of `filter` walks the user's rated rows (`user_tracks_rating`: user,
    /// rating, track, v11) instead of the library: a like or dislike filter in an id order
    /// (newest, oldest, and the never-played walk of plays) without a source. In the library's
    /// order, a page of the dislikes (1 % of the tracks) walked and checked 10,000 tracks (259 ms
    /// at 100,000 tracks). Within a source, the source's own index bounds the walk by the
    /// source's size, where the user's rated rows may be many more; by title, no index holds a
    /// user's rated rows in title order, so that page walks `tracks_title` and checks each row.
    private func walksRatedRows(_ filter: Filter) -> Bool {
        guard let rating = filter.rating, rating != 0, filter.sourceId == nil else { return false }
        return filter.sort != .title
    }

    /// Whether a page of `filter` walks the search index itself in rowid order: a search,
    /// newest or oldest first, in the library or the trash, without a source and outside the
    /// rated-row walk. FTS5 delivers its matches in rowid order (`ORDER BY rowid DESC` and a
    /// `rowid < ?` cursor are its own plan, no sort), so the page stops after `limit` rows
    /// found: 0.7 ms for the first 100 of "love"'s 3,981 matches at 100,000 tracks, where
    /// listing every match first (`tracks.id IN (SELECT rowid …)`, a sorted list of them all,
    /// then a seek each in id order) took 1.4–2.7 ms, and 9.8 against 2.4 ms for "a"'s 19,538
    /// (sqlite3 on the benchmark's database). By title or plays, the order is not the index's
    /// (`OrderedSearch`); within a source or a rating, the source's or the user's own index may
    /// bound the walk better, as `OrderedSearch.costs` prices them.
    private func walksSearchIndex(_ filter: Filter, _ way: OrderedSearch) -> Bool {
        guard filter.match != nil, !filter.inSourceOrder, filter.sort == .newest || filter.sort == .oldest else { return false }
        return !readsWithinInIdOrder(filter) || !way.walksRestriction
    }

    /// The walk of a search within a source or a rating through the restriction's own index in
    /// id order (`OrderedSearch.walkRestriction` and its look-ups), and of a page of a rating
    /// (`walksRatedRows`): the source's tracks (`tracks_channel`: source, id; in the trash
    /// `tracks_trashed_source`), or the user's rated rows (`user_tracks_rating`, whose
    /// conditions it adds; a source's is among the filter's). The match is tested on
    /// `testedId`: in the list of matches the walked entry's id, with a `+` so that the planner
    /// cannot turn the list into the walk (a seek of each match in the source's index); a
    /// look-up (`lookingUp`) of a rated row on the track's id, so that SQLite runs it after
    /// the track's own tests (a correlated subquery comes last among the tests of its table):
    /// within a source, the rated rows of other sources are then never looked up. The count of
    /// "s" within the likes of the biggest source (538 of 5,030) took 52 ms with a look-up of
    /// every rated row, 13 so (sqlite3 on the benchmark's database).
    private func restrictionWalk(_ filter: Filter, _ restriction: OrderedSearch.Restriction, lookingUp: Bool)
        -> (from: String, id: String, testedId: String, conditions: [String], arguments: StatementArguments) {
        if restriction == .source {
            let index = filter.trashed ? "tracks_trashed_source" : "tracks_channel"
            return ("tracks INDEXED BY \(index)" + LibraryTrack.joins(for: filter.userId), "tracks.id", lookingUp ? lookUpId(filter) : "+tracks.id", [], [])
        }
        return (Self.fromUserRows(indexedBy: "user_tracks_rating"), "ut.track_id", lookingUp ? "tracks.id" : "+ut.track_id",
                ["ut.user_id = ?", "ut.rating = ?"], [filter.userId, filter.rating])
    }

    /// The FROM clause of a walk that starts from a user's rows (plays, ratings): `CROSS JOIN`
    /// keeps `user_tracks` the outer loop, since with statistics the planner would start a
    /// trash page from the trash's index and sort it (a sort of the whole trash per page).
    private static func fromUserRows(indexedBy index: String? = nil) -> String {
        "user_tracks ut\(index.map { " INDEXED BY \($0)" } ?? "") CROSS JOIN tracks ON tracks.id = ut.track_id "
            + "LEFT JOIN sources ON sources.id = tracks.source_id"
    }

    /// The queries a page of `filter` read `orderedSearch`'s way runs, as `tracks(_:)` runs
    /// them: for a search within a source or a rating by title or plays that does not walk the
    /// order's index, the one read of every match it keeps, for the page and the total
    /// (`sortedWithinQuery`, paged by `readSortedWithin`); for every other filter its page
    /// queries. (Newest or oldest first, `tracks(_:)` also reads a restriction that holds few
    /// matches so, as its sizes say; the plan test checks that query on its own.)
    func readQueries(_ filter: Filter, orderedSearch: OrderedSearch = .matchesFirst) throws -> [ListQuery] {
        sortsWithin(filter) && !orderedSearch.walksOrderIndex ? [try sortedWithinQuery(filter, orderedSearch)]
            : try pageQueries(filter, orderedSearch: orderedSearch)
    }

    /// The queries of one page of `filter`'s rows, run in order until a page is full: one, or
    /// for plays the walk of the user's played tracks (unless the cursor is already past them)
    /// and then the walk of the others. `orderedSearch` is how a search by title or plays, or
    /// within a source or a rating, reads its page (see `OrderedSearch`). (A search within by
    /// title or plays that does not walk the order's index is read by `readSortedWithin`
    /// instead, `readQueries`; these queries would sort every match for each page.)
    func pageQueries(_ filter: Filter, orderedSearch: OrderedSearch = .matchesFirst) throws -> [ListQuery] {
        if filter.inSourceOrder, let sourceId = filter.sourceId { return [try sourceOrderQuery(filter, sourceId: sourceId)] }
        if filter.sort == .plays, walksAnOrderIndex(filter) { return try searchByPlaysQueries(filter, orderedSearch) }
        let searched = walksSearchIndex(filter, orderedSearch)
        let walksTitles = filter.sort == .title && walksAnOrderIndex(filter) && orderedSearch.walksOrderIndex
        // The source's or the user's rated rows: a search within them newest or oldest first that
        // walks them, or (without a source) a page of a rating (`walksRatedRows`).
        let walked: OrderedSearch.Restriction? = searched ? nil
            : readsWithinInIdOrder(filter) ? orderedSearch.restriction : walksRatedRows(filter) ? .ratedRows : nil
        let lookingUp = (walksTitles || walked != nil) && orderedSearch.looksUpEach
        let restriction = walked.map { restrictionWalk(filter, $0, lookingUp: lookingUp) }
        let (conditions, arguments) = conditions(filter, test: searched ? .walkingSearch : lookingUp ? .lookingUpEach : .listOfMatches,
                                                 id: restriction?.testedId ?? (lookingUp ? lookUpId(filter) : "tracks.id"))
        let id = restriction?.id ?? (searched ? "tracks_search.rowid" : "tracks.id")
        var cursorCondition: (String, StatementArguments)?
        if let cursor = filter.after {
            guard let condition = filter.sort.after(cursor, id: id) else {
                throw Self.foreignCursor
            }
            cursorCondition = condition
        }
        func query(from: String, _ extra: [String], _ extraArguments: StatementArguments, orderBy: String) -> ListQuery {
            var all = conditions + extra
            var values = arguments + extraArguments
            if let (condition, conditionArguments) = cursorCondition {
                all.append(condition)
                values += conditionArguments
            }
            return ListQuery("""
                SELECT \(LibraryTrack.selection) FROM \(from)
                WHERE \(all.joined(separator: " AND "))
                ORDER BY \(orderBy) LIMIT ?
                """, values + [filter.limit + 1])
        }
        // The walk of the ids: the library, the search index's matches (`CROSS JOIN` keeps it
        // the outer loop), a title index (a search by title with many matches), or the
        // restriction's (`restrictionWalk`: the user's rows of the filter's rating, whose
        // condition in `conditions` is then true of every row; named, because the planner
        // prefers the primary key (user, track): a walk of every row the user ever played).
        let (everyTrack, walk, walkArguments): (String, [String], StatementArguments) = restriction.map { ($0.from, $0.conditions, $0.arguments) }
            ?? (searched
            ? ("tracks_search CROSS JOIN tracks ON tracks.id = tracks_search.rowid" + LibraryTrack.joins(for: filter.userId), [], [])
            : walksTitles
            ? ("tracks INDEXED BY \(Self.titleIndex(filter))" + LibraryTrack.joins(for: filter.userId), [], [])
            : (LibraryTrack.source(for: filter.userId), [], []))
        guard filter.sort == .plays else {
            return [query(from: everyTrack, walk, walkArguments, orderBy: filter.sort.orderBy(id: id))]
        }
        let unplayed = "coalesce(ut.play_count, 0) = 0"
        if case .number(let plays)? = filter.after?.key, plays <= 0 {
            return [query(from: everyTrack, walk + [unplayed], walkArguments, orderBy: filter.sort.orderBy(id: id))]
        }
        // A page reads the user's played tracks in order until it is full.
        let played = query(from: Self.fromUserRows(), ["ut.user_id = ?", "ut.play_count > 0"], [filter.userId],
                           orderBy: "ut.play_count DESC, ut.track_id DESC")
        cursorCondition = nil
        return [played, query(from: everyTrack, walk + [unplayed], walkArguments, orderBy: filter.sort.orderBy(id: id))]
    }

    /// Whether a page of `filter` is a search in an order the search index does not hold, read
    /// as `OrderedSearch` says: by title, and by plays outside the trash in the library or
    /// within a source or the user's likes or dislikes (`searchesWithin`; the others keep the
    /// general form, which sorts the matches).
    func walksAnOrderIndex(_ filter: Filter) -> Bool {
        guard filter.match != nil, !filter.inSourceOrder else { return false }
        switch filter.sort {
        case .title: return true
        case .plays: return !filter.trashed && (filter.sourceId == nil && filter.rating == nil || searchesWithin(filter))
        case .newest, .oldest: return false
        }
    }

    /// A search by plays (`walksAnOrderIndex`): the user's played matches, most played first,
    /// then the never-played ones newest first. The played ones are sorted (few matches), or
    /// read by a walk of the user's rows in `user_tracks_plays` order that keeps the matches
    /// (many), as `way` says. The never-played ones walk the search index itself newest first,
    /// as a search newest first does, and skip the played. Every match used to be sorted by its
    /// plays: a page of "a" (19,538 matches at 100,000 tracks) took 45 ms, of "s" 137.
    private func searchByPlaysQueries(_ filter: Filter, _ way: OrderedSearch) throws -> [ListQuery] {
        // The sort's own cursor condition: within the played tracks, or past them (0 plays).
        var after: (condition: String, arguments: StatementArguments)?
        var pastThePlayed = false
        if let cursor = filter.after {
            guard case .number(let plays)? = cursor.key, let condition = filter.sort.after(cursor, id: "tracks_search.rowid") else {
                throw Self.foreignCursor
            }
            after = condition
            pastThePlayed = plays <= 0
        }
        let joins = LibraryTrack.joins(for: filter.userId)
        var (conditions, arguments) = conditions(filter, test: .walkingSearch)
        conditions.append("coalesce(ut.play_count, 0) = 0")
        if pastThePlayed, let after {
            conditions.append(after.condition)
            arguments += after.arguments
        }
        let neverPlayed = ListQuery("""
            SELECT \(LibraryTrack.selection) FROM tracks_search CROSS JOIN tracks ON tracks.id = tracks_search.rowid\(joins)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY tracks_search.rowid DESC LIMIT ?
            """, arguments + [filter.limit + 1])
        if pastThePlayed { return [neverPlayed] }

        // (Within a source or a rating this is reached only to walk the user's plays: every
        // other way is a sorted read, `sortedWithinQuery`.)
        let (from, test): (String, MatchTest) = way.walksOrderIndex
            ? (Self.fromUserRows(indexedBy: "user_tracks_plays"), way.looksUpEach ? .lookingUpEach : .listOfMatches)
            : ("tracks_search CROSS JOIN tracks ON tracks.id = tracks_search.rowid" + joins, .walkingSearch)
        // The walk reads the user's row, then the track: a look-up within a source comes after
        // the track's source test (`lookUpId`), else on the user's row before the track's seek
        // ("a" by plays: 4.2 ms a page so, 4.6 after the seek; sqlite3, 100,000 tracks).
        let lookedUpId = way.looksUpEach && filter.sourceId != nil ? "tracks.id" : "ut.track_id"
        var (played, playedArguments) = self.conditions(filter, test: test, id: way.walksOrderIndex ? lookedUpId : "tracks.id")
        played += ["ut.user_id = ?", "ut.play_count > 0"]
        playedArguments += [filter.userId]
        if let after {
            played.append(after.condition)
            playedArguments += after.arguments
        }
        return [ListQuery("""
            SELECT \(LibraryTrack.selection) FROM \(from)
            WHERE \(played.joined(separator: " AND "))
            ORDER BY ut.play_count DESC, ut.track_id DESC LIMIT ?
            """, playedArguments + [filter.limit + 1]), neverPlayed]
    }

    /// What a search with a source or a rating reads `way`: the FROM clause and the conditions
    /// with their arguments. The search index's matches, or (`walksRestriction`, within a
    /// source or a rating) the restriction's walk keeping the rows in the list of matches or
    /// looking each up.
    private func searchRead(_ filter: Filter, _ way: OrderedSearch) -> (from: String, id: String, conditions: [String], arguments: StatementArguments) {
        guard let restriction = way.restriction else {
            let (conditions, arguments) = conditions(filter, test: .walkingSearch)
            return ("tracks_search CROSS JOIN tracks ON tracks.id = tracks_search.rowid" + LibraryTrack.joins(for: filter.userId),
                    "tracks_search.rowid", conditions, arguments)
        }
        let walk = restrictionWalk(filter, restriction, lookingUp: way.looksUpEach)
        let (conditions, arguments) = conditions(filter, test: way.looksUpEach ? .lookingUpEach : .listOfMatches, id: walk.testedId)
        return (walk.from, walk.id, conditions + walk.conditions, arguments + walk.arguments)
    }

    /// Whether a page of `filter` is a search within a source or a rating by title or plays:
    /// unless it walks the title index (`OrderedSearch.walksOrderIndex`), it reads every match
    /// it keeps and sorts them (`sortedWithinQuery`).
    func sortsWithin(_ filter: Filter) -> Bool {
        searchesWithin(filter) && !filter.inSourceOrder && (filter.sort == .title || filter.sort == .plays)
    }

    /// Every match of a search within a source or a rating, read `way` in the page's order: by
    /// title or plays (`sortsWithin`) sorted (by plays: the user's, then newest first, the played
    /// and the never-played ones in one sort), newest or oldest first in the walk's own order;
    /// the track's id, and whether it comes after the cursor (1 without one). One read gives
    /// both the total and the page (`readSortedWithin`): a count and a page each read them all,
    /// and by title within the likes "a" took 19.4 ms p50 so at 100,000 tracks; by plays a walk
    /// of the user's plays would pass every played track outside a small restriction (a page of
    /// "a" within a source of 26 tracks took 45 ms so).
    func sortedWithinQuery(_ filter: Filter, _ way: OrderedSearch) throws -> ListQuery {
        let read = searchRead(filter, way)
        var past = "1"
        var pastArguments: StatementArguments = []
        let order: String
        if filter.sort == .plays {
            let plays = "coalesce(ut.play_count, 0)"
            order = "\(plays) DESC, tracks.id DESC"
            if let cursor = filter.after {
                guard case .number(let played)? = cursor.key else { throw Self.foreignCursor }
                (past, pastArguments) = ("\(plays) <= ? AND (\(plays) < ? OR tracks.id < ?)", [played, played, cursor.id])
            }
        } else {
            order = filter.sort.orderBy(id: read.id)
            if let cursor = filter.after {
                guard let condition = filter.sort.after(cursor, id: read.id) else { throw Self.foreignCursor }
                (past, pastArguments) = condition
            }
        }
        return ListQuery("""
            SELECT tracks.id, \(past) FROM \(read.from)
            WHERE \(read.conditions.joined(separator: " AND "))
            ORDER BY \(order)
            """, pastArguments + read.arguments)
    }

    /// A page of a search within a source or a rating, and its total, from one read of its
    /// matches (`sortedWithinQuery`) that stops once both are known: the ids after the cursor,
    /// then their rows by id (`tracksQuery`). The total is capped as every search's is.
    private func readSortedWithin(_ db: Database, _ filter: Filter, _ way: OrderedSearch) throws -> ([LibraryTrack], MatchCount) {
        let query = try sortedWithinQuery(filter, way)
        var ids: [Int64] = []
        var start: Int?
        let rows = try Row.fetchCursor(db.cachedStatement(sql: query.sql), arguments: query.arguments)
        while let row = try rows.next() {
            if start == nil, row[1] as Bool { start = ids.count }
            ids.append(row[0])
            // The page is full and the total past the cap: the rest changes neither. In id order
            // SQLite's walk then stops too, so a restriction that holds more matches than
            // estimated is read no further than a capped count would read it.
            if let start, ids.count - start > filter.limit, ids.count > searchTotalCap { break }
        }
        let page = Array(ids[(start ?? ids.count)...].prefix(filter.limit + 1))
        var tracks: [LibraryTrack] = []
        if !page.isEmpty {
            let lookup = Self.tracksQuery(page, for: filter.userId)
            let byId = Dictionary(uniqueKeysWithValues: try LibraryTrack.fetchAll(db, sql: lookup.sql, arguments: lookup.arguments, userId: filter.userId)
                .map { ($0.id, $0) })
            tracks = page.compactMap { byId[$0] }
        }
        return (tracks, MatchCount(count: min(ids.count, searchTotalCap), isExact: ids.count <= searchTotalCap))
    }

    /// How the total of a filter is found.
    enum Total {
        /// A search (no counter knows its matches): the rows of a query that lists the matches
        /// the filter keeps, at most `searchTotalCap + 1` of them (`SearchCount`).
        case searched(ListQuery)
        /// The library's counter of a source (`StoredCounts`, live or trashed) less the user's
        /// counters that the filter leaves out (hidden tracks, rated ones for "unrated").
        case libraryLess(owner: Int64, trashed: Bool, [StoredCounts.UserCount])
        /// One of the user's counters: their likes or dislikes.
        case user(owner: Int64, StoredCounts.UserCount)
    }

    /// The total of `filter`; a search within a source or a rating counts by `within`
    /// (`searchWithin`, in any order), a search of the unrated by walking its matches.
    func total(_ filter: Filter, within way: OrderedSearch = .matchesFirst) -> Total {
        if let match = filter.match {
            if filter.sourceId == nil, filter.rating == nil {
                return .searched(SearchCount.visibleMatches(match, trashed: filter.trashed, userId: filter.userId, upTo: searchTotalCap + 1))
            }
            // The search index's walk lists its matches in id order: the estimate holds.
            let walksMatches = !(searchesWithin(filter) && way.walksRestriction)
            let read = searchRead(filter, walksMatches ? .matchesFirst : way)
            return .searched(SearchCount.capped("""
                SELECT tracks.id AS id FROM \(read.from) WHERE \(read.conditions.joined(separator: " AND "))\(walksMatches ? " ORDER BY tracks_search.rowid" : "")
                """, read.arguments, upTo: searchTotalCap + 1, lastId: walksMatches))
        }
        let owner = filter.sourceId ?? StoredCounts.everyOwner
        switch (filter.trashed, filter.rating) {
        case (false, 1?): return .user(owner: owner, .liked)
        case (false, .some(-1)): return .user(owner: owner, .disliked)
        case (false, 0?): return .libraryLess(owner: owner, trashed: false, [.hidden, .liked, .disliked])
        case (false, _): return .libraryLess(owner: owner, trashed: false, [.hidden])
        case (true, 1?): return .user(owner: owner, .trashedLiked)
        case (true, .some(-1)): return .user(owner: owner, .trashedDisliked)
        case (true, 0?): return .libraryLess(owner: owner, trashed: true, [.trashedLiked, .trashedDisliked])
        case (true, _): return .libraryLess(owner: owner, trashed: true, [])
        }
    }

    /// How many tracks match a filter: exact, or for a search with more matches than
    /// `searchTotalCap`, the cap and `isExact` false.
    struct MatchCount: Equatable {
        var count: Int
        var isExact = true
        /// For a capped count, how many match in all, from how far into the ids the capped walk
        /// went: `searchTotalCap + 1` matches up to id 1,009 of 100,000 say ~99,200 ("s": 99,312
        /// in the index). Nil when the walk is not in id order (a search within a source or a
        /// rating).
        var estimate: Int?
    }

    /// How many tracks match `filter` in all (see `Total`): two primary-key seeks without a
    /// search, and a walk of at most `searchTotalCap + 1` matches with one. A search within a
    /// source or a rating counts the way `searchWithin` chooses for that many rows (`forced`:
    /// the way a test gives), from its `sizes` (nil: read here).
    func matching(_ db: Database, _ filter: Filter, sizes: SearchSizes? = nil, forced: OrderedSearch? = nil) throws -> MatchCount {
        var within = OrderedSearch.matchesFirst
        if searchesWithin(filter), let sizes = try sizes ?? searchSizes(db, filter) {
            if forced == nil, let past = try surelyPastTheCap(db, filter, sizes: sizes) { return past }
            within = forced ?? searchWithin(filter, wanted: searchTotalCap + 1, sizes: sizes)
        }
        switch total(filter, within: within) {
        case .searched(let query):
            let row = try Row.fetchOne(db.cachedStatement(sql: query.sql), arguments: query.arguments)
            let found: Int = row?[0] ?? 0
            guard found > searchTotalCap else { return MatchCount(count: found) }
            return MatchCount(count: searchTotalCap, isExact: false, estimate: try estimatedMatches(db, found: found, lastId: row?[1]))
        case .user(let owner, let key):
            return MatchCount(count: try StoredCounts.user(db, filter.userId, owner: owner)[key] ?? 0)
        case .libraryLess(let owner, let trashed, let keys):
            let user = keys.isEmpty ? [:] : try StoredCounts.user(db, filter.userId, owner: owner)
            return MatchCount(count: max(0, try StoredCounts.tracks(db, owner: owner, trashed: trashed) - keys.reduce(0) { $0 + (user[$1] ?? 0) }))
        }
    }

    /// The total of a search within a source or a rating that holds more tracks than the cap
    /// when the search misses so few tracks that more than the cap of the restriction's must
    /// match: of its `within` tracks at most `library − every match` are missed, so at least
    /// `within − (library − every match)` match. One count of every match in the search index
    /// (`SearchCount.everyIndexMatch`, ~0.05 µs a match) says it, where the capped count looks
    /// up or lists 1,001 of the restriction's rows: "s" (99,312 of 100,000 tracks) within the
    /// 5,030 likes counted in 5 ms, not 12 (sqlite3 on the benchmark's database,
    /// docs/benchmarks.md, twelfth round). Nil when the estimate (`SearchSizes.indexMatches`)
    /// says it cannot hold, when the capped count costs less (`withinCosts`), or when the exact
    /// count shows it does not hold. The reply's estimate is the matches' share of the restriction.
    func surelyPastTheCap(_ db: Database, _ filter: Filter, sizes: SearchSizes) throws -> MatchCount? {
        guard let match = filter.match, let within = sizes.within?.tracks else { return nil }
        let library = sizes.library
        guard within - (library - sizes.indexMatches) > searchTotalCap,
              let capped = withinCosts(filter, wanted: searchTotalCap + 1, sizes: sizes).map(\.µs).min(),
              SearchCount.everyIndexMatchMicros(sizes.indexMatches) < capped else { return nil }
        let query = SearchCount.everyIndexMatch(match)
        let every = try Int.fetchOne(db.cachedStatement(sql: query.sql), arguments: query.arguments) ?? 0
        guard within - (library - every) > searchTotalCap else { return nil }
        return MatchCount(count: searchTotalCap, isExact: false, estimate: Int(Double(every) * Double(within) / Double(max(1, library))))
    }

    /// The count queries of `filter`'s total, if it has any (a search; for the plan test): the
    /// capped count (`within`: the way a search within a source or a rating counts), and for a
    /// search that chooses how it is read the search index's capped walk of its matches.
    func countQueries(_ filter: Filter, within: OrderedSearch = .matchesFirst) -> [ListQuery] {
        switch total(filter, within: within) {
        case .searched(let query):
            guard choosesAWay(filter), let match = filter.match else { return [query] }
            return [query, SearchCount.indexMatches(match, upTo: searchTotalCap + 1)]
        case .libraryLess, .user:
            return []
        }
    }

    /// One track with `userId`'s state (nil: no one's).
    public func track(_ id: Int64, for userId: Int64?) throws -> LibraryTrack? {
        try database.read { try LibraryTrack.fetch($0, id: id, userId: userId) }
    }

    /// The user's liked tracks not in the trash and not hidden, in a stable play order: when
    /// they were liked, then id; a page at a time (the player loads the next page as it plays).
    public func likes(of userId: Int64, after cursor: PageCursor? = nil, limit: Int = 100) throws -> ListPage<LibraryTrack> {
        let query = likesQuery(of: userId, after: cursor, limit: limit)
        var filter = Filter(userId: userId)
        filter.rating = 1
        return try database.read { db in
            ListPage(try LibraryTrack.fetchAll(db, sql: query.sql, arguments: query.arguments, userId: userId), limit: limit,
                     total: try matching(db, filter).count) { liked in
                PageCursor(key: liked.state?.likedAt.map { .number($0.timeIntervalSince1970) }, id: liked.id)
            }
        }
    }

    /// One page of likes, walking `user_tracks_likes` (user, liked_at, track). A like without
    /// its time (none is written so) sorts first and pages by id.
    func likesQuery(of userId: Int64, after cursor: PageCursor?, limit: Int) -> ListQuery {
        var condition = ""
        var arguments: StatementArguments = [userId]
        if let cursor {
            if case .number(let likedAt)? = cursor.key {
                condition = "AND ut.liked_at >= ? AND (ut.liked_at > ? OR ut.track_id > ?)"
                arguments += [likedAt, likedAt, cursor.id]
            } else {
                condition = "AND (ut.liked_at IS NOT NULL OR ut.track_id > ?)"
                arguments += [cursor.id]
            }
        }
        return ListQuery("""
            SELECT \(LibraryTrack.selection)
            FROM user_tracks ut JOIN tracks ON tracks.id = ut.track_id LEFT JOIN sources ON sources.id = tracks.source_id
            WHERE ut.user_id = ? AND ut.rating = 1 AND ut.hidden_at IS NULL AND tracks.deleted_at IS NULL \(condition)
            ORDER BY ut.liked_at, ut.track_id LIMIT ?
            """, arguments + [limit + 1])
    }

    /// The trash, newest deletion first, with `userId`'s state, a page at a time.
    public func trash(for userId: Int64, after cursor: PageCursor? = nil, limit: Int = 100) throws -> ListPage<LibraryTrack> {
        let query = try trashQuery(for: userId, after: cursor, limit: limit)
        return try database.read { db in
            ListPage(try LibraryTrack.fetchAll(db, sql: query.sql, arguments: query.arguments, userId: userId), limit: limit,
                     total: try StoredCounts.tracks(db, trashed: true)) { trashed in
                PageCursor(key: .number(trashed.track.deletedAt?.timeIntervalSince1970 ?? 0), id: trashed.id)
            }
        }
    }

    /// One page of the trash, walking `tracks_trash` (deleted_at) backwards.
    func trashQuery(for userId: Int64, after cursor: PageCursor?, limit: Int) throws -> ListQuery {
        var condition = ""
        var arguments: StatementArguments = []
        if let cursor {
            guard case .number(let deletedAt)? = cursor.key else {
                throw DomainError.invalid(field: "before", "is not a cursor from the trash's next_before.")
            }
            condition = "AND tracks.deleted_at <= ? AND (tracks.deleted_at < ? OR tracks.id < ?)"
            arguments = [deletedAt, deletedAt, cursor.id]
        }
        return ListQuery("""
            SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
            WHERE tracks.deleted_at IS NOT NULL \(condition)
            ORDER BY tracks.deleted_at DESC, tracks.id DESC LIMIT ?
            """, arguments + [limit + 1])
    }

    /// One past play.
    public struct Play: Sendable {
        public let track: LibraryTrack
        public let playedAt: Date
        public let position: Double?
        /// The play event's id (the cursor's tie-breaker).
        let eventId: Int64
    }

    /// The user's most recent `play` events, newest first, a page at a time: the page of
    /// events (`historyQuery`), then their tracks by id (`tracksQuery`). One query joining the
    /// two made the planner build a Bloom filter of the user's every `user_tracks` row before
    /// the first event (it does not count on the LIMIT): 14 ms at 100,000 tracks against 2 ms
    /// in two steps (sqlite3 on the benchmark's database).
    public func history(of userId: Int64, after cursor: PageCursor? = nil, limit: Int) throws -> ListPage<Play> {
        let query = try historyQuery(of: userId, after: cursor, limit: limit)
        return try database.read { db in
            let events = try Row.fetchAll(db, sql: query.sql, arguments: query.arguments)
            let ids = Array(Set(events.map { $0["track_id"] as Int64 }))
            var tracks: [Int64: LibraryTrack] = [:]
            if !ids.isEmpty {
                let lookup = Self.tracksQuery(ids, for: userId)
                for track in try LibraryTrack.fetchAll(db, sql: lookup.sql, arguments: lookup.arguments, userId: userId) {
                    tracks[track.id] = track
                }
            }
            // A play's track is there: purging a track deletes its events in the same transaction.
            let plays = events.compactMap { row in
                tracks[row["track_id"]].map { track in
                    Play(track: track, playedAt: Date(timeIntervalSince1970: row["received_at"]), position: row["position"], eventId: row["id"])
                }
            }
            return ListPage(plays, limit: limit, total: nil) { play in
                PageCursor(key: .number(play.playedAt.timeIntervalSince1970), id: play.eventId)
            }
        }
    }

    /// One page of the user's play events, walking `play_events_user_plays` (user, received_at)
    /// backwards.
    func historyQuery(of userId: Int64, after cursor: PageCursor?, limit: Int) throws -> ListQuery {
        var condition = ""
        var arguments: StatementArguments = [userId]
        if let cursor {
            guard case .number(let playedAt)? = cursor.key else {
                throw DomainError.invalid(field: "before", "is not a cursor from the history's next_before.")
            }
            condition = "AND received_at <= ? AND (received_at < ? OR id < ?)"
            arguments += [playedAt, playedAt, cursor.id]
        }
        return ListQuery("""
            SELECT id, track_id, received_at, position FROM play_events
            WHERE user_id = ? AND type = 'play' \(condition)
            ORDER BY received_at DESC, id DESC LIMIT ?
            """, arguments + [limit + 1])
    }

    /// The tracks of `ids` (a page's, at most 501) with `userId`'s state: a key seek each.
    static func tracksQuery(_ ids: [Int64], for userId: Int64) -> ListQuery {
        ListQuery("""
            SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: userId))
            WHERE tracks.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
            """, StatementArguments(ids))
    }

    /// User text as an FTS5 expression: every word quoted (so `"`, `*`, `-`, `OR`, `NEAR` are
    /// plain text), all words required, the last one as a prefix for search-as-you-type.
    static func matchExpression(_ text: String) -> String? {
        let words = searchWords(text)
        guard !words.isEmpty else { return nil }
        return words.enumerated().map { index, word in
            let quoted = "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            return index == words.count - 1 ? quoted + "*" : quoted
        }.joined(separator: " ")
    }

    /// The words of a search that count: the first 16.
    static func searchWords(_ text: String) -> [Substring] {
        Array(text.split(whereSeparator: { $0.isWhitespace }).prefix(16))
    }
}
