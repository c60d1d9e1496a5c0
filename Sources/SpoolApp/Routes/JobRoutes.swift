import Foundation
import SpoolCore
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// The jobs dashboard's API: list with counts, one job with its timeline, Retry, Cancel and
/// bulk retry. User actions are idempotent; a senseless one is a 409 with the reason.
struct JobRoutes: RouteCollection {
    let queue: JobQueue

    func register(on routes: inout Routes) {
        routes.get("/api/jobs") { request in try list(request) }
        routes.get("/api/jobs/{id}") { request in try detail(try request.idParameter()) }
        routes.post("/api/jobs/{id}/retry") { request in
            .json(JobRepresentation(try queue.retry(try request.idParameter())))
        }
        routes.post("/api/jobs/{id}/cancel") { request in
            .json(JobRepresentation(try queue.cancel(try request.idParameter())))
        }
        routes.post("/api/jobs/retry") { request in try bulkRetry(request) }
    }

    private struct ListReply: Encodable {
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
    }

    private func list(_ request: HTTPRequest) throws -> HTTPResponse {
        let status = try request.oneOf("status", JobStatus.self)
        let kind = request.query["kind"].flatMap { $0.isEmpty ? nil : $0 }
        let limit = try request.integer("limit", default: 100, in: 1...500)
        let before = try request.cursor()
        let source = try request.optionalId("source")
        let jobs = try queue.jobs(status: status, kind: kind, sourceId: source, limit: limit, before: before?.id)
        let counts = try queue.counts()
        return .json(ListReply(
            jobs: jobs.map(JobRepresentation.init),
            nextBefore: jobs.count == limit ? jobs.last.flatMap { $0.id.map { PageCursor(id: $0).token } } : nil,
            counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })))
    }

    private func detail(_ id: Int64) throws -> HTTPResponse {
        guard let job = try queue.job(id) else { throw DomainError.notFound("No job with id \(id).") }
        let events = try queue.timeline(of: id)
        return .json(JobDetailRepresentation(
            job: JobRepresentation(job), events: events.map(JobEventRepresentation.init), logTail: job.logTail))
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
