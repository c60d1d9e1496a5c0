import GRDB

/// A row type of Spool's schema: Swift properties in camelCase map to snake_case columns, and
/// dates are stored as REAL Unix seconds.
public protocol SpoolRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {}

extension SpoolRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
}
