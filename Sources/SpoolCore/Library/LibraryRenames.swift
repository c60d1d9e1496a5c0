import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolStore

/// Renaming existing files after a profile's name template changed: a preview of what would
/// move, and the `library_rename` job that moves them.
///
/// **Crash-safe order, as the trash's: the row first, the files second.** For each track, one
/// short write commits the row's new paths together with a `file_moves` journal entry listing
/// every `[from, to]`; then the files are renamed (never replacing a file); then the entry is
/// removed. A crash in between leaves the entry, and `reconcile()` at start-up moves whatever is
/// still at its old place. The job itself is resumable: it is a queued job like any other (a
/// killed server's job comes back after its lease), and it skips every track already at its
/// name, so running it again continues where it stopped.
///
/// A track in the trash keeps its name (its files come back to it on restore). A file open for
/// playback keeps playing: `rename(2)` does not disturb an open descriptor.
///
/// ```swift
/// let preview = try renames.preview(profileId: 2)   // 1,204 of 1,250 tracks would move
/// let job = try renames.start(profileId: 2)          // queued; progress on the live feed
/// ```
public struct LibraryRenames: Sendable {
    let database: SpoolDatabase
    let queue: JobQueue
    let paths: LibraryPaths
    let locks: TrackLocks
    let hub: EventHub
    let logger: Logger
    /// Tracks read per batch: one read of 200 rows is ~1 ms, and a batch's moves take far longer.
    static let batchSize = 200

    /// What a template change would do to a profile's existing files.
    public struct Preview: Sendable, Equatable {
        public var template: String
        /// Tracks of the profile (not in the trash).
        public var tracks: Int
        /// Of these, how many would move.
        public var toMove: Int
        /// The first few moves, for the user to check the template.
        public var examples: [Move]
    }

    /// One track's media file, from its current name to its new one.
    public struct Move: Sendable, Equatable, Codable {
        public var trackId: Int64
        public var from: String
        public var to: String
    }

    /// How many tracks of `profileId` would move, and the first `exampleLimit` of them. Reads
    /// only; collisions are resolved for real when the job moves them.
    public func preview(profileId: Int64, exampleLimit: Int = 5) throws -> Preview {
        let template = try self.template(of: profileId)
        var preview = Preview(template: template.text, tracks: 0, toMove: 0, examples: [])
        try forEachBatch(profileId: profileId) { batch in
            preview.tracks += batch.count
            for candidate in batch {
                let target = template.render(candidate.values)
                guard !Self.isSameName(candidate.track.filePath, target) else { continue }
                preview.toMove += 1
                if preview.examples.count < exampleLimit {
                    preview.examples.append(Move(trackId: candidate.track.id!, from: candidate.track.filePath, to: target))
                }
            }
            return true
        }
        return preview
    }

    /// Queues the job that moves `profileId`'s files to their template names; an active one for
    /// the same profile is returned instead of a second.
    public func start(profileId: Int64) throws -> Job {
        _ = try template(of: profileId)
        let payload = RenamePayload(profileId: profileId)
        let encoded = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        if let running = try database.read({ db in
            try Job.fetchOne(db, sql: "SELECT * FROM jobs WHERE kind = ? AND payload = ? AND status IN \(JobStatus.active.sql)",
                             arguments: [JobKind.libraryRename.rawValue, encoded])
        }) {
            return running
        }
        let result = try queue.enqueue([NewJob(kind: JobKind.libraryRename.rawValue, payload: encoded, priority: 1,
                                               title: "Rename files of profile \(profileId)", maxAttempts: 3)])
        guard let id = result.insertedIds.first, let job = try queue.job(id) else {
            throw DomainError.conflict("The rename job could not be queued.")
        }
        return job
    }

    /// The outcome of moving one track.
    enum Outcome: Equatable {
        case moved
        case inPlace
        /// The name is taken (by another row, or a file appeared there): try the next suffix.
        case taken
        /// The track changed meanwhile (deleted, re-downloaded): leave it.
        case skipped
    }

    /// Moves every track of `profileId` not at its template name; reports progress, stops when
    /// cancelled. Returns how many moved and how many were already in place.
    func run(profileId: Int64, context: JobContext?) throws -> (moved: Int, inPlace: Int) {
        let template = try template(of: profileId)
        let total = try database.read { db in
            try owners(of: profileId, db).reduce(0) { $0 + (try StoredCounts.tracks(db, owner: $1 ?? StoredCounts.noSource, trashed: false)) }
        }
        var moved = 0, inPlace = 0, done = 0
        try forEachBatch(profileId: profileId) { batch in
            for candidate in batch {
                if context?.isCancelled == true { return false }
                context?.touch()
                switch try place(candidate, template: template) {
                case .moved: moved += 1
                default: inPlace += 1
                }
                done += 1
            }
            context?.reportProgress(JobProgress(percent: total == 0 ? 100 : Double(done) * 100 / Double(total)))
            return true
        }
        return (moved, inPlace)
    }

    /// Moves one track to the first free name its template renders: the plain one, then ` (2)`…
    private func place(_ candidate: Candidate, template: NameTemplate) throws -> Outcome {
        for attempt in 1...Library.maximumNameAttempts {
            let target = template.render(candidate.values, suffix: attempt == 1 ? "" : " (\(attempt))")
            if Self.isSameName(candidate.track.filePath, target) { return .inPlace }
            let outcome = try move(candidate.track, toMedia: target)
            if outcome != .taken { return outcome }
        }
        logger.warning("No free name for a track; it keeps its name", metadata: ["track": "\(candidate.track.id!)"])
        return .inPlace
    }

    private enum Marking {
        case skipped, taken
        case marked(LibraryTrack)
    }

    /// Moves every file of `track` so that its media is at `media` (library-relative): the row
    /// and the journal first, then the files, then the journal entry goes.
    func move(_ track: Track, toMedia media: String) throws -> Outcome {
        let id = track.id!
        return try locks.withLock(id) {
            let moves = Self.moves(of: track, toMedia: media)
            let journal = String(decoding: try JSONEncoder().encode(moves.map { [$0.from, $0.to] }), as: UTF8.self)
            let marking = try database.write { db -> Marking in
                guard let current = try Track.fetchOne(db, key: id), current.deletedAt == nil,
                      current.filePath == track.filePath else { return .skipped }
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM tracks WHERE file_path = ? AND id <> ?", arguments: [media, id]) == true {
                    return .taken
                }
                try TrackStore.beginMove(id, files: Self.renamed(current, moves), journal: journal, db)
                return try LibraryTrack.fetch(db, id: id).map(Marking.marked) ?? .skipped
            }
            let marked: LibraryTrack
            switch marking {
            case .skipped: return .skipped
            case .taken: return .taken
            case .marked(let track): marked = track
            }
            FaultInjection.crashIfRequested(after: "rename_mark")
            do {
                try moveFiles(moves, strict: true)
            } catch let error as FileMoveError where error.isTaken {
                // A file sits at the new name (one Spool does not know of): the row goes back.
                try database.write { db in try TrackStore.undoMove(id, files: track, db) }
                return .taken
            }
            FaultInjection.crashIfRequested(after: "rename_move")
            try database.write { db in try TrackStore.endMove(id, db) }
            removeEmptyFolders(left: moves)
            hub.publish(.trackUpdated(marked.shared))
            return .moved
        }
    }

    /// Start-up repair: finishes every move a crash interrupted (files still at their old
    /// names go to the names their rows already have) and clears the journal.
    public func reconcile() throws {
        let pending = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT track_id, moves FROM file_moves")
        }
        for row in pending {
            let id: Int64 = row["track_id"]
            let text: String = row["moves"]
            let pairs = (try? JSONDecoder().decode([[String]].self, from: Data(text.utf8))) ?? []
            let moves = pairs.filter { $0.count == 2 }.map { Move(trackId: id, from: $0[0], to: $0[1]) }
            try locks.withLock(id) {
                try? moveFiles(moves, strict: false)
                try database.write { db in try TrackStore.endMove(id, db) }
            }
            removeEmptyFolders(left: moves)
            logger.notice("Finished a file rename a stop interrupted", metadata: ["track": "\(id)", "files": "\(moves.count)"])
        }
    }

    /// Renames each file still at its old name. `strict`: a name taken by another file throws
    /// (after putting back what moved); otherwise such a file is left and logged.
    private func moveFiles(_ moves: [Move], strict: Bool) throws {
        var done: [Move] = []
        for move in moves {
            guard let from = paths.absolute(move.from), let to = paths.absolute(move.to) else { continue }
            guard LibraryPaths.exists(from) else { continue }   // moved before a crash, or missing
            do {
                try LibraryPaths.moveWithoutReplacing(from: from, to: to)
                done.append(move)
            } catch {
                if strict {
                    for undo in done.reversed() {
                        if let back = paths.absolute(undo.from), let there = paths.absolute(undo.to) { _ = rename(there, back) }
                    }
                    throw error
                }
                logger.warning("A renamed track's file could not move", metadata: ["from": "\(move.from)", "error": "\(error)"])
            }
        }
    }

    private func removeEmptyFolders(left moves: [Move]) {
        for folder in Set(moves.compactMap { paths.absolute($0.from).map { ($0 as NSString).deletingLastPathComponent } }) {
            paths.removeEmptyFolders(from: folder)
        }
    }

    /// Every file of a track and where it goes: the media to `media`, the thumbnail and info
    /// JSON beside it under the same stem.
    static func moves(of track: Track, toMedia media: String) -> [Move] {
        let stem = (media as NSString).deletingPathExtension
        var moves = [Move(trackId: track.id!, from: track.filePath, to: media)]
        if let thumbnail = track.thumbnailPath {
            moves.append(Move(trackId: track.id!, from: thumbnail, to: stem + "." + (thumbnail as NSString).pathExtension))
        }
        if let info = track.infoPath {
            moves.append(Move(trackId: track.id!, from: info, to: stem + ".info.json"))
        }
        return moves
    }

    private static func renamed(_ track: Track, _ moves: [Move]) -> Track {
        var renamed = track
        renamed.filePath = moves[0].to
        var rest = moves.dropFirst()
        if track.thumbnailPath != nil { renamed.thumbnailPath = rest.popFirst()?.to }
        if track.infoPath != nil { renamed.infoPath = rest.popFirst()?.to }
        return renamed
    }

    /// Two names are the same file name when they differ at most in a suffix ` (n)` that the
    /// current one got for a collision: such a track is where the template puts it.
    static func isSameName(_ current: String, _ rendered: String) -> Bool {
        if current == rendered { return true }
        let ext = (rendered as NSString).pathExtension
        let stem = (rendered as NSString).deletingPathExtension
        guard current.hasPrefix(stem + " ("), current.hasSuffix(")." + ext) else { return false }
        let middle = current.dropFirst(stem.count + 2).dropLast(ext.count + 2)
        return Int(middle).map { $0 >= 2 } ?? false
    }

    // MARK: - Reading

    /// A track with what its template fields hold.
    struct Candidate {
        var track: Track
        var values: NameTemplate.Values
    }

    /// The sources whose tracks follow `profileId`'s template, and nil (the tracks without a
    /// source) for the default profile.
    private func owners(of profileId: Int64, _ db: Database) throws -> [Int64?] {
        let sources: [Int64?] = try Int64.fetchAll(db, sql: "SELECT id FROM sources WHERE profile_id = ? ORDER BY id", arguments: [profileId])
        let isDefault = try Bool.fetchOne(db, sql: "SELECT is_default FROM profiles WHERE id = ?", arguments: [profileId]) ?? false
        return isDefault ? sources + [nil] : sources
    }

    /// One batch of a source's tracks (nil: the tracks without a source), by id after
    /// `after`: a seek in `tracks_channel`. (The profile's tracks as one query walked the whole
    /// library by id and kept those whose source had the profile.)
    static func batchQuery(source: Int64?, after: Int64, limit: Int) -> ListQuery {
        ListQuery("""
            SELECT tracks.*, sources.title AS source_title FROM tracks
            LEFT JOIN sources ON sources.id = tracks.source_id
            WHERE tracks.source_id IS ? AND tracks.deleted_at IS NULL AND tracks.id > ?
            ORDER BY tracks.id LIMIT ?
            """, [source, after, limit])
    }

    /// Calls `body` with each batch of the profile's tracks until it returns false.
    private func forEachBatch(profileId: Int64, _ body: ([Candidate]) throws -> Bool) throws {
        for owner in try database.read({ try owners(of: profileId, $0) }) {
            var after: Int64 = 0
            while true {
                let query = Self.batchQuery(source: owner, after: after, limit: Self.batchSize)
                let batch = try database.read { db in
                    try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).map { row in
                        let track = try Track(row: row)
                        let sourceTitle: String? = row["source_title"]
                        return Candidate(track: track, values: NameTemplate.Values(
                            source: sourceTitle, artist: track.artist, album: track.album, title: track.title,
                            track: track.trackNumber, id: track.videoId, uploader: track.uploader, uploadedAt: track.uploadedAt,
                            ext: (track.filePath as NSString).pathExtension))
                    }
                }
                guard let last = batch.last else { break }
                after = last.track.id!
                guard try body(batch) else { return }
            }
        }
    }

    private func template(of profileId: Int64) throws -> NameTemplate {
        guard let profile = try database.read({ db in try Profile.fetchOne(db, key: profileId) }) else {
            throw DomainError.notFound("No profile with id \(profileId).")
        }
        return NameTemplate.of(profile)
    }
}

/// The `library_rename` job's payload.
struct RenamePayload: Codable, Sendable {
    var profileId: Int64

    enum CodingKeys: String, CodingKey { case profileId = "profile_id" }
}

/// The `library_rename` job kind.
struct LibraryRenameHandler: JobHandler {
    let renames: LibraryRenames

    func run(_ context: JobContext) throws -> JobCompletion {
        let payload = try context.payload(RenamePayload.self)
        let (moved, inPlace) = try renames.run(profileId: payload.profileId, context: context)
        if context.isCancelled { throw JobFailure(.cancelled, "Stopped after moving \(moved) tracks") }
        return JobCompletion(message: "Moved \(moved) tracks; \(inPlace) already had their names")
    }
}
