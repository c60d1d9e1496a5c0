import Foundation
import Logging

/// The writer's answer to SQLITE_BUSY, which inside Spool can only come from another process
/// (the sqlite3 shell, a backup tool): wait with a short, growing sleep up to a time limit, and
/// count every wait so it shows in `/api/health`.
struct BusyWaitPolicy: Sendable {
    let timeout: TimeInterval
    let statistics: WriterStatistics
    let logger: Logger

    /// SQLite calls this with the number of earlier calls for the same lock; `true` means retry.
    @Sendable func shouldRetry(numberOfTries: Int) -> Bool {
        let delay = Self.delay(forTry: numberOfTries)
        let waitedSoFar = (0..<numberOfTries).reduce(0.0) { $0 + Self.delay(forTry: $1) }
        guard waitedSoFar + delay <= timeout else {
            statistics.busyTimeoutDidHappen()
            logger.warning("Gave up waiting for a lock held by another process", metadata: ["waited_s": "\(waitedSoFar)"])
            return false
        }
        statistics.busyWaitDidHappen()
        Thread.sleep(forTimeInterval: delay)
        return true
    }

    /// 1, 2, 4 … ms, capped at 50 ms.
    static func delay(forTry numberOfTries: Int) -> TimeInterval {
        min(0.05, 0.001 * pow(2, Double(min(numberOfTries, 6))))
    }
}
