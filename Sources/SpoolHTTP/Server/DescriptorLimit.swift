import Foundation

/// The process's descriptor limit (`RLIMIT_NOFILE`), and how many connections fit under it.
///
/// The soft limit is often 1,024 while the hard limit is far higher (systemd and Docker set
/// 524,288 or more): raising the soft limit to the hard one at start-up costs nothing and is
/// what every server does. What cannot be raised is then shared out: a connection may hold two
/// descriptors (its socket and the file being sent), and `reserved` are kept for the rest of
/// the process (SQLite: three per connection; yt-dlp's pipes; logs; the loop's own).
enum DescriptorLimit {
    /// Descriptors kept for everything that is not a client connection.
    static let reserved = 128

    /// Raises the soft limit to the hard limit; returns the soft limit now in force.
    @discardableResult
    static func raiseSoftLimitToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
    }

    /// The most connections `softLimit` descriptors can serve next to the reserve.
    static func connectionCapacity(softLimit: Int) -> Int {
        max(1, (softLimit - reserved) / 2)
    }
}
