import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolMedia
import SpoolProcess
import SpoolStore
import Synchronization

/// Adopting an existing library (`POST /api/library/import`, `spool library import`): checks the
/// folder, queues a `library_import` job (so the import has progress, cancel, a timeline, and
/// goes on after a restart), and reads its report.
///
/// **In place or moved.** Track paths are relative to `LIBRARY_DIR`, and `LibraryPaths` refuses
/// anything else on purpose: it is what guarantees that a bad row can never make Spool serve,
/// move or delete a file outside the library. So an import **in place** (the default) takes
/// only a folder inside `LIBRARY_DIR`; it never moves or changes a file. A folder elsewhere is
/// refused with what to do instead: `--move` (the files move into the library's layout), or
/// `LIBRARY_DIR` set to a folder that contains it (then the old tool's folder *is* the library,
/// and Spool's new downloads go beside the adopted files). A set of registered outside roots
/// with absolute paths was the other option; it would have given every reader of a track path
/// (streaming, trash, retention, playlists, Subsonic) a second kind of path to check, for a
/// need that pointing `LIBRARY_DIR` at the folder already meets.
///
/// One import runs at a time: the same folder again returns the running job, another is a
/// conflict naming it.
public final class ImportService: Sendable {
    /// Limits of one import. Examining a file takes 0.1–0.4 s (ffprobe's start-up, on a loaded
    /// 2-core machine): 100,000 files take about 6 h, so the whole run gets 48 h; any file is
    /// done in far less than the stall limit (ffprobe's own limit is 30 s; copies report
    /// progress every 64 MB).
    public static let limits = JobLimits(timeLimit: 48 * 3600, stallTimeout: 600)

    let database: SpoolDatabase
    let queue: JobQueue
    let paths: LibraryPaths
    let tools: MediaTools?
    let maxAttempts: Int
    let handler: LibraryImportHandler
    private let logger: Logger

    init(database: SpoolDatabase, queue: JobQueue, paths: LibraryPaths, sources: SourceService, hub: EventHub,
         tools: MediaTools?, maxAttempts: Int, logger: Logger) {
        self.database = database
        self.queue = queue
        self.paths = paths
        self.tools = tools
        self.maxAttempts = maxAttempts
        self.logger = logger
        let importer = LibraryImporter(database: database, paths: paths, tools: tools, sources: sources, hub: hub, logger: logger)
        self.handler = LibraryImportHandler(importer: importer, database: database) { [paths] folder, move in
            try Self.validatedFolder(folder, move: move, paths: paths)
        }
    }

    /// The folder to import, absolute and resolved (links and `..`), or `DomainError.invalid`
    /// naming `path`: it must be an absolute path to a readable folder, not the library's
    /// `.partial` or `.trash`; in place, inside `LIBRARY_DIR`; moved, not above it.
    public func validatedFolder(_ path: String, move: Bool) throws -> String {
        try Self.validatedFolder(path, move: move, paths: paths)
    }

    /// The same check for a library at `libraryDirectory`, before any service exists (the
    /// command line refuses a bad folder before it opens the database).
    public static func validatedFolder(_ path: String, move: Bool, libraryDirectory: String) throws -> String {
        try validatedFolder(path, move: move, paths: LibraryPaths(libraryDirectory: libraryDirectory))
    }

    static func validatedFolder(_ path: String, move: Bool, paths: LibraryPaths) throws -> String {
        func refuse(_ message: String) -> DomainError { .invalid(field: "path", message) }
        guard !path.isEmpty else { throw refuse("is required: the absolute path of a folder on the server.") }
        guard !path.contains("\0"), path.utf8.count <= 4096 else { throw refuse("is not a usable path.") }
        guard path.hasPrefix("/") else { throw refuse("must be an absolute path (starting with /), got '\(path.prefix(200))'.") }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw refuse("\(path) does not exist (\(String(cString: strerror(errno)).lowercased())).")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw refuse("\(path) is a file, not a folder.") }
        guard access(path, R_OK | X_OK) == 0, let folder = LibraryPaths.realPath(path) else {
            throw refuse("\(path) cannot be read by Spool (\(String(cString: strerror(errno)).lowercased())).")
        }
        let library = LibraryPaths.realPath(paths.root) ?? paths.root
        for (name, what) in [(".partial", "downloads in progress"), (".trash", "deleted tracks")] {
            let own = library + "/" + name
            if folder == own || folder.hasPrefix(own + "/") {
                throw refuse("\(path) is the library's own \(name) folder (\(what)); it cannot be imported.")
            }
        }
        let inside = folder == library || folder.hasPrefix(library + "/")
        if move {
            if library.hasPrefix(folder + "/") {
                throw refuse("\(path) contains the library (LIBRARY_DIR is \(paths.root)); import a folder beside the library, not above it.")
            }
            if LibraryPaths.exists(library), access(library, W_OK) != 0 {
                throw DomainError.unavailable("The library folder \(paths.root) is read-only; nothing can be moved into it.")
            }
        } else if !inside {
            throw refuse("""
                \(path) is outside the library (LIBRARY_DIR is \(paths.root)). In place, Spool adopts only files inside its \
                library, where it can serve, trash and restore them. Import with move (--move, or "move": true) to move the files \
                into the library, or set LIBRARY_DIR to a folder that contains \(path) and import it in place.
                """)
        }
        return folder
    }

    /// Queues an import of `path`. When an import of the same folder is queued or running
    /// already, returns it with `created == false`; another folder's is a conflict.
    public func start(path: String, move: Bool) throws -> (job: Job, created: Bool) {
        let folder = try validatedFolder(path, move: move)
        guard tools != nil else {
            throw DomainError.unavailable("ffprobe was not found, and an import needs it to recognise media files: set FFMPEG_PATH to an ffmpeg with ffprobe beside it.")
        }
        let payload = LibraryImportPayload(folder: folder, move: move)
        let job = try NewJob(
            kind: JobKind.libraryImport.rawValue, payload: payload, priority: 5,
            title: (move ? "Import and move " : "Import ") + folder, maxAttempts: maxAttempts)
        let running = Mutex<Job?>(nil)
        do {
            let result = try queue.enqueue([job]) { db in
                if let active = try Job.fetchOne(db, sql: """
                    SELECT \(Job.columnList) FROM jobs WHERE kind = ? AND status IN \(JobStatus.active.sql) ORDER BY id LIMIT 1
                    """, arguments: [JobKind.libraryImport.rawValue]) {
                    running.withLock { $0 = active }
                    throw ImportAlreadyRunning()
                }
            }
            guard let queued = result.inserted.first else { throw DomainError.unavailable("The import could not be queued.") }
            logger.info("Library import queued", metadata: ["job": "\(queued.id ?? 0)", "folder": "\(folder)", "move": "\(move)"])
            return (queued, true)
        } catch is ImportAlreadyRunning {
            let active = running.withLock { $0 }!
            let other = try? JSONDecoder().decode(LibraryImportPayload.self, from: Data(active.payload.utf8))
            if other == payload { return (active, false) }
            throw DomainError.conflict(
                "Another import is \(active.status == .running ? "running" : "queued") (job \(active.id ?? 0), \(other?.folder ?? "another folder")); wait for it to finish or cancel it.")
        }
    }

    /// The report of an import job (while it runs: what it has found so far), or nil.
    public func report(jobId: Int64) throws -> ImportReport? {
        try database.read { try ImportReportStore.load(jobId: jobId, $0) }
    }

    /// Runs an import in this process, with a worker of its own that runs imports only (for
    /// `spool library import` when no server runs on the database): the job is queued like any
    /// other, so its timeline is kept and a server started later finishes it if this process is
    /// killed. `observe` is called every `interval` seconds with the job and its report, and
    /// when it returns false the import is cancelled. Returns the job as it ended.
    public func runHere(
        path: String, move: Bool, interval: Double = 0.25, observe: (Job, ImportReport?) -> Bool
    ) throws -> (job: Job, report: ImportReport?) {
        let (queued, _) = try start(path: path, move: move)
        let id = queued.id!
        let pool = WorkerPool(queue: queue, options: WorkerPoolOptions(workers: 1), logger: logger)
        pool.register(JobKind.libraryImport.rawValue, limits: Self.limits, handler: handler)
        try pool.start()
        defer { pool.stop() }
        var cancelled = false
        while true {
            let job = try queue.job(id) ?? queued
            let report = try self.report(jobId: id)
            if JobStatus.terminal.contains(job.status) {
                _ = observe(job, report)
                return (job, report)
            }
            if !observe(job, report), !cancelled {
                cancelled = true
                _ = try? queue.cancel(id)
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}

/// The payload of a `library_import` job.
struct LibraryImportPayload: Codable, Sendable, Equatable {
    /// Absolute and resolved when queued.
    let folder: String
    let move: Bool
}

private struct ImportAlreadyRunning: Error {}

/// The `library_import` job kind: checks the folder again (it may be gone since it was queued),
/// runs `LibraryImporter`, and commits the final report with the job's completion. A run that
/// is retried (after a crash, a restart or a failure) starts over: what the earlier attempt
/// adopted is found again and counted as adopted by this job, not as already known.
struct LibraryImportHandler: JobHandler {
    let importer: LibraryImporter
    let database: SpoolDatabase
    let validate: @Sendable (_ folder: String, _ move: Bool) throws -> String

    func run(_ context: JobContext) throws -> JobCompletion {
        let payload = try context.payload(LibraryImportPayload.self)
        let folder: String
        do {
            folder = try validate(payload.folder, payload.move)
        } catch {
            throw JobFailure(.permanent, "The folder cannot be imported: \(error)")
        }
        let jobId = context.jobId
        let earlier = try database.read { try ImportReportStore.load(jobId: jobId, $0) }
        var report = ImportReport(folder: payload.folder, move: payload.move)
        report.sourcesCreated = earlier?.sourcesCreated ?? []
        let cancellation = ProcessCancellation()
        context.onCancel { cancellation.cancel() }
        let run = LibraryImporter.Run(
            jobId: jobId, since: context.job.createdAt, folder: folder, move: payload.move, cancellation: cancellation,
            isCancelled: { context.isCancelled }, touch: { context.touch() },
            progress: { percent, eta in context.reportProgress(JobProgress(percent: percent, eta: eta)) })
        try importer.run(run, report: &report)
        report.finishedAt = Date()
        let final = report
        return JobCompletion(message: final.summary, commit: { db in try ImportReportStore.save(final, jobId: jobId, db) })
    }
}
