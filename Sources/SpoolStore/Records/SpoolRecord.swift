import Foundation
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

extension Date {
    /// A date stored as REAL Unix seconds (how Spool's schema keeps every date).
    public init(unixSeconds: Double) {
        self.init(timeIntervalSince1970: unixSeconds)
    }

    public init?(unixSeconds: Double?) {
        guard let unixSeconds else { return nil }
        self.init(timeIntervalSince1970: unixSeconds)
    }
}
