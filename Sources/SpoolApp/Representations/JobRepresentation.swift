import Foundation
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// A job as the API and the live feed show it (`docs/api/README.md`).
struct JobRepresentation: Encodable, Sendable {

    private enum CodingKeys: String, CodingKey {
        case id, kind, status, priority, sourceId, videoId, title, attempts, maxAttempts, runAfter, progress, lastError, errorClass, errorDetail, createdAt, updatedAt, startedAt, finishedAt
    }

    /// Every field is written, `null` included, so clients see one stable shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(status, forKey: .status)
        try container.encode(priority, forKey: .priority)
        try container.encode(sourceId, forKey: .sourceId)
        try container.encode(videoId, forKey: .videoId)
        try container.encode(title, forKey: .title)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encode(runAfter, forKey: .runAfter)
        try container.encode(progress, forKey: .progress)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(errorClass, forKey: .errorClass)
        try container.encode(errorDetail, forKey: .errorDetail)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
    }
    struct Progress: Encodable, Sendable {
        let percent: Double?
        let downloadedBytes: Int64?
        let totalBytes: Int64?
        let speed: Double?
        let eta: Int?
    }

    let id: Int64
    let kind: String
    let status: JobStatus
    let priority: Int
    let sourceId: Int64?
    let videoId: String?
    let title: String?
    let attempts: Int
    let maxAttempts: Int
    let runAfter: Date
    let progress: Progress?
    let lastError: String?
    let errorClass: JobErrorClass?
    /// The raw line of the tool behind `lastError` (which is plain language).
    let errorDetail: String?
    let createdAt: Date
    let updatedAt: Date
    let startedAt: Date?
    let finishedAt: Date?

    init(_ job: Job) {
        id = job.id ?? 0
        kind = job.kind
        status = job.status
        priority = job.priority
        sourceId = job.sourceId
        videoId = job.videoId
        title = job.title
        attempts = job.attempts
        maxAttempts = job.maxAttempts
        runAfter = job.runAfter
        let hasProgress = job.progressPercent != nil || job.progressBytes != nil
        progress = hasProgress ? Progress(
            percent: job.progressPercent, downloadedBytes: job.progressBytes, totalBytes: job.progressTotalBytes,
            speed: job.progressSpeed, eta: job.progressEta) : nil
        lastError = job.lastError
        errorClass = job.errorClass
        errorDetail = job.errorDetail
        createdAt = job.createdAt
        updatedAt = job.updatedAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
    }
}

extension JobRepresentation: JSONWritable {
    /// The keys in the wire's sorted order (`JSONWriterTests` compares with `JSONEncoder`).
    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("attempts"); w.int(attempts)
            w.key("created_at"); w.date(createdAt)
            w.key("error_class"); w.string(errorClass?.rawValue)
            w.key("error_detail"); w.string(errorDetail)
            w.key("finished_at"); w.date(finishedAt)
            w.key("id"); w.int(id)
            w.key("kind"); w.string(kind)
            w.key("last_error"); w.string(lastError)
            w.key("max_attempts"); w.int(maxAttempts)
            w.key("priority"); w.int(priority)
            w.key("progress"); w.value(progress)
            w.key("run_after"); w.date(runAfter)
            w.key("source_id"); w.int(sourceId)
            w.key("started_at"); w.date(startedAt)
            w.key("status"); w.string(status.rawValue)
            w.key("title"); w.string(title)
            w.key("updated_at"); w.date(updatedAt)
            w.key("video_id"); w.string(videoId)
        }
    }
}

extension JobRepresentation.Progress: JSONWritable {
    /// Absent figures are left out, as the synthesized `Encodable` leaves them.
    func write(to writer: inout JSONWriter) {
        writer.object { w in
            if let downloadedBytes { w.key("downloaded_bytes"); w.int(downloadedBytes) }
            if let eta { w.key("eta"); w.int(eta) }
            if let percent { w.key("percent"); w.double(percent) }
            if let speed { w.key("speed"); w.double(speed) }
            if let totalBytes { w.key("total_bytes"); w.int(totalBytes) }
        }
    }
}

/// The data of a `job.progress` event.
struct JobProgressRepresentation: Encodable, Sendable {
    let id: Int64
    let progress: JobRepresentation.Progress

    init(_ event: JobProgressEvent) {
        id = event.jobId
        progress = .init(
            percent: event.progress.percent, downloadedBytes: event.progress.downloadedBytes,
            totalBytes: event.progress.totalBytes, speed: event.progress.speed, eta: event.progress.eta)
    }
}

/// One entry of a job's timeline.
struct JobEventRepresentation: Encodable, Sendable {
    let id: Int64
    let from: JobStatus?
    let to: JobStatus
    let attempt: Int
    let message: String?
    let errorClass: JobErrorClass?
    let exitCode: Int?
    let signal: Int?
    let at: Date

    private enum CodingKeys: String, CodingKey {
        case id, from, to, attempt, message, errorClass, exitCode, signal, at
    }

    /// `from` is written even when null (the first entry), so clients can read it uniformly.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(message, forKey: .message)
        try container.encode(errorClass, forKey: .errorClass)
        try container.encodeIfPresent(exitCode, forKey: .exitCode)
        try container.encodeIfPresent(signal, forKey: .signal)
        try container.encode(at, forKey: .at)
    }

    init(_ event: JobEvent) {
        id = event.id ?? 0
        from = event.fromStatus
        to = event.toStatus
        attempt = event.attempt
        message = event.message
        errorClass = event.errorClass
        exitCode = event.exitCode
        signal = event.signal
        at = event.at
    }
}

/// A job with its timeline and log tail (`GET /api/jobs/{id}`); a library import's also with
/// its report (`null` until the job first wrote it).
struct JobDetailRepresentation: Encodable, Sendable {
    let job: JobRepresentation
    let events: [JobEventRepresentation]
    let logTail: String?
    /// Set for `library_import` jobs only; other kinds have no `report` key.
    var report: ImportReportRepresentation?? = nil

    private enum CodingKeys: String, CodingKey { case events, logTail, report }

    func encode(to encoder: any Encoder) throws {
        try job.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(events, forKey: .events)
        try container.encode(logTail, forKey: .logTail)
        if let report { try container.encode(report, forKey: .report) }
    }
}
