import Foundation
import GRDB
import Logging
import SpoolStore

/// Delete with undo: moves a track's file into `LIBRARY_DIR/.trash/<track id>/` and back.
///
/// **Crash-safe order: the row first, the file second.** Each operation first commits where
/// the file *should* be (one short write: the row's `deleted_at`/`trash_path` and the
/// tombstone), then renames the file there. A crash between the two steps leaves a file
/// where its row does not expect it, never a lost file: `reconcile()` at start-up moves every
/// such file to where its row says. The trash location is derived from the track id, so it is
/// known even when the row no longer records it. Purge deletes rows first and files second, so
/// a crash leaves orphan files in `.trash/` (removed by `reconcile()`), never a row pointing
/// nowhere. No file operation runs inside a write transaction.
struct TrashService: Sendable {
    let database: SpoolDatabase
    let hub: EventHub
    let paths: LibraryPaths
    let locks: TrackLocks
    let logger: Logger

    /// What a delete did: the track as it is now, and whether a file was actually moved.
    struct Deletion: Sendable {
        let track: LibraryTrack
        let fileWasMissing: Bool
    }

    /// Moves a track to the trash. Deleting a trashed track returns it unchanged.
    func delete(_ id: Int64) throws -> Deletion? {
        try locks.withLock(id) {
            guard let current = try database.read({ try LibraryTrack.fetch($0, id: id) }) else { return nil }
            guard current.track.deletedAt == nil else { return Deletion(track: current, fileWasMissing: false) }
            let trashPath = paths.trashPath(trackId: id, filePath: current.track.filePath)
            let marked = try database.write { db -> LibraryTrack? in
                guard var track = try Track.fetchOne(db, key: id), track.deletedAt == nil else { return nil }
                track.deletedAt = Date()
                track.trashPath = trashPath
                try track.update(db)
                try Tombstone(videoId: track.videoId, channelId: track.channelId, title: track.title).save(db)
                return try LibraryTrack.fetch(db, id: id)
            }
            guard let marked else { return try database.read { try LibraryTrack.fetch($0, id: id) }.map { Deletion(track: $0, fileWasMissing: false) } }
            FaultInjection.crashIfRequested(after: "trash_mark")
            let moved = moveFile(of: marked.track, toTrash: true)
            FaultInjection.crashIfRequested(after: "trash_move")
            hub.publish("track.deleted", marked)
            return Deletion(track: marked, fileWasMissing: !moved)
        }
    }

    /// Puts a trashed track back. Restoring a track that is not in the trash returns it unchanged.
    func restore(_ id: Int64) throws -> LibraryTrack? {
        try locks.withLock(id) {
            guard let current = try database.read({ try LibraryTrack.fetch($0, id: id) }) else { return nil }
            guard current.track.deletedAt != nil else { return current }
            if let original = paths.absolute(current.track.filePath), LibraryPaths.exists(original),
               let trashed = current.track.trashPath.flatMap(paths.absolute), LibraryPaths.exists(trashed) {
                throw TrashError.restoreTargetTaken(current.track.filePath)
            }
            let restored = try database.write { db -> LibraryTrack? in
                guard var track = try Track.fetchOne(db, key: id), track.deletedAt != nil else { return nil }
                track.deletedAt = nil
                track.trashPath = nil
                try track.update(db)
                try Tombstone.deleteOne(db, key: track.videoId)
                return try LibraryTrack.fetch(db, id: id)
            }
            guard let restored else { return try database.read { try LibraryTrack.fetch($0, id: id) } }
            moveFile(of: restored.track, toTrash: false)
            FaultInjection.crashIfRequested(after: "restore_move")
            hub.publish("track.restored", restored)
            return restored
        }
    }

    /// Deletes trashed tracks (rows, then files) deleted before `cutoff`, or all of them.
    /// Tombstones stay, so channel re-syncs still skip the videos.
    @discardableResult
    func purge(deletedBefore cutoff: Date? = nil, limit: Int = 500) throws -> Int {
        let victims = try database.read { db in
            try Track.fetchAll(db, sql: """
                SELECT * FROM tracks WHERE deleted_at IS NOT NULL AND deleted_at <= ? ORDER BY deleted_at LIMIT ?
                """, arguments: [(cutoff ?? Date.distantFuture).timeIntervalSince1970, limit])
        }
        guard !victims.isEmpty else { return 0 }
        let ids = victims.compactMap(\.id)
        let purged = try locks.withLocks(ids) {
            try database.write { db -> [Track] in
                // Re-read under the locks: a restore may have won the race.
                let still = try Track.fetchAll(db, keys: ids).filter { $0.deletedAt != nil }
                try Track.deleteAll(db, keys: still.compactMap(\.id))
                return still
            }
        }
        FaultInjection.crashIfRequested(after: "purge_rows")
        for track in purged {
            removeTrashFolder(of: track.id!)
            hub.publish("track.purged", ["id": track.id!])
        }
        return purged.count
    }

    /// Purges everything in the trash, in batches.
    func purgeAll() throws -> Int {
        var total = 0
        while true {
            let purged = try purge()
            total += purged
            if purged == 0 { return total }
        }
    }

    /// Start-up repair: moves every file to where its row says it should be, and removes
    /// trash folders no row claims (left by a purge interrupted between its two steps).
    func reconcile() throws {
        let trashed = try database.read { db in
            try Track.fetchAll(db, sql: "SELECT * FROM tracks WHERE deleted_at IS NOT NULL")
        }
        for track in trashed {
            moveFile(of: track, toTrash: true)
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
                moveFile(of: track, toTrash: false)
            }
        }
    }

    /// Moves the file toward the trash or back, if it is not already there. Returns whether the
    /// file is now where the row expects it.
    @discardableResult
    private func moveFile(of track: Track, toTrash: Bool) -> Bool {
        guard let id = track.id,
              let original = paths.absolute(track.filePath),
              let trashed = paths.absolute(paths.trashPath(trackId: id, filePath: track.filePath)) else { return false }
        let (source, target) = toTrash ? (original, trashed) : (trashed, original)
        if LibraryPaths.exists(target) { return true }
        guard LibraryPaths.exists(source) else {
            logger.warning("A track's file is missing", metadata: ["track": "\(id)", "path": "\(track.filePath)"])
            return false
        }
        do {
            try LibraryPaths.move(from: source, to: target)
            if !toTrash { LibraryPaths.removeEmptyFolder((trashed as NSString).deletingLastPathComponent) }
            return true
        } catch {
            logger.error("Moving a track's file failed", metadata: ["track": "\(id)", "error": "\(error)"])
            return false
        }
    }

    private func removeTrashFolder(of id: Int64) {
        try? FileManager.default.removeItem(atPath: paths.root + "/" + paths.trashFolder(trackId: id))
    }
}

/// A trash operation that cannot be done as asked.
enum TrashError: Error, CustomStringConvertible {
    case restoreTargetTaken(String)

    var description: String {
        switch self {
        case .restoreTargetTaken(let path): "Cannot restore: another file now sits at \(path)."
        }
    }
}
