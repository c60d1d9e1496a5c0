import Foundation
import GRDB
import Logging
import SpoolStore

/// Delete with undo: moves every file of a track (media, thumbnail, info JSON) into
/// `LIBRARY_DIR/.trash/<track id>/` and back.
///
/// **Crash-safe order: the row first, the files second.** Each operation first commits where
/// the files *should* be (one short write: the row's `deleted_at`/`trash_path` and the
/// tombstone), then renames them there. A crash between the two steps leaves files where
/// their row does not expect them, never a lost file: `reconcile()` at start-up moves every
/// such file to where its row says. The trash location is derived from the track id, so it is
/// known even when the row no longer records it. Purge deletes rows first and files second, so
/// a crash leaves orphan files in `.trash/` (removed by `reconcile()`), never a row pointing
/// nowhere. No file operation runs inside a write transaction.
///
/// When the library cannot be written (a read-only mount, no permission), a delete or restore
/// changes nothing and says so (`DomainError.unavailable`): the row is put back.
public struct TrashService: Sendable {
    let database: SpoolDatabase
    let hub: EventHub
    let paths: LibraryPaths
    let locks: TrackLocks
    let logger: Logger

    /// What a delete did: the track as it is now, and whether a file was actually moved.
    public struct Deletion: Sendable {
        public let track: LibraryTrack
        public let fileWasMissing: Bool
    }

    /// Moves a track to the trash. Deleting a trashed track returns it unchanged.
    /// - Parameters:
    ///   - userId: whose state the returned track carries (the caller's).
    ///   - work: the housekeeping doing it (retention), whose writer hold is measured.
    public func delete(_ id: Int64, for userId: Int64? = nil, work: HousekeepingWork? = nil) throws -> Deletion {
        try locks.withLock(id) {
            guard let current = try database.read({ try LibraryTrack.fetch($0, id: id, userId: userId) }) else {
                throw DomainError.notFound("No track with id \(id).")
            }
            guard current.track.deletedAt == nil else { return Deletion(track: current, fileWasMissing: false) }
            try requireWritable(current.track, toTrash: true)
            let trashPath = paths.trashPath(trackId: id, filePath: current.track.filePath)
            let marked = try database.write(work: work) { db -> LibraryTrack? in
                guard try TrackStore.markTrashed(id, trashPath: trashPath, db) != nil else { return nil }
                return try LibraryTrack.fetch(db, id: id, userId: userId)
            }
            guard let marked else {
                return Deletion(track: try database.read { try LibraryTrack.fetch($0, id: id, userId: userId) } ?? current, fileWasMissing: false)
            }
            FaultInjection.crashIfRequested(after: "trash_mark")
            let moved: Bool
            do {
                moved = try moveFiles(of: marked.track, toTrash: true)
            } catch {
                // The files could not move: the track stays where it is, and so does its row.
                _ = try? database.write { db in try TrackStore.unmarkTrashed(id, db) }
                throw DomainError.unavailable("The track was not deleted: \(error)")
            }
            FaultInjection.crashIfRequested(after: "trash_move")
            hub.publish(.trackDeleted(marked.shared))
            return Deletion(track: marked, fileWasMissing: !moved)
        }
    }

    /// Puts a trashed track back. Restoring a track that is not in the trash returns it unchanged.
    public func restore(_ id: Int64, for userId: Int64? = nil) throws -> LibraryTrack {
        try locks.withLock(id) {
            guard let current = try database.read({ try LibraryTrack.fetch($0, id: id, userId: userId) }) else {
                throw DomainError.notFound("No track with id \(id).")
            }
            guard current.track.deletedAt != nil else { return current }
            if let original = paths.absolute(current.track.filePath), LibraryPaths.exists(original),
               let trashed = current.track.trashPath.flatMap(paths.absolute), LibraryPaths.exists(trashed) {
                throw DomainError.conflict("Cannot restore: another file now sits at \(current.track.filePath).")
            }
            try requireWritable(current.track, toTrash: false)
            let restored = try database.write { db -> LibraryTrack? in
                guard try TrackStore.unmarkTrashed(id, keep: true, db) != nil else { return nil }
                return try LibraryTrack.fetch(db, id: id, userId: userId)
            }
            guard let restored else { return try database.read { try LibraryTrack.fetch($0, id: id, userId: userId) } ?? current }
            do {
                try moveFiles(of: restored.track, toTrash: false)
            } catch {
                let trashPath = paths.trashPath(trackId: id, filePath: restored.track.filePath)
                _ = try? database.write { db in try TrackStore.markTrashed(id, trashPath: trashPath, db) }
                throw DomainError.unavailable("The track was not restored: \(error)")
            }
            FaultInjection.crashIfRequested(after: "restore_move")
            hub.publish(.trackRestored(restored.shared))
            return restored
        }
    }

    /// How many tracks one purge transaction deletes. A track goes with its search entry, its
    /// play events (10 per track in the benchmark's library), every user's state, playlist
    /// entries and counters: 0.4–0.8 ms each at 100,000 tracks and 1,000,000 play events (the
    /// users' rows and their counters' triggers half of it; Python's sqlite3 on a copy of the
    /// seeded database: 10 tracks p50 7.6 ms, p90 10.8 ms), so batches of 500 held the writer for
    /// a second and 10 for 8–11 ms; 5 keep a click's wait behind one to a few milliseconds
    /// (`scripts/bench/scale.py`, docs/benchmarks.md).
    static let purgeBatchSize = 5

    /// Deletes trashed tracks (rows, then files) deleted before `cutoff`, or all of them, at
    /// most `limit` per call, `purgeBatchSize` per transaction. Tombstones stay, so channel
    /// re-syncs still skip the videos.
    @discardableResult
    public func purge(deletedBefore cutoff: Date? = nil, limit: Int = 500) throws -> Int {
        let query = Self.purgeQuery(deletedBefore: cutoff, limit: limit)
        let victims = try database.read { db in try Int64.fetchAll(db, sql: query.sql, arguments: query.arguments) }
        var count = 0
        for start in stride(from: 0, to: victims.count, by: Self.purgeBatchSize) {
            let batch = Array(victims[start..<min(start + Self.purgeBatchSize, victims.count)])
            let purged = try locks.withLocks(batch) {
                try database.write(priority: .background, work: .purgeTrash) { db in try TrackStore.deleteTrashed(batch, db) }
            }
            FaultInjection.crashIfRequested(after: "purge_rows")
            for track in purged {
                removeTrashFolder(of: track.id!)
                hub.publish(.trackPurged(trackId: track.id!))
            }
            count += purged.count
        }
        return count
    }

    /// The oldest trashed tracks, deleted before `cutoff`: a range of `tracks_trash`.
    static func purgeQuery(deletedBefore cutoff: Date?, limit: Int) -> ListQuery {
        ListQuery("SELECT id FROM tracks WHERE deleted_at IS NOT NULL AND deleted_at <= ? ORDER BY deleted_at LIMIT ?",
                  [(cutoff ?? Date.distantFuture).timeIntervalSince1970, limit])
    }

    /// Purges everything in the trash, in batches.
    public func purgeAll() throws -> Int {
        var total = 0
        while true {
            let purged = try purge()
            total += purged
            if purged == 0 { return total }
        }
    }

    /// Start-up repair: moves every file to where its row says it should be, and removes
    /// trash folders no row claims (left by a purge interrupted between its two steps).
    public func reconcile() throws {
        let trashed = try database.read { db in
            try Track.fetchAll(db, sql: "SELECT * FROM tracks WHERE deleted_at IS NOT NULL")
        }
        for track in trashed {
            _ = try? moveFiles(of: track, toTrash: true)
        }
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: paths.trashRoot)) ?? []
        let ids = folders.compactMap(Int64.init)
        guard !ids.isEmpty else { return }
        let rows = try database.read { db in try Track.fetchAll(db, keys: ids) }
        let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0.id!, $0) })
        for id in ids {
            guard let track = byId[id] else {
                logger.notice("Removing a trash folder no track claims (an interrupted purge)", metadata: ["folder": "\(id)"])
                removeTrashFolder(of: id)
                continue
            }
            if track.deletedAt == nil {
                _ = try? moveFiles(of: track, toTrash: false)
            }
        }
    }

    /// Refuses early, before the row changes, when the folders a move needs are not writable.
    private func requireWritable(_ track: Track, toTrash: Bool) throws {
        guard let media = paths.absolute(track.filePath) else { return }
        let folders = [(media as NSString).deletingLastPathComponent, paths.trashRoot]
        for folder in folders where LibraryPaths.exists(folder) && access(folder, W_OK) != 0 {
            throw DomainError.unavailable("The library folder \(folder) is read-only; nothing was \(toTrash ? "deleted" : "restored").")
        }
    }

    /// Moves every file of a track toward the trash or back, unless it is already there.
    /// Returns whether the media file is now where the row expects it; throws when a file
    /// exists but cannot be moved (everything already moved goes back first).
    @discardableResult
    private func moveFiles(of track: Track, toTrash: Bool) throws -> Bool {
        guard let id = track.id else { return false }
        var mediaInPlace = false
        var done: [(from: String, to: String)] = []
        for (index, relative) in Library.files(of: track).enumerated() {
            guard let original = paths.absolute(relative),
                  let trashed = paths.absolute(paths.trashPath(trackId: id, filePath: relative)) else { continue }
            let (source, target) = toTrash ? (original, trashed) : (trashed, original)
            if LibraryPaths.exists(target) {
                if index == 0 { mediaInPlace = true }
                continue
            }
            guard LibraryPaths.exists(source) else {
                if index == 0 {
                    logger.warning("A track's file is missing", metadata: ["track": "\(id)", "path": "\(relative)"])
                }
                continue
            }
            do {
                try LibraryPaths.move(from: source, to: target)
                done.append((source, target))
                if index == 0 { mediaInPlace = true }
            } catch {
                for undo in done.reversed() { _ = rename(undo.to, undo.from) }
                logger.error("Moving a track's file failed", metadata: ["track": "\(id)", "error": "\(error)"])
                throw error
            }
        }
        if !toTrash { LibraryPaths.removeEmptyFolder(paths.root + "/" + paths.trashFolder(trackId: id)) }
        return mediaInPlace
    }

    private func removeTrashFolder(of id: Int64) {
        try? FileManager.default.removeItem(atPath: paths.root + "/" + paths.trashFolder(trackId: id))
    }
}
