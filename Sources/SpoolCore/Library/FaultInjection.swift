import Foundation

/// A test-only hook: `SPOOL_CRASH_AFTER=<point>` makes the process `_exit(137)` (as if killed)
/// right after the named step, so tests can prove that start-up reconciliation repairs what a
/// crash between two steps leaves behind. Points: `trash_mark` (delete: row marked, file not
/// moved yet), `trash_move` (delete: file moved), `restore_move` (restore: file moved back,
/// row not yet restored), `purge_rows` (purge: rows deleted, files not yet removed).
/// Unset in production, where every check is one comparison with `nil`.
enum FaultInjection {
    static let crashPoint: String? = ProcessInfo.processInfo.environment["SPOOL_CRASH_AFTER"]

    static func crashIfRequested(after point: String) {
        guard let crashPoint, crashPoint == point else { return }
        FileHandle.standardError.write(Data("SPOOL_CRASH_AFTER=\(point): exiting now\n".utf8))
        _exit(137)
    }
}
