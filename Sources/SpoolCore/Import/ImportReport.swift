import Foundation
import GRDB

/// What a library import found, kept in `library_imports` (one row per `library_import` job)
/// and shown by `GET /api/jobs/{id}` and `spool library import`. It is written with every batch
/// of adopted tracks, in the same transaction, so while the job runs the counts never run ahead
/// of the rows; the final version commits with the job's completion.
///
/// The lists of files are capped at `listLimit` entries each (their counts are not): a folder of
/// 100,000 cover images must not make a report of megabytes that every poll re-reads.
public struct ImportReport: Codable, Sendable, Equatable {
    /// A file that was not adopted, and why.
    public struct FileProblem: Codable, Sendable, Equatable {
        /// Relative to the imported folder.
        public var path: String
        /// `unreadable`, `not_media`, `damaged` (the file's own fault, from ffprobe), or, for a
        /// readable media file that was skipped, `no_video_id`, `duplicate`, `link`, `occupied`,
        /// `failed` (a move that could not be done).
        public var kind: String
        public var reason: String
    }

    /// A source the import created, paused (`ImportSourceResolver`).
    public struct CreatedSource: Codable, Sendable, Equatable {
        public var id: Int64
        public var url: String
        public var title: String?
    }

    public static let listLimit = 500

    /// The folder as given (absolute).
    public var folder: String
    public var move: Bool
    /// Files found by the walk (hidden files and folders are not examined); nil while walking.
    public var filesFound: Int?
    /// Files looked at so far.
    public var filesExamined = 0
    /// Tracks created (by this job, across its attempts).
    public var adopted = 0
    /// Of them, adopted with no source (nothing in or beside the file names one).
    public var adoptedWithoutSource = 0
    /// Media files of videos Spool already has (a track, in the trash too, a video the user
    /// deleted, or a download queued or running).
    public var alreadyKnown = 0
    /// Files that are not readable media: their count and the first `listLimit`.
    public var unreadableCount = 0
    public var unreadable: [FileProblem] = []
    /// Readable media files that were not adopted: their count and the first `listLimit`.
    public var skippedCount = 0
    public var skipped: [FileProblem] = []
    public var sourcesCreated: [CreatedSource] = []
    public var startedAt: Date
    public var finishedAt: Date?

    public init(folder: String, move: Bool, startedAt: Date = Date()) {
        self.folder = folder
        self.move = move
        self.startedAt = startedAt
    }

    mutating func addUnreadable(_ path: String, kind: String, reason: String) {
        unreadableCount += 1
        if unreadable.count < Self.listLimit { unreadable.append(FileProblem(path: path, kind: kind, reason: reason)) }
    }

    mutating func addSkipped(_ path: String, kind: String, reason: String) {
        skippedCount += 1
        if skipped.count < Self.listLimit { skipped.append(FileProblem(path: path, kind: kind, reason: reason)) }
    }

    /// One line for the job's timeline.
    public var summary: String {
        var parts = ["Adopted \(adopted) of \(filesFound ?? filesExamined) files"]
        if adoptedWithoutSource > 0 { parts.append("\(adoptedWithoutSource) without a source") }
        parts.append("\(alreadyKnown) already known")
        if unreadableCount > 0 { parts.append("\(unreadableCount) unreadable") }
        if skippedCount > 0 { parts.append("\(skippedCount) skipped") }
        if !sourcesCreated.isEmpty {
            parts.append("created \(sourcesCreated.count) paused source\(sourcesCreated.count == 1 ? "" : "s")")
        }
        return parts.joined(separator: "; ") + (move ? " (moved into the library)" : " (in place)")
    }
}

/// The SQL of `library_imports`: the one place that reads and writes it.
enum ImportReportStore {
    static func save(_ report: ImportReport, jobId: Int64, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO library_imports (job_id, report, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (job_id) DO UPDATE SET report = excluded.report, updated_at = excluded.updated_at
            """, arguments: [jobId, try encode(report), Date().timeIntervalSince1970])
    }

    static func load(jobId: Int64, _ db: Database) throws -> ImportReport? {
        guard let text = try String.fetchOne(db, sql: "SELECT report FROM library_imports WHERE job_id = ?", arguments: [jobId])
        else { return nil }
        return try? JSONDecoder().decode(ImportReport.self, from: Data(text.utf8))
    }

    private static func encode(_ report: ImportReport) throws -> String {
        String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
    }
}
