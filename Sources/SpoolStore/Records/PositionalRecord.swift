import GRDB

/// A record read by position, not by name: its `init(row:)` reads column 0, 1, 2, … of
/// `columnNames`. GRDB's Codable path converts every column's name from snake_case on every
/// row, which was most of a list's CPU: 50 % of the sources list at 500 sources, 24 % of a
/// library page of 100 tracks (perf, docs/benchmarks.md).
///
/// `columnNames` lists the table's columns in the table's own order (`RecordMappingTests`
/// holds the two together), so `SELECT *`, `RETURNING *`, `columnList` and GRDB's own requests
/// all give rows that `init(row:)` reads correctly:
///
/// ```swift
/// let track = try Track.fetchOne(db, key: 42)                       // GRDB selects columnNames
/// let same = try Track.fetchOne(db, sql: "SELECT * FROM tracks WHERE id = ?", arguments: [42])
/// ```
///
/// A query may select more columns after these (a join's); `init(row:)` never looks past its own.
public protocol PositionalRecord: FetchableRecord, TableRecord {
    /// Every column of the table, in the table's order.
    static var columnNames: [String] { get }
}

extension PositionalRecord {
    /// GRDB's requests (`fetchOne(db, key:)`, `filter(…)`, …) select exactly `columnNames`.
    public static var databaseSelection: [any SQLSelectable] { columnNames.map { Column($0) } }

    /// `columnNames` for SQL, each prefixed with `table` (`tracks.id, tracks.video_id, …`): for
    /// a join that selects this record's columns first.
    public static func qualifiedColumns(_ table: String) -> String {
        columnNames.map { "\(table).\($0)" }.joined(separator: ", ")
    }
}
