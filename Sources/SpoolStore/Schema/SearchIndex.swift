import GRDB

/// The library's search index (`tracks_search`, FTS5 over track titles and uploaders, kept by
/// the triggers of v2; prefixes of one and two letters indexed since v14) and its upkeep.
///
/// FTS5 writes each transaction's new entries as a new segment and merges segments only when
/// four of one size pile up, so a library that grew by downloads holds several: the benchmark's
/// seeded 100,000 tracks had 9. A search that looks one track up in the index (`EXISTS … MATCH
/// … AND rowid = ?`, the walks of `TrackLibrary.OrderedSearch`) seeks every segment: ~2 µs each,
/// 18–23 µs a look-up with 9 segments and 5–7 µs with one (sqlite3 on the benchmark's
/// database; docs/benchmarks.md, eleventh round). Housekeeping merges them back into one
/// (`mergeStep`), in steps short enough to hold the writer a few milliseconds each.
public enum SearchIndex {
    /// How many segments the search index holds: one per distinct `segid` in its shadow table
    /// `tracks_search_idx` (a row per segment's b-tree page of terms; 890 rows at 100,000
    /// tracks, read in ~5 µs through its primary key).
    ///
    /// ```swift
    /// let segments = try SearchIndex.segments(db)   // 1 after a full merge
    /// ```
    public static func segments(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(DISTINCT segid) FROM tracks_search_idx")) ?? 0
    }

    /// From how many segments housekeeping merges the index into one. A merge rewrites the
    /// whole index (9.8 MB at 100,000 tracks: 175 steps, 240 ms of writer time in all), so it
    /// waits until look-ups cost about twice a merged index's (4 segments: ~12 µs against 6).
    public static let mergeFrom = 4

    /// How many pages of the index one merge step writes: FTS5's incremental merge
    /// (`INSERT INTO tracks_search(tracks_search, rank) VALUES ('merge', -N)`; negative: merge
    /// every segment into one, as `optimize` does at once). Four pages held the writer 0.9 ms
    /// p50 and 6.6 ms at the longest at 100,000 tracks, one page 0.7 and 13 (its steps are more,
    /// so the disk's slow commits fall on more of them); `optimize` in one transaction held it
    /// 310 ms (docs/benchmarks.md, eleventh round).
    public static let pagesPerMergeStep = 4

    /// One step of merging every segment into one, in the caller's write transaction; true
    /// when it did work (FTS5 changes no row once the index is one segment, SQLite's own test
    /// for the end of an incremental merge).
    ///
    /// ```swift
    /// while try database.write(priority: .background, work: .mergeSearchIndex, SearchIndex.mergeStep) {}
    /// ```
    public static func mergeStep(_ db: Database) throws -> Bool {
        let before = db.totalChangesCount
        try db.execute(sql: "INSERT INTO tracks_search(tracks_search, rank) VALUES ('merge', ?)", arguments: [-pagesPerMergeStep])
        return db.totalChangesCount - before > 1
    }
}
