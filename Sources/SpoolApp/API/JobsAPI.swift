import Foundation
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// The jobs dashboard's API: list with counts, one job with its timeline, Retry, Cancel and
/// bulk retry. User actions are idempotent; a senseless one is a 409 with the reason.
struct JobsAPI {
    let queue: JobQueue

    func register(on router: inout Router) {
        router.get("/api/jobs") { request in try list(request) }
        router.get("/api/jobs/{id}") { request in try detail(try request.idParameter()) }
        router.post("/api/jobs/{id}/retry") { request in
            try mapErrors { .json(JobRepresentation(try queue.retry(try request.idParameter()))) }
        }
        router.post("/api/jobs/{id}/cancel") { request in
            try mapErrors { .json(JobRepresentation(try queue.cancel(try request.idParameter()))) }
        }
        router.post("/api/jobs/retry") { request in try bulkRetry(request) }
    }

    private struct ListReply: Encodable {
        let jobs: [JobRepresentation]
        let nextBefore: Int64?
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
        let status = try request.query["status"].map(Self.status(named:))
        let kind = request.query["kind"].flatMap { $0.isEmpty ? nil : $0 }
        let limit = try Self.integer(request.query["limit"], name: "limit", default: 100, range: 1...500)
        let before = try request.query["before"].map { try Self.integer($0, name: "before", default: 0, range: 1...Int.max) }
        let jobs = try queue.jobs(status: status, kind: kind, limit: limit, before: before.map(Int64.init))
        let counts = try queue.counts()
        return .json(ListReply(
            jobs: jobs.map(JobRepresentation.init),
            nextBefore: jobs.count == limit ? jobs.last?.id : nil,
            counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })))
    }

    private func detail(_ id: Int64) throws -> HTTPResponse {
        guard let job = try queue.job(id) else { throw HTTPError.notFound("No job with id \(id).") }
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
        switch (body.ids, body.status) {
        case (let ids?, nil):
            guard !ids.isEmpty, ids.count <= 500 else {
                throw HTTPError.badRequest("'ids' must list 1 to 500 job ids.", code: "invalid_field")
            }
            let jobs = try mapErrors { try queue.retry(ids: ids) }
            return .json(BulkRetryReply(retried: jobs.count, jobs: jobs.map(JobRepresentation.init)))
        case (nil, let name?):
            let jobs = try mapErrors { try queue.retry(status: try Self.status(named: name)) }
            return .json(BulkRetryReply(retried: jobs.count, jobs: jobs.map(JobRepresentation.init)))
        default:
            throw HTTPError.badRequest("Give either 'ids' (a list of job ids) or 'status' (e.g. \"failed\"), not both.", code: "invalid_field")
        }
    }

    private func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as JobQueueError {
            switch error {
            case .notFound: throw HTTPError.notFound(error.description)
            case .conflict: throw HTTPError.conflict(error.description)
            }
        }
    }

    static func status(named name: String) throws -> JobStatus {
        guard let status = JobStatus(rawValue: name) else {
            throw HTTPError.badRequest(
                "Unknown status '\(name)'; use one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")).",
                code: "invalid_field")
        }
        return status
    }

    /// A query integer within `range`, or a 400 naming it.
    static func integer(_ text: String?, name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text, !text.isEmpty else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw HTTPError.badRequest("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound).", code: "invalid_field")
        }
        return value
    }
}
