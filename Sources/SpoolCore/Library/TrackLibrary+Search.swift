import GRDB
import SpoolStore

/// How a search of the library reads a page by title or by plays, and its total: the choices
/// that depend on how many tracks the search matches (issue 19, seventh and ninth rounds in
/// docs/benchmarks.md). A search newest or oldest first walks the search index itself
/// (`walksSearchIndex` in TrackLibrary.swift).
extension TrackLibrary {
    /// How a page of a search in an order the search index does not hold is read: by title
    /// (the title index), or by plays (the user's played tracks in `user_tracks_plays`; the
    /// never-played ones after them walk the search index newest first, `searchByPlaysQueries`).
    ///
    /// FTS5 lists its matches in rowid order, and no index holds them in title order, so a
    /// page either sorts every match or walks the title index and keeps the rows that match.
    /// Sorting costs each match a seek and a sort entry, ~5.7 µs (22.7 ms for "love"'s 3,981
    /// matches at 100,000 tracks, 39.6 ms for "a"'s 19,538); the walk costs each index entry
    /// it passes ~0.3 µs (one test against the list of matches) and passes about
    /// `(limit + 1) × among / matches` of them for a page, at most the whole index (4.0 ms for
    /// "love", 5.2 ms for "a"; 27.5 ms for "120"'s 26 matches, which sort in 0.4 ms). sqlite3
    /// on the benchmark's database, each the median of 7.
    enum OrderedSearch: Equatable {
        /// List the matches, read their rows and sort them (few matches).
        case sortMatches
        /// Walk the order's index (the library's, the trash's, or a source's title index; the
        /// user's plays) from the cursor and keep the rows in the list of matches (many matches).
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
            return squared * 4 > walked ? .walkOrderIndex : .sortMatches
        }

        /// Whether the page walks the order's index.
        var walks: Bool { self != .sortMatches }
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

        /// Every track the search index matches, trashed and hidden ones too: FTS5 reads its
        /// lists of matches and no table (`OrderedSearch`'s estimate once a total is capped).
        static func indexMatches(_ match: String) -> ListQuery {
            ListQuery("SELECT count(*) FROM tracks_search WHERE tracks_search MATCH ?", [match])
        }
    }
}
