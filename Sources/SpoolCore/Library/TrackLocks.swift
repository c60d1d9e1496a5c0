import Foundation

/// Serialises the file-and-row steps of trash operations per track, so a delete, a restore and
/// a purge of the same track never interleave (e.g. a purge deleting the row between a
/// restore's file move and its database write). Locks are striped: different tracks rarely
/// wait for each other, and memory does not grow with the library.
final class TrackLocks: Sendable {
    private let stripes: [NSLock]

    init(stripeCount: Int = 64) {
        self.stripes = (0..<max(1, stripeCount)).map { _ in NSLock() }
    }

    private func stripe(of trackId: Int64) -> Int {
        Int(UInt64(bitPattern: trackId) % UInt64(stripes.count))
    }

    /// Runs `body` holding the lock of `trackId`.
    func withLock<T>(_ trackId: Int64, _ body: () throws -> T) rethrows -> T {
        let lock = stripes[stripe(of: trackId)]
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` holding the locks of every track in `trackIds`, taken in stripe order so two
    /// callers can never deadlock.
    func withLocks<T>(_ trackIds: [Int64], _ body: () throws -> T) rethrows -> T {
        let indexes = Set(trackIds.map(stripe(of:))).sorted()
        for index in indexes { stripes[index].lock() }
        defer { for index in indexes.reversed() { stripes[index].unlock() } }
        return try body()
    }
}
