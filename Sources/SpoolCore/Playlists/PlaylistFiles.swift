import Foundation
import GRDB
import Logging
import SpoolStore
import Synchronization

/// The library's lists as files other players read: `LIBRARY_DIR/Playlists/<source>.m3u8` for
/// every source with a track, in the source's order, and each user's likes, in the order they
/// were liked (`Likes.m3u8` for the owner, `Likes - <name>.m3u8` for the others). The one owner
/// of that folder's Spool files (format: `PlaylistDocument`; names: `PlaylistNames`; files:
/// `PlaylistFolder`).
///
/// **When.** Every change that alters a list publishes an event (a track added, changed,
/// moved, deleted or restored, a user's like or hide, a source renamed, synced or removed); this
/// service marks the
/// affected lists dirty and a thread of its own writes them once changes pause for
/// `quietSeconds` (2 s), and at least every `maximumDelaySeconds` (10 s) while they keep
/// coming: a 20,000-entry channel downloading one track a second rewrites its file every 10 s,
/// not 20,000 times. At start-up every list is written once (repairing what a crash or a hand
/// edit left); at stop the pending lists are written before the thread ends.
///
/// **What.** A source's list is its own tracks plus the tracks of other sources that its
/// listing names (a playlist of videos a channel already downloaded lists them too), not in
/// the trash, ordered by the listing's position (a playlist's order; newest first for a
/// channel), then tracks without a position by id. A user's likes leave out what the trash holds
/// and what that user hid. Reads run on the reader pool, one query per
/// list streamed through a cursor; no file is touched inside a transaction.
///
/// **How.** Each file is written atomically and only when its bytes change. Files whose
/// marker says Spool wrote them but that no list claims any more (the source or user was
/// removed, renamed or emptied) are removed; any other file in the folder is never touched.
/// Accounts publish no event: a renamed or removed user's likes follow at the next pass.
public final class PlaylistFiles: Sendable {
    /// How long changes must pause before the dirty lists are written, and how long a list
    /// may wait at most while changes keep coming.
    public struct Timing: Sendable {
        public var quietSeconds: Double
        public var maximumDelaySeconds: Double

        public init(quietSeconds: Double = 2, maximumDelaySeconds: Double = 10) {
            self.quietSeconds = quietSeconds
            self.maximumDelaySeconds = maximumDelaySeconds
        }
    }

    /// What the health page shows.
    public struct Status: Sendable, Equatable {
        /// The folder, absolute.
        public let folder: String
        /// Spool's playlist files in the folder after the last pass.
        public var files: Int
        /// Files written (changed) since start-up; unchanged ones are not counted.
        public var written: Int
        public var lastPassAt: Date?
        /// Why the last pass could not write every list (a read-only library, a full disk).
        public var problem: String?
    }

    /// The lists waiting to be written.
    struct Work: Equatable {
        var sources: Set<Int64> = []
        /// Videos whose track changed: the other sources that list them change too.
        var videos: Set<String> = []
        /// Users whose likes changed.
        var likes: Set<Int64> = []
        /// A shared change of a track (its file, the trash): whoever liked it.
        var everyonesLikes = false
        var everything = false

        var isEmpty: Bool { sources.isEmpty && videos.isEmpty && likes.isEmpty && !everyonesLikes && !everything }

        mutating func merge(_ other: Work) {
            sources.formUnion(other.sources)
            videos.formUnion(other.videos)
            likes.formUnion(other.likes)
            everyonesLikes = everyonesLikes || other.everyonesLikes
            everything = everything || other.everything
        }
    }

    private struct State {
        var pending = Work()
        var firstChangeAt: Double?
        var lastChangeAt = 0.0
        var started = false
        var stopping = false
        /// Bumped by every mark and by stop, so the thread never sleeps through one.
        var changes = 0
        var status: Status
        var passes = 0
    }

    let database: SpoolDatabase
    let folder: PlaylistFolder
    let timing: Timing
    private let logger: Logger
    private let state: Mutex<State>
    private let wakeUp = NSCondition()
    private let stopped = DispatchGroup()
    private let subscription = Mutex<EventHub.Subscription?>(nil)
    /// Held for a whole pass: two passes at once would race on the same files.
    private let passing = Mutex(())

    public init(database: SpoolDatabase, paths: LibraryPaths, hub: EventHub, timing: Timing = Timing(), logger: Logger) {
        self.database = database
        self.folder = PlaylistFolder(path: paths.root + "/Playlists")
        self.timing = timing
        self.logger = logger
        self.state = Mutex(State(status: Status(folder: paths.root + "/Playlists", files: 0, written: 0)))
        let subscription = hub.subscribe { [weak self] published in
            guard let self, let work = Self.work(for: published.event) else { return }
            self.mark(work)
        }
        self.subscription.withLock { $0 = subscription }
    }

    /// The folder the files are written to.
    public var folderPath: String { folder.path }

    public var status: Status { state.withLock { $0.status } }

    /// Passes run since start-up (tests wait on it).
    var passes: Int { state.withLock { $0.passes } }

    /// Which lists an event changes; nil for events that change none.
    static func work(for event: SpoolEvent) -> Work? {
        var work = Work()
        switch event {
        case .trackAdded(let track), .trackUpdated(let track), .trackDeleted(let track), .trackRestored(let track):
            // Shared changes (a download, a re-download, a move, the trash): the lists that name
            // the track, and the likes of whoever liked it (the event does not say who).
            work.sources.formUnion([track.track.sourceId].compactMap { $0 })
            work.videos.insert(track.track.videoId)
            work.everyonesLikes = true
        case .trackStateChanged(let userId, _):
            // One user's like or hide: their likes only (source lists are everyone's).
            work.likes.insert(userId)
        case .sourceUpdated(let snapshot):
            // Its title, or the positions a sync recorded.
            guard let id = snapshot.source.id else { return nil }
            work.sources.insert(id)
        case .sourceDeleted:
            // Its file goes; its tracks may have gone with it, from Likes and from the lists
            // of other sources that named them.
            work.everything = true
        case .trackPurged:
            // A purged track was in the trash, so it was in no list already.
            return nil
        default:
            return nil
        }
        return work
    }

    /// Marks lists dirty; the thread writes them once changes pause.
    func mark(_ work: Work) {
        guard !work.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        state.withLock { state in
            state.pending.merge(work)
            state.firstChangeAt = state.firstChangeAt ?? now
            state.lastChangeAt = now
            state.changes += 1
        }
        wake()
    }

    /// Starts the thread and queues a pass over every list, run at once.
    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            guard !state.started else { return false }
            state.pending.everything = true
            state.firstChangeAt = 0
            return true
        }
        guard first else { return }
        folder.removeLeftoverTemporaries()
        stopped.enter()
        let thread = Thread { [self] in
            loop()
            stopped.leave()
        }
        thread.name = "spool.playlists"
        thread.start()
    }

    /// Writes what is pending, then stops the thread. Changes after this are not written.
    public func stop() {
        subscription.withLock { $0?.cancel() }
        let wasStarted = state.withLock { state -> Bool in
            state.stopping = true
            state.changes += 1
            return state.started
        }
        wake()
        if wasStarted { stopped.wait() }
    }

    private func wake() {
        wakeUp.lock()
        wakeUp.broadcast()
        wakeUp.unlock()
    }

    /// What the thread does next.
    private enum Step {
        case run(Work)
        /// Sleep until the time (nil: until woken), unless `changes` moved on meanwhile.
        case wait(until: Double?, changes: Int)
        case exit
    }

    private func loop() {
        while true {
            let now = Date().timeIntervalSince1970
            let step = state.withLock { state -> Step in
                guard !state.pending.isEmpty else {
                    return state.stopping ? .exit : .wait(until: nil, changes: state.changes)
                }
                let due = min(state.lastChangeAt + timing.quietSeconds, (state.firstChangeAt ?? now) + timing.maximumDelaySeconds)
                guard state.stopping || due <= now else { return .wait(until: due, changes: state.changes) }
                defer {
                    state.pending = Work()
                    state.firstChangeAt = nil
                }
                return .run(state.pending)
            }
            switch step {
            case .exit:
                return
            case .run(let work):
                pass(work)
            case .wait(let until, let changes):
                // Checked under the condition's lock: a change that came after the decision
                // has either bumped `changes` already or broadcasts once this thread waits.
                wakeUp.lock()
                if state.withLock({ $0.changes }) == changes {
                    _ = wakeUp.wait(until: Date(timeIntervalSince1970: until ?? now + 3600))
                }
                wakeUp.unlock()
            }
        }
    }

    /// Runs one pass and records its outcome; never throws (the next change tries again).
    private func pass(_ work: Work) {
        var problem: String?
        var result = PassResult()
        do {
            result = try write(work)
            problem = result.problems.first
        } catch {
            problem = StoreErrorDescription.plain(error)
            result.files = folder.scan().values.filter { $0 != nil }.count
        }
        let previous = state.withLock { state -> String? in
            defer {
                state.status.files = result.files
                state.status.written += result.written
                state.status.problem = problem
                state.status.lastPassAt = Date()
                state.passes += 1
            }
            return state.status.problem
        }
        // Once per cause, not once per pass: a read-only library fails every pass alike.
        if let problem, problem != previous {
            logger.warning("Playlist files not written", metadata: ["reason": "\(problem)", "folder": "\(folder.path)"])
        } else if problem == nil, let previous {
            logger.info("Playlist files written again", metadata: ["after": "\(previous)"])
        }
    }

    /// What a pass did.
    public struct PassResult: Sendable {
        /// Files whose bytes changed.
        public var written = 0
        /// Spool's files no list claims any more.
        public var removed = 0
        /// Spool's files in the folder afterwards.
        public var files = 0
        /// Files that could not be written or removed, and why.
        public var problems: [String] = []

        public init() {}
    }

    /// Brings every list up to date now, on the calling thread (what start-up queues; the
    /// benchmark times it).
    public func writeAll() throws -> PassResult {
        try write(Work(everything: true))
    }

    /// Writes the lists of `work` now, on the calling thread: the names of every list, then
    /// each dirty list (only when its bytes change), then the removal of Spool's files that no
    /// list claims any more.
    func write(_ work: Work) throws -> PassResult {
        try passing.withLock { _ in try unlockedWrite(work) }
    }

    private func unlockedWrite(_ work: Work) throws -> PassResult {
        var result = PassResult()
        var owners = folder.scan()
        let (sources, users, listing) = try database.read { db in
            let sources = try Row.fetchAll(db, sql: "SELECT id, title FROM sources").map { (id: $0["id"] as Int64, title: $0["title"] as String?) }
            let users = try Row.fetchAll(db, sql: "SELECT id, name FROM users").map { (id: $0["id"] as Int64, name: $0["name"] as String) }
            return (sources, users, try Self.sources(listing: work.videos, db))
        }
        let names = PlaylistNames(sources: sources, users: users, taken: Set(owners.filter { $0.value == nil }.keys))
        var dirty = work.everything ? Set(sources.map(\.id)) : work.sources.union(listing)
        var dirtyLikes = work.everything || work.everyonesLikes ? Set(users.map(\.id)) : work.likes
        // A list whose name changed (a title, a user's name, a collision that resolved) moves.
        for case (let name, let owner?) in owners {
            switch owner {
            case .source(let id) where names.sources[id].map({ $0 != name }) == true: dirty.insert(id)
            case .likes(let id) where names.likes[id].map({ $0 != name }) == true: dirtyLikes.insert(id)
            default: break
            }
        }
        let titles = Dictionary(sources.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        var empty: Set<Int64> = []
        for id in dirty.sorted() {
            guard let name = names.sources[id] else { continue }
            let title = titles[id] ?? nil
            let document = try database.read { db in
                try Self.sourceDocument(id: id, name: title ?? PlaylistNames.stem(of: nil, id: id), db)
            }
            if document.count == 0 {
                empty.insert(id)
                continue
            }
            result.written += save(document, as: name, owner: .source(id), owners: &owners, problems: &result.problems)
        }
        var noLikes: Set<Int64> = []
        for id in dirtyLikes.sorted() {
            guard let name = names.likes[id], let user = users.first(where: { $0.id == id }) else { continue }
            let document = try database.read { db in
                try Self.likesDocument(userId: id, name: PlaylistNames.likesTitle(ofUser: id, name: user.name), db)
            }
            if document.count == 0 {
                noLikes.insert(id)
                continue
            }
            result.written += save(document, as: name, owner: .likes(userId: id), owners: &owners, problems: &result.problems)
        }
        // Spool's files no list claims: a source or user removed, renamed or emptied.
        for case (let name, let owner?) in owners {
            let claimed: Bool = switch owner {
            case .likes(let id): names.likes[id] == name && !noLikes.contains(id)
            case .source(let id): names.sources[id] == name && !empty.contains(id)
            }
            guard !claimed else { continue }
            do {
                if try folder.remove(name, ownedBy: owner) {
                    owners[name] = nil
                    result.removed += 1
                }
            } catch {
                result.problems.append(error.description)
            }
        }
        if result.written + result.removed > 0 { folder.syncFolder() }
        result.files = owners.values.filter { $0 != nil }.count
        return result
    }

    /// Writes one document, records its owner, and counts a changed file.
    private func save(_ document: PlaylistDocument, as name: String, owner: PlaylistOwner,
                      owners: inout [String: PlaylistOwner?], problems: inout [String]) -> Int {
        do {
            let outcome = try folder.write(document.data, as: name)
            owners[name] = .some(owner)
            return outcome == .written ? 1 : 0
        } catch {
            problems.append(error.description)
            return 0
        }
    }

    /// The sources whose listing names one of `videos` (and did not skip it).
    static func sources(listing videos: Set<String>, _ db: Database) throws -> Set<Int64> {
        var found: Set<Int64> = []
        let all = Array(videos)
        for start in stride(from: 0, to: all.count, by: 500) {
            let chunk = Array(all[start..<min(start + 500, all.count)])
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            found.formUnion(try Int64.fetchAll(db, sql: """
                SELECT DISTINCT source_id FROM source_entries WHERE video_id IN (\(marks)) AND skip_reason IS NULL
                """, arguments: StatementArguments(chunk)))
        }
        return found
    }

    /// A source's list: its own tracks and the tracks its listing names, out of the trash, in
    /// the listing's order. One statement, streamed. An entry whose position an incremental
    /// re-sync did not refresh can share its position with a fresh one; the fresher comes
    /// first (it was listed there more recently).
    static func sourceDocument(id: Int64, name: String, _ db: Database) throws -> PlaylistDocument {
        var document = PlaylistDocument(name: name, owner: .source(id))
        let rows = try Row.fetchCursor(db, sql: """
            SELECT file_path, title, coalesce(artist, uploader), duration FROM (
                SELECT t.id, t.file_path, t.title, t.artist, t.uploader, t.duration, e.position, e.last_seen_at
                FROM tracks t LEFT JOIN source_entries e ON e.source_id = t.source_id AND e.video_id = t.video_id
                WHERE t.source_id = ?1 AND t.deleted_at IS NULL
                UNION ALL
                SELECT t.id, t.file_path, t.title, t.artist, t.uploader, t.duration, e.position, e.last_seen_at
                FROM source_entries e JOIN tracks t ON t.video_id = e.video_id
                WHERE e.source_id = ?1 AND e.skip_reason IS NULL AND t.deleted_at IS NULL AND t.source_id IS NOT ?1
            )
            ORDER BY coalesce(position, 1e18), last_seen_at DESC, id
            """, arguments: [id])
        try append(rows, to: &document)
        return document
    }

    /// A user's likes: out of the trash and not hidden by them, in the order they were liked
    /// (the web app's order, `TrackLibrary.likes(of:)`).
    static func likesDocument(userId: Int64, name: String, _ db: Database) throws -> PlaylistDocument {
        var document = PlaylistDocument(name: name, owner: .likes(userId: userId))
        let rows = try Row.fetchCursor(db, sql: """
            SELECT t.file_path, t.title, coalesce(t.artist, t.uploader), t.duration
            FROM user_tracks ut JOIN tracks t ON t.id = ut.track_id
            WHERE ut.user_id = ? AND ut.rating = 1 AND ut.hidden_at IS NULL AND t.deleted_at IS NULL
            ORDER BY ut.liked_at, t.id
            """, arguments: [userId])
        try append(rows, to: &document)
        return document
    }

    private static func append(_ rows: RowCursor, to document: inout PlaylistDocument) throws {
        while let row = try rows.next() {
            document.append(filePath: row[0], title: row[1], artist: row[2], duration: row[3])
        }
    }
}
