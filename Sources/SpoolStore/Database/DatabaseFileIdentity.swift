import Foundation
import Logging
import Synchronization

/// Notices when the database file is deleted or replaced under the running server (a restore
/// copied over it, a cleanup script, a volume swap). SQLite keeps writing to the open
/// descriptor of the old file: every write would be acknowledged and then lost at the next
/// start, while health said `ok`. The device and inode of the file as opened are compared with
/// what the path names now; once they differ, writes are refused with a clear error, health
/// reports it, and it is logged once, loudly.
final class DatabaseFileIdentity: Sendable {
    private let path: String
    private let opened: (device: UInt64, inode: UInt64)?
    private let logger: Logger
    private let reported = Mutex(false)

    init(path: String, logger: Logger) {
        self.path = path
        self.opened = Self.identity(of: path)
        self.logger = logger
    }

    /// Nil while the path still names the opened file; else what happened.
    func problem() -> String? {
        guard let opened else { return nil }
        let problem: String
        if let now = Self.identity(of: path) {
            guard now != opened else { return nil }
            problem = "The database file \(path) was replaced while Spool ran; writes are refused so nothing is lost silently. Restart Spool."
        } else {
            problem = "The database file \(path) was deleted while Spool ran; writes are refused so nothing is lost silently. Restart Spool."
        }
        let first = reported.withLock { reported -> Bool in
            defer { reported = true }
            return !reported
        }
        if first { logger.critical("\(problem)") }
        return problem
    }

    private static func identity(of path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}
