import GRDB
import SpoolStore

/// How a search of the library reads a page by title, and its total: the two choices that
/// depend on how many tracks the search matches (issue 19, seventh round in
/// docs/benchmarks.md). A search newest or oldest first walks the search index itself
/// (`walksSearchIndex` in TrackLibrary.swift).
extension TrackLibrary {
    /// How a page of a search by title is read.
    ///
    /// FTS5 lists its matches in rowid order, and no index holds them in title order, so a
    /// page either sorts every match or walks the title index and keeps the rows that match.
    /// Sorting costs each match a seek and a sort entry, ~5.7 µs (22.7 ms for "love"'s 3,981
    /// matches at 100,000 tracks, 39.6 ms for "a"'s 19,538); the walk costs each index entry
    /// it passes ~0.3 µs (one test against the list of matches) and passes about
    /// `(limit + 1) × among / matches` of them for a page, at most the whole index (4.0 ms for
    /// "love", 5.2 ms for "a"; 27.5 ms for "120"'s 26 matches, which sort in 0.4 ms). sqlite3
    /// on the benchmark's database, each the median of 7.
    enum TitleSearch: Equatable {
        /// List the matches, read their rows and sort them (few matches).
        case sortMatches
        /// Walk the title index (the library's, the trash's, or a source's) from the cursor and
        /// keep the rows in the list of matches (many matches).
        case walkTitleIndex

        /// The cheaper way for `matches` of `among` tracks: the walk once the sort's cost,
        /// `matches × 5.7 µs`, passes the walk's, `(limit + 1) × among / matches × 0.3 µs`,
        /// rounded to a ratio of 4 (not 19: the walk's cost grows when the matches cluster in
        /// one part of the order, the sort's does not). At 100,000 tracks and pages of 100 the
        /// walk starts at ~1,600 matches, where both take under 10 ms; at 1,000 tracks, at ~160.
        static func choice(matches: Int, among: Int, limit: Int) -> TitleSearch {
            Double(matches) * Double(matches) * 4 > Double(limit + 1) * Double(among) ? .walkTitleIndex : .sortMatches
        }
    }

    /// The partial title index `filter` walks in `TitleSearch.walkTitleIndex`: the library's or
    /// the trash's, of a source or of all (each holds `title COLLATE NOCASE, id` after the source).
    static func titleIndex(_ filter: Filter) -> String {
        switch (filter.trashed, filter.sourceId != nil) {
        case (false, false): "tracks_title"
        case (false, true): "tracks_source_title"
        case (true, false): "tracks_trashed_title"
        case (true, true): "tracks_trashed_source_title"
        }
    }

    /// The total of a search without a source or rating: how many of its matches are in the
    /// trash (a search of the trash), or are neither trashed nor hidden by the user (of the
    /// library). Two ways, the cheaper for the number of matches:
    /// - many: a set of the matches' ids (`matches`), in which each trashed and hidden id
    ///   (`others`: the two small partial indexes, in full) is looked up. FTS5's own walk of
    ///   "a"'s 19,538 matches at 100,000 tracks is 3.5–6 ms (1,976 trashed, 490 hidden);
    ///   through the server, a page of "a" went from 27.5 to 17.9 ms p50 with this way;
    /// - few: `seeking`, one SQL walk of the matches with a seek each into those two indexes,
    ///   ~1 µs a match, which costs nothing per trashed or hidden track. It took 20 ms for
    ///   "a" (and a list of the matches, `IN (SELECT rowid …)`, 13.5 ms before any seek).
    /// The set is taken once the matches are over half as many as the trashed and hidden ids
    /// (the stored counters say how many): "120"'s 26 matches took 3.4 ms a page by seeks,
    /// 4.6 ms by the set (sqlite3 and the server on the benchmark's database). No counter holds
    /// the hidden tracks in the trash, which the set's walk also reads (`others`); the estimate
    /// leaves them out, and only the choice of the way depends on it, never the count.
    struct SearchTotal {
        let match: String
        let trashed: Bool
        let userId: Int64

        var matches: ListQuery { ListQuery("SELECT rowid FROM tracks_search WHERE tracks_search MATCH ?", [match]) }

        /// The trashed ids, and for the library the user's hidden ones. `tracks_trash`
        /// (deleted_at), not `tracks_trashed` (id): SQLite 3.40 reads the table row of each
        /// entry of a partial index to check its WHERE unless the index holds the column.
        var others: [ListQuery] {
            let trash = ListQuery("SELECT id FROM tracks INDEXED BY tracks_trash WHERE deleted_at IS NOT NULL")
            if trashed { return [trash] }
            return [trash, ListQuery("""
                SELECT track_id FROM user_tracks INDEXED BY user_tracks_hidden WHERE user_id = ? AND hidden_at IS NOT NULL
                """, [userId])]
        }

        /// The count as one walk of the matches with a seek each (a match found in either index
        /// is left out of the library's count by its `LEFT JOIN … IS NULL`). Named indexes: they
        /// hold only the few rows looked for.
        var seeking: ListQuery {
            if trashed {
                return ListQuery("""
                    SELECT count(*) FROM tracks_search CROSS JOIN tracks INDEXED BY tracks_trashed ON tracks.id = tracks_search.rowid
                    WHERE tracks_search MATCH ? AND tracks.deleted_at IS NOT NULL
                    """, [match])
            }
            return ListQuery("""
                SELECT count(*) FROM tracks_search
                LEFT JOIN tracks INDEXED BY tracks_trashed ON tracks.id = tracks_search.rowid AND tracks.deleted_at IS NOT NULL
                LEFT JOIN user_tracks ut INDEXED BY user_tracks_hidden
                    ON ut.user_id = ? AND ut.track_id = tracks_search.rowid AND ut.hidden_at IS NOT NULL
                WHERE tracks_search MATCH ? AND tracks.id IS NULL AND ut.track_id IS NULL
                """, [userId, match])
        }

        /// The total, the cheaper way (see `SearchTotal`). A few matches are read twice (the
        /// set, then the seeking walk): the set is how many there are. The statements are the
        /// connection's cached ones (their text is the same for every search; the match is an
        /// argument), as the pages' are.
        func count(_ db: Database) throws -> Int {
            let matched = try matchedIds(db)
            var othersCount = try StoredCounts.tracks(db, trashed: true)
            if !trashed { othersCount += try StoredCounts.user(db, userId, owner: StoredCounts.everyOwner)[.hidden] ?? 0 }
            return matched.count * 2 < othersCount ? try countBySeeking(db) : try countBySet(db, matched)
        }

        func matchedIds(_ db: Database) throws -> Set<Int64> {
            var matched = Set<Int64>()
            let cursor = try Int64.fetchCursor(db.cachedStatement(sql: matches.sql), arguments: matches.arguments)
            while let id = try cursor.next() { matched.insert(id) }
            return matched
        }

        func countBySeeking(_ db: Database) throws -> Int {
            try Int.fetchOne(db.cachedStatement(sql: seeking.sql), arguments: seeking.arguments) ?? 0
        }

        func countBySet(_ db: Database, _ matched: Set<Int64>) throws -> Int {
            // A set, not a count: a track can be both trashed and hidden.
            var found = Set<Int64>()
            for query in others {
                let cursor = try Int64.fetchCursor(db.cachedStatement(sql: query.sql), arguments: query.arguments)
                while let id = try cursor.next() {
                    if matched.contains(id) { found.insert(id) }
                }
            }
            return trashed ? found.count : matched.count - found.count
        }
    }
}
