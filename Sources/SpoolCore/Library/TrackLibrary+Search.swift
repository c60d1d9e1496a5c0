import GRDB
import SpoolStore

/// How a search of the library reads a page by title or by plays, or within a source or a
/// rating, and its total: the choices that depend on how many tracks the search matches (issue
/// 19, seventh, ninth and tenth rounds in docs/benchmarks.md). A search of the whole library
/// newest or oldest first walks the search index itself (`walksSearchIndex` in TrackLibrary.swift).
extension TrackLibrary {
    /// How a page of a search is read when another index than the search index can deliver it:
    /// by title (the title index), by plays (the user's played tracks in `user_tracks_plays`; the
    /// never-played ones after them walk the search index newest first, `searchByPlaysQueries`),
    /// or newest or oldest first within a source or the user's likes or dislikes (the source's
    /// index, `user_tracks_rating`; `choiceWithin`).
    ///
    /// FTS5 lists its matches in rowid order, and no index holds them in title order, so a
    /// page either sorts every match or walks the title index and keeps the rows that match.
    enum OrderedSearch: Equatable {
        /// Read the matches first and test the rest of the filter on each: in id order a walk of
        /// the search index, which stops after the page; in another order a sort of them all
        /// (few matches).
        case matchesFirst
        /// Walk the order's index (the library's, the trash's, or a source's title index; the
        /// user's plays; in id order the source's tracks or the user's rated ones) from the
        /// cursor and keep the rows in the list of matches (many matches).
        case walkOrderIndex
        /// Walk the order's index and look each row up in the search index (FTS5 seeks the row's
        /// id in its lists of matches): for matches so dense that listing them all costs more
        /// than the few rows the walk passes. "s" matches 99,312 of 100,000 tracks: its list
        /// took 31 ms, the walk with a look-up each 3 ms; a look-up costs 5–90 µs (120 ms for
        /// "lo"'s 7,649 matches, whose list took 3 ms). sqlite3 on the benchmark's database.
        case walkOrderIndexLookingUpEach

        /// The cheaper way for `matches` of `among` tracks: the walk once the sort's cost,
        /// `matches × 5.7 µs`, passes the walk's, `(limit + 1) × among / matches × 0.3 µs`,
        /// rounded to a ratio of 4 (not 19: the walk's cost grows when the matches cluster in
        /// one part of the order, the sort's does not). At 100,000 tracks and pages of 100 the
        /// walk starts at ~1,600 matches, where both take under 10 ms; at 1,000 tracks, at ~160.
        /// The walk looks each row up once the list's cost, `matches × 0.3 µs`, passes the
        /// look-ups' at their dearest, `(limit + 1) × among / matches × 90 µs`: from ~55,000
        /// matches at 100,000 tracks and pages of 100 (never at 1,000 tracks).
        static func choice(matches: Int, among: Int, limit: Int) -> OrderedSearch {
            let squared = Double(matches) * Double(matches), walked = Double(limit + 1) * Double(among)
            if squared > walked * 300 { return .walkOrderIndexLookingUpEach }
            return squared * 4 > walked ? .walkOrderIndex : .matchesFirst
        }

        /// The cheapest way to read `wanted` rows in id order (a page newest or oldest first, or
        /// a capped count) of a search within a restriction (a source, the user's likes or
        /// dislikes, or both) of `within` tracks, whose own index walked holds `walked` (the
        /// source's, or the rated rows without a source), when the search index matches
        /// `matches` of the `library`'s tracks. A restriction holds about
        /// `matches × within / library` of them, as many in each part of the ids, so
        /// - reading the matches passes `wanted × library / within` of them (at most all), each
        ///   tested by a seek of its track or the user's row: ~1.3 µs where the matches are
        ///   sparse, ~0.3 where nearly every track matches (the seeks then read the tracks'
        ///   pages one after another: "s" passed 9,550 matches in 2 ms);
        /// - walking the restriction passes `wanted × walked / in it` entries (at most all), after
        ///   a list of every match (~0.15 µs a match): ~0.4 µs each;
        /// - or looks each up in the search index instead of listing: `lookUpMicros`.
        /// sqlite3 on the benchmark's database (100,000 tracks; docs/benchmarks.md, tenth
        /// round): "a" (19,538 matches) within the biggest source (10,480 tracks) reads its
        /// matches (2.1 ms a page, 6.2 by the list); within a source of 26 tracks it walks the
        /// source (0.6–2.8 ms, 17 ms by the matches); "s" (99,312) within the 921 dislikes looks
        /// up each (the list alone costs 15 ms).
        static func choiceWithin(matches: Int, library: Int, within: Int, walked: Int, wanted: Int, lookUpMicros: Double) -> OrderedSearch {
            let matches = Double(max(1, matches)), library = Double(max(1, library, Int(matches)))
            let within = Double(max(1, within)), walked = Double(max(1, walked)), wanted = Double(wanted)
            let inRestriction = max(1, matches * within / library)
            let matchesPassed = min(matches, wanted * library / within)
            let walkPassed = min(walked, wanted * walked / inRestriction)
            let costs: [(OrderedSearch, Double)] = [(.matchesFirst, matchesPassed * (0.3 + 1.0 * (1 - matches / library))),
                                                    (.walkOrderIndex, matches * 0.15 + walkPassed * 0.4),
                                                    (.walkOrderIndexLookingUpEach, walkPassed * lookUpMicros)]
            return costs.min { $0.1 < $1.1 }!.0
        }

        /// What one look-up of a row in the search index costs for `match`es of `words` words,
        /// in µs: ~16 for the statement (FTS5 sets up its cursor per row), ~5 more a word, and a
        /// last word longer than the prefix index's 2 letters merges the lists of every word it
        /// begins on each look-up ("love": 130 µs, "night" 190, against 20–26 for "a" or "s";
        /// sqlite3 on the benchmark's database).
        static func lookUpMicros(words: [Substring]) -> Double {
            25 * Double(max(1, words.count)) + ((words.last?.count ?? 0) > 2 ? 175 : 0)
        }

        /// Whether the page walks the order's index.
        var walks: Bool { self != .matchesFirst }
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
    }
}
