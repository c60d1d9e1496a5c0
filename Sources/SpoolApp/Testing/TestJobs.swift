import Foundation
import SpoolCore
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// A test hook, registered only with `SPOOL_TEST_JOBS=1`: the `test.sleep` job kind and
/// `POST /api/test/jobs` to enqueue it, so black-box tests can drive the real queue in the real
/// process (crash recovery, concurrency) before any real kind is involved.
///
/// Payload: `{"seconds": 0.2, "outcome": "ok|permanent|transient|hang"}`. `hang` runs until the
/// job is stopped (cancel, time limit, stall). The run reports progress every 50 ms.
enum TestJobs {
    static let kind = "test.sleep"

    struct Payload: Codable {
        var seconds: Double?
        var outcome: String?
    }

    struct Handler: JobHandler {
        func run(_ context: JobContext) throws -> JobCompletion {
            let payload = try context.payload(Payload.self)
            let outcome = payload.outcome ?? "ok"
            let deadline = Date().addingTimeInterval(payload.seconds ?? 0.1)
            var step = 0
            while outcome == "hang" || Date() < deadline {
                if context.isCancelled { throw JobFailure(.cancelled, "Stopped") }
                Thread.sleep(forTimeInterval: outcome == "hang" ? 0.05 : max(0, min(0.05, deadline.timeIntervalSinceNow)))
                step += 1
                if outcome != "silent" {
                    context.reportProgress(JobProgress(percent: min(100, Double(step) * 5), downloadedBytes: Int64(step) * 1000))
                }
            }
            switch outcome {
            case "permanent": throw JobFailure(.permanent, "Test job failed permanently", exitCode: 1)
            case "transient": throw JobFailure(.transient, "Test job failed transiently", exitCode: 1)
            default: return JobCompletion(message: "Slept")
            }
        }
    }

    static func register(on pool: WorkerPool, settings: Settings) {
        pool.register(kind, limits: JobLimits(timeLimit: 30, stallTimeout: 5), handler: Handler())
    }

    struct EnqueueRequest: Decodable {
        var jobs: [Payload]
    }

    static func register(on routes: inout Routes, queue: JobQueue, settings: Settings) {
        routes.post("/api/test/jobs", .admin, maximumBodySize: 8 << 20) { request in
            let body = try request.decodeJSON(EnqueueRequest.self)
            let jobs = try body.jobs.map { payload in
                try NewJob(kind: kind, payload: payload, title: "Test job", maxAttempts: settings.maxAttempts)
            }
            let result = try queue.enqueue(jobs)
            return .json(["ids": result.insertedIds], status: 202)
        }
    }
}
