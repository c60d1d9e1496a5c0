import GRDB
import SpoolStore

/// How a search of the library reads a page by title or by plays, or within a source or a
/// rating, and its total: the choices that depend on how many tracks the search matches (issue
/// 19, seventh, ninth and tenth rounds in docs/benchmarks.md). A search of the whole library
/// newest or oldest first walks the search index itself (`walksSearchIndex` in TrackLibrary.swift).
extension TrackLibrary {
    /// How a search reads its rows when another index than the search index can deliver them:
    /// by title (the title index), by plays (the user's played tracks in `user_tracks_plays`; the
    /// never-played ones after them walk the search index newest first, `searchByPlaysQueries`),
    /// or within a source or the user's likes or dislikes (the source's tracks, the user's rated
    /// rows; `searchWithin`), as the cheapest of `costs` says.
    ///
    /// FTS5 lists its matches in rowid order, and no index holds them in title order, so a
    /// page either sorts every match or walks the title index and keeps the rows that match.
    enum OrderedSearch: Equatable {
        /// Read the matches first and test the rest of the filter on each: in id order a walk of
        /// the search index, which stops after the page; in another order a sort of them all
        /// (few matches).
        case matchesFirst
        /// Walk the order's index (the library's, the trash's, or a source's title index; the
        /// user's plays) from the cursor and keep the rows in the list of matches (many matches).
        case walkOrderIndex
        /// Walk the order's index and look each row up in the search index (FTS5 seeks the row's
        /// id in its lists of matches): for matches so dense that listing them all costs more
        /// than the few rows the walk passes. "s" matches 99,312 of 100,000 tracks: its list
        /// took 15–31 ms, the walk with a look-up each 3 ms (`lookUpMicros`: 16–190 µs a
        /// look-up). sqlite3 on the benchmark's database.
        case walkOrderIndexLookingUpEach
        /// Walk the restriction's own index in id order (a source's tracks, the user's rated
        /// rows) and keep the rows in the list of matches; in another order than the id's, sort
        /// the kept ones (a restriction holds few).
        case walkRestriction(Restriction)
        /// `walkRestriction`, looking each row up in the search index.
        case walkRestrictionLookingUpEach(Restriction)

        /// Which index a search within a source or a rating walks (`walkRestriction`). Within a
        /// source and a rating together, the smaller: the source's tracks test the user's row
        /// of each for the rating, the user's rated rows test each track for the source, a
        /// seek each either way. "s" within the likes of the biggest source (10,688 tracks,
        /// 5,030 likes in all, 554 of them in it) took 59 ms p50 by the source at 100,000
        /// tracks (docs/benchmarks.md, eleventh round).
        enum Restriction: Equatable {
            /// The source's tracks (`tracks_channel`, in the trash `tracks_trashed_source`).
            case source
            /// The user's rows of the filter's rating (`user_tracks_rating`).
            case ratedRows
        }

        /// An index walk as `costs` weighs it: its `entries`, and how many of them a walk that
        /// looks each up looks up: those that pass the filter's other tests first
        /// (`TrackLibrary.lookUpId`: within a source, the rated rows in it; along the title
        /// index, the rated tracks); all by default.
        struct IndexWalk {
            var entries: Int
            var lookedUp: Int
            /// What reading the rows that an entry's other tests need costs, in µs, beyond the
            /// user's row of a rating filter (`seeksUserRows`); 0 for a walk whose entries
            /// hold what the tests read.
            var testedRowMicros: Double

            /// `testedRowMicros` of the walk of the user's plays within a source: it reads the
            /// user's row and the track, both scattered, for every entry it tests ("a" within
            /// the biggest source by plays passed 7,778 entries and tested 1,517 in 25 ms at
            /// 100,000 tracks; the source's tracks read and sorted took 17).
            static let playsWithinSourceRowMicros = 8.0

            init(entries: Int, lookedUp: Int? = nil, testedRowMicros: Double = 0) {
                (self.entries, self.lookedUp, self.testedRowMicros) = (entries, min(entries, lookedUp ?? entries), testedRowMicros)
            }

            var lookedUpShare: Double { Double(lookedUp) / Double(max(1, entries)) }
        }

        /// A restriction's walk (`IndexWalk`) and which restriction it is.
        struct RestrictionWalk {
            var kind: Restriction
            var walk: IndexWalk

            init(_ kind: Restriction, entries: Int, lookedUp: Int? = nil) {
                (self.kind, self.walk) = (kind, IndexWalk(entries: entries, lookedUp: lookedUp))
            }
        }

        /// The way of `costs` that costs least (`costs` always holds `.matchesFirst`).
        static func cheapest(_ costs: [(way: OrderedSearch, µs: Double)]) -> OrderedSearch {
            costs.min { $0.µs < $1.µs }?.way ?? .matchesFirst
        }

        /// What each way costs, in µs, to read `wanted` rows (a page: `limit + 1`; a capped count:
        /// `searchTotalCap + 1`), in id order or (`inIdOrder` false) another, of a search whose
        /// index matches `indexMatches` of the `library`'s tracks, of which the filter keeps
        /// `matches` (exact, or estimated). The candidates: reading the matches first; walking the order's index of
        /// `orderIndex` entries (the title index of the library, the trash or a source; the
        /// user's plays), if the order has one that the filter's rows lie along; walking the
        /// `restriction`'s index of that many entries (a source's tracks, the user's rated rows),
        /// if the search is within one. A rating filter (`seeksUserRows`) tests the user's row of
        /// every match read first, a second seek each (the count of "s" within the likes passed
        /// 20,294 matches in 11.7 ms, 0.58 µs each; within a source, whose test needs only the
        /// track, 9,182 in 2.5 ms). The kept matches lie about evenly along any of them, so
        /// - reading the matches first seeks each one's track or row (~1.3 µs where the matches
        ///   are sparse, ~0.3 where nearly every track matches: the seeks then read the tracks'
        ///   pages in turn, "s" passed 9,550 matches in 2 ms); in id order the search index's walk
        ///   stops after `wanted` kept ones (`wanted × indexMatches / matches` read), in another
        ///   every match is read and the kept ones sorted (~4.4 µs each: 22.7 ms for "love"'s
        ///   3,981 matches by title);
        /// - an index walk in the page's order passes `wanted × entries / matches` entries (at
        ///   most all), each tested against the list of every match: ~0.15 µs a match for the
        ///   list, ~0.4 per entry, doubled because the matches may cluster in one part of the
        ///   order; or it looks each entry up in the search index (`lookUpMicros`), no list. A
        ///   walk of the restriction in another order than the id's reads it all and sorts the
        ///   kept ones. Within a rating, a walked entry also reads the user's row, scattered
        ///   along the title index (~3 µs: "s" within the dislikes by title passed 11,050 entries
        ///   of the title index in 45 ms): every entry that a look-up walk passes (the look-up
        ///   comes after it, `TrackLibrary.lookUpId`), the listed matches' entries of a list walk.
        /// sqlite3 on the benchmark's database (100,000 tracks; docs/benchmarks.md, seventh, ninth,
        /// tenth and eleventh rounds). At 100,000 tracks a search by title walks the title index from
        /// ~1,500 matches (both under 10 ms there), and looks each entry up from ~50,000
        /// ("s": its list took 15 ms, the walk with a look-up each 3); "a" (19,538 matches) within
        /// the biggest source (10,480 tracks) newest first reads its matches (2.1 ms a page, 6.2
        /// by the list); within a source of 26 tracks it walks the source (0.6–2.8 ms, 17 ms by
        /// the matches).
        static func costs(indexMatches: Int, matches: Int, library: Int, wanted: Int, inIdOrder: Bool, lookUpMicros: Double,
                          seeksUserRows: Bool = false, orderIndex: IndexWalk? = nil, restriction: RestrictionWalk? = nil)
            -> [(way: OrderedSearch, µs: Double)] {
            let indexMatches = Double(indexMatches), matches = Double(max(1, matches)), wanted = Double(wanted)
            let library = Double(max(1, library, Int(indexMatches)))
            let seek = (0.3 + 1.0 * (1 - indexMatches / library)) * (seeksUserRows ? 2 : 1)
            let sorting = inIdOrder ? 0 : min(matches, indexMatches) * 4.4
            let userRow = seeksUserRows ? 3.0 : 0
            // One entry of a walk that keeps its rows in the list of matches, or looks each up.
            func listed(_ walk: IndexWalk) -> Double { 0.8 + (userRow + walk.testedRowMicros) * indexMatches / library }
            func lookedUp(_ walk: IndexWalk) -> Double { 0.8 + userRow + walk.testedRowMicros + walk.lookedUpShare * lookUpMicros }
            func inOrder(_ entries: Double) -> Double { min(entries, wanted * entries / matches) }
            func passed(_ entries: Double) -> Double { inIdOrder ? inOrder(entries) : entries }
            var costs: [(way: OrderedSearch, µs: Double)] = [(.matchesFirst, passed(indexMatches) * seek + sorting)]
            if let orderIndex {
                let walked = inOrder(Double(orderIndex.entries))
                costs += [(.walkOrderIndex, indexMatches * 0.15 + walked * listed(orderIndex)),
                          (.walkOrderIndexLookingUpEach, walked * lookedUp(orderIndex))]
            }
            if let restriction {
                let walked = passed(Double(restriction.walk.entries))
                costs += [(.walkRestriction(restriction.kind), indexMatches * 0.15 + walked * listed(restriction.walk) + sorting),
                          (.walkRestrictionLookingUpEach(restriction.kind), walked * lookedUp(restriction.walk) + sorting)]
            }
            return costs
        }

        /// What one look-up of a row in the search index costs, in µs, for a search of `words`
        /// in an index of `segments` (`SearchIndex`): FTS5 sets up a cursor per row and seeks
        /// each word in every segment, ~5 µs and 2 more a segment for each word (one word: 6–7 µs
        /// with one segment, 18–23 with 9); and 175 more when the last word is longer than the
        /// prefix index's 2 letters, since each look-up then merges the lists of every word it
        /// begins ("love": 116–125 µs, "night" 157–169, whatever the segments). sqlite3 on the
        /// benchmark's database, docs/benchmarks.md (ninth and eleventh rounds).
        static func lookUpMicros(words: [Substring], segments: Int) -> Double {
            (5 + 2 * Double(max(1, segments))) * Double(max(1, words.count)) + ((words.last?.count ?? 0) > 2 ? 175 : 0)
        }

        /// Whether the page walks the order's index.
        var walksOrderIndex: Bool { self == .walkOrderIndex || self == .walkOrderIndexLookingUpEach }
        /// The restriction whose index the rows are read by, if they are.
        var restriction: Restriction? {
            switch self {
            case .walkRestriction(let restriction), .walkRestrictionLookingUpEach(let restriction): restriction
            case .matchesFirst, .walkOrderIndex, .walkOrderIndexLookingUpEach: nil
            }
        }
        /// Whether the rows are read by a walk of the restriction's index.
        var walksRestriction: Bool { restriction != nil }
        /// Whether the walk looks each row up in the search index instead of the list of matches.
        var looksUpEach: Bool {
            switch self {
            case .walkOrderIndexLookingUpEach, .walkRestrictionLookingUpEach: true
            case .matchesFirst, .walkOrderIndex, .walkRestriction: false
            }
        }
    }

    /// The partial title index `filter` walks in `OrderedSearch.walkOrderIndex`: the library's or
    /// the trash's, of a source or of all (each holds `title COLLATE NOCASE, id` after the source).
    static func titleIndex(_ filter: Filter) -> String {
        switch (filter.trashed, filter.sourceId != nil) {
        case (false, false): "tracks_title"
        case (false, true): "tracks_source_title"
        case (true, false): "tracks_trashed_title"
        case (true, true): "tracks_trashed_source_title"
        }
    }

    /// How far a search's total counts: past 1,000 matches a reply says "1,000+"
    /// (`ListPage.totalIsExact` false), as a search engine says "about" or GitHub "1,000+". An
    /// exact total reads every match, so it grew with the library: at 100,000 tracks a page
    /// of one track took 5.5 ms for "a" (19,077 visible matches) and 6.4 ms for "love"
    /// (3,981), against 1.2 ms for a word that matches nothing; `perf` put the difference in
    /// the count.
    /// Counted up to the cap it reads at most 1,001 matches, ~1 ms at any size (sqlite3 on the
    /// benchmark's database; docs/benchmarks.md, ninth round). Nobody reads a thousand results
    /// to learn their number: a search that matches more is refined, not scrolled.
    public static let searchTotalCap = 1_000

    /// The queries that count a search's matches.
    enum SearchCount {
        /// The matches of a search without a source or rating that the reply lists, up to
        /// `upTo` of them, and the id of the last one: in the trash, or (the library) neither
        /// trashed nor hidden by the user. One walk of the search index's matches in id order
        /// with a seek each into the two small partial indexes of the trashed and the hidden
        /// tracks (a match found in either is left out of the library's count by its
        /// `LEFT JOIN … IS NULL`), ~1 µs a match; it stops at `upTo`. Named indexes: they hold
        /// only the few rows looked for. Where it stopped says how dense the matches are
        /// (`MatchCount.estimate`).
        static func visibleMatches(_ match: String, trashed: Bool, userId: Int64, upTo limit: Int) -> ListQuery {
            if trashed {
                return capped("""
                    SELECT tracks_search.rowid AS id FROM tracks_search
                    CROSS JOIN tracks INDEXED BY tracks_trashed ON tracks.id = tracks_search.rowid
                    WHERE tracks_search MATCH ? AND tracks.deleted_at IS NOT NULL ORDER BY tracks_search.rowid
                    """, [match], upTo: limit, lastId: true)
            }
            return capped("""
                SELECT tracks_search.rowid AS id FROM tracks_search
                LEFT JOIN tracks INDEXED BY tracks_trashed ON tracks.id = tracks_search.rowid AND tracks.deleted_at IS NOT NULL
                LEFT JOIN user_tracks ut INDEXED BY user_tracks_hidden
                    ON ut.user_id = ? AND ut.track_id = tracks_search.rowid AND ut.hidden_at IS NOT NULL
                WHERE tracks_search MATCH ? AND tracks.id IS NULL AND ut.track_id IS NULL ORDER BY tracks_search.rowid
                """, [userId, match], upTo: limit, lastId: true)
        }

        /// How many rows `rows` (a `SELECT` of the matches) gives, counting no further than
        /// `upTo`, and (`lastId`, when its rows come in id order) the largest id, else NULL.
        static func capped(_ rows: String, _ arguments: StatementArguments, upTo limit: Int, lastId: Bool = false) -> ListQuery {
            ListQuery("SELECT count(*), \(lastId ? "max(id)" : "NULL") FROM (\(rows) LIMIT \(limit))", arguments)
        }

        /// The first `upTo` tracks the search index matches, trashed and hidden ones too, and the
        /// largest id among them: FTS5 reads its lists and no table (0.1–0.3 ms at 100,000 tracks,
        /// where counting all of "s"'s 99,312 took 3.4 ms; `indexMatches(_:_:)`).
        static func indexMatches(_ match: String, upTo limit: Int) -> ListQuery {
            capped("SELECT rowid AS id FROM tracks_search WHERE tracks_search MATCH ? ORDER BY rowid", [match], upTo: limit, lastId: true)
        }

        /// Every track the search index matches, trashed and hidden ones too, counted: FTS5 walks
        /// its list of matches and reads nothing else, ~0.05 µs a match ("s": 99,312 in 5 ms at
        /// 100,000 tracks, where 1,001 look-ups of the likes' rows took 12; sqlite3 on the
        /// benchmark's database, docs/benchmarks.md, twelfth round). `TrackLibrary.surelyPastTheCap`.
        static func everyIndexMatch(_ match: String) -> ListQuery {
            ListQuery("SELECT count(*) FROM tracks_search WHERE tracks_search MATCH ?", [match])
        }

        /// What counting `indexMatches` matches with `everyIndexMatch` costs, in µs.
        static func everyIndexMatchMicros(_ indexMatches: Int) -> Double { Double(indexMatches) * 0.05 }
    }
}
