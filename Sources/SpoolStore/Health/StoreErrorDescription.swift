import GRDB

/// How a storage error is told in logs: SQLite's own words for a lock held too long ("database
/// is locked") are what the app Spool replaces showed its users, and they would mislead an
/// operator here (the only source is another program holding the file, see `BusyWaitPolicy`),
/// so they are told plainly.
public enum StoreErrorDescription {
    public static func plain(_ error: any Error) -> String {
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return "another program held the database past DB_BUSY_TIMEOUT_MS (SQLite code \(error.resultCode.rawValue))"
        }
        return "\(error)"
    }
}
