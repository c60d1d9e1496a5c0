import Foundation
import SpoolCore
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// The jobs dashboard's API: list with counts, one job with its timeline, Retry, Cancel and
/// bulk retry. User actions are idempotent; a senseless one is a 409 with the reason.
struct JobRoutes: RouteCollection {
    let queue: JobQueue
    /// A library import's job shows its report.
    let imports: ImportService

    func register(on routes: inout Routes) {
        routes.get("/api/jobs", .admin) { request in try list(request) }
        routes.delete("/api/jobs", .admin) { request in try clear(request) }
        routes.get("/api/jobs/{id}", .admin) { request in try detail(try request.idParameter()) }
        routes.post("/api/jobs/{id}/retry", .admin) { request in
            .json(JobRepresentation(try queue.retry(try request.idParameter())))
        }
        routes.post("/api/jobs/{id}/cancel", .admin) { request in
            .json(JobRepresentation(try queue.cancel(try request.idParameter())))
        }
        routes.post("/api/jobs/retry", .admin) { request in try bulkRetry(request) }
    }

    struct ListReply: Encodable, JSONWritable {
        let jobs: [JobRepresentation]
        let nextBefore: String?
        let counts: [String: Int]

        private enum CodingKeys: String, CodingKey { case jobs, nextBefore, counts }

        /// `next_before` is `null` on the last page rather than missing.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(jobs, forKey: .jobs)
            try container.encode(nextBefore, forKey: .nextBefore)
            try container.encode(counts, forKey: .counts)
        }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.key("counts")
                w.object { w in
                    for status in JobStatus.allCases.map(\.rawValue).sorted() {
                        guard let count = counts[status] else { continue }
                        w.key(status); w.int(count)
                    }
                }
                w.key("jobs"); w.array(jobs)
                w.key("next_before"); w.string(nextBefore)
            }
        }
    }

    private func list(_ request: HTTPRequest) throws -> HTTPResponse {
        let statuses = try Self.statuses(request.query["status"])
        let kind = request.query["kind"].flatMap { $0.isEmpty ? nil : $0 }
        let limit = try request.integer("limit", default: 100, in: 1...500)
        let source = try request.optionalId("source")
        let dueOrder: Bool
        switch request.query["order"] ?? "" {
        case "", "newest": dueOrder = false
        case "due": dueOrder = true
        default: throw DomainError.invalid(field: "order", "must be newest or due.")
        }
        let position = try request.cursor().map { try Self.position($0, dueOrder: dueOrder) }
        let jobs = try queue.jobs(statuses: statuses, kind: kind, sourceId: source, dueOrder: dueOrder, limit: limit, after: position)
        let counts = try queue.counts(sourceId: source)
        let next = jobs.count == limit ? jobs.last.map { Self.cursor(after: $0, dueOrder: dueOrder).token } : nil
        return .json(ListReply(
            jobs: jobs.map(JobRepresentation.init), nextBefore: next,
            counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })))
    }

    /// The cursor after `job`: its id, and in due order its priority and `run_after` as text
    /// (`"10 1765000000.25"`; both exact, so the next page starts exactly after it).
    static func cursor(after job: Job, dueOrder: Bool) -> PageCursor {
        let id = job.id ?? 0
        guard dueOrder else { return PageCursor(id: id) }
        return PageCursor(key: .text("\(job.priority) \(job.runAfter.timeIntervalSince1970)"), id: id)
    }

    static func position(_ cursor: PageCursor, dueOrder: Bool) throws -> JobQueue.ListPosition {
        guard dueOrder else { return .newest(beforeId: cursor.id) }
        guard case .text(let text)? = cursor.key, case let parts = text.split(separator: " "), parts.count == 2,
              let priority = Int(parts[0]), let runAfter = Double(parts[1]) else {
            throw DomainError.invalid(field: "before", "belongs to another order; start from the first page.")
        }
        return .due(priority: priority, runAfter: runAfter, afterId: cursor.id)
    }

    /// `status=failed` or `status=failed,dead_letter`.
    static func statuses(_ text: String?) throws -> Set<JobStatus>? {
        guard let text, !text.isEmpty else { return nil }
        var statuses = Set<JobStatus>()
        for name in text.split(separator: ",") {
            guard let status = JobStatus(rawValue: String(name).trimmingCharacters(in: .whitespaces)) else {
                throw DomainError.invalid(field: "status", "must be one or more of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")), separated by commas.")
            }
            statuses.insert(status)
        }
        return statuses
    }

    private struct ClearReply: Encodable {
        let deleted: Int
        let counts: [String: Int]
    }

    /// "Clear finished": deletes finished jobs of the given statuses (of one source).
    private func clear(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let statuses = try Self.statuses(request.query["status"]) else {
            throw DomainError.invalid(field: "status", "name the finished statuses to clear, e.g. completed,cancelled.")
        }
        let source = try request.optionalId("source")
        let deleted = try queue.deleteFinished(statuses, sourceId: source)
        let counts = try queue.counts(sourceId: source)
        return .json(ClearReply(deleted: deleted, counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })))
    }

    private func detail(_ id: Int64) throws -> HTTPResponse {
        guard let job = try queue.job(id) else { throw DomainError.notFound("No job with id \(id).") }
        let events = try queue.timeline(of: id)
        var detail = JobDetailRepresentation(
            job: JobRepresentation(job), events: events.map(JobEventRepresentation.init), logTail: job.logTail)
        if job.kind == JobKind.libraryImport.rawValue {
            detail.report = .some(try imports.report(jobId: id).map(ImportReportRepresentation.init))
        }
        return .json(detail)
    }

    private struct BulkRetryRequest: Decodable {
        let ids: [Int64]?
        let status: String?
    }

    private struct BulkRetryReply: Encodable {
        let retried: Int
        let jobs: [JobRepresentation]
    }

    private func bulkRetry(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try request.decodeJSON(BulkRetryRequest.self)
        let jobs: [Job]
        switch (body.ids, body.status) {
        case (let ids?, nil):
            guard !ids.isEmpty, ids.count <= 500 else { throw DomainError.invalid(field: "ids", "must list 1 to 500 job ids.") }
            jobs = try queue.retry(ids: ids)
        case (nil, let name?):
            guard let status = JobStatus(rawValue: name) else {
                throw DomainError.invalid(field: "status", "must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            jobs = try queue.retry(status: status)
        default:
            throw DomainError.invalid(field: "ids", "give either 'ids' (a list of job ids) or 'status' (e.g. \"failed\"), not both.")
        }
        return .json(BulkRetryReply(retried: jobs.count, jobs: jobs.map(JobRepresentation.init)))
    }
}
