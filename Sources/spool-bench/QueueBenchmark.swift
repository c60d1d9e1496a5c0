// The queue and writer benchmark (`spool-bench` without a subcommand), printed beside a reference
// measured in the same run on the same disk: the same SQL through a bare prepared statement.
import Foundation
import GRDB
import SpoolJobs
import SpoolStore

enum QueueBenchmark {
    static func run(_ options: Options) throws {
        try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: options.directory) }

        let database = try SpoolDatabase(options: DatabaseOptions(path: options.directory + "/spool.db"))
        try database.migrate()
        // Completions are counted from the queue's own events, so measuring adds no database reads.
        let completions = Completions()
        let queue = JobQueue(database: database, events: completions.observe)
        let reference = try referenceDatabase(options.directory + "/reference.db")

        say("Spool queue benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite \(try DatabaseQueue().read { try String.fetchOne($0, sql: "SELECT sqlite_version()") } ?? "?")")
        row("", "Spool", "reference (bare SQL)")

        // 1. A channel of `batch` videos enqueued in one commit (uniqueness check and RETURNING included).
        let batch = (0..<options.batch).map { index in
            NewJob(kind: "download", payload: #"{"url":"https://example.com/v/\#(index)"}"#, videoId: "video-\(index)", title: "Video \(index)")
        }
        var inserted = 0
        let enqueueSeconds = try seconds { inserted = try queue.enqueue(batch).insertedIds.count }
        precondition(inserted == options.batch)
        let referenceEnqueueSeconds = try seconds {
            try reference.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO jobs (kind, status, payload, priority, video_id, title, attempts, max_attempts, run_after, created_at)
                    VALUES ('download', 'pending', ?, 0, ?, ?, 0, 5, ?, ?)
                    """)
                let now = Date().timeIntervalSince1970
                for index in 0..<options.batch {
                    try statement.execute(arguments: [#"{"url":"https://example.com/v/\#(index)"}"#, "video-\(index)", "Video \(index)", now, now])
                }
            }
        }
        row("enqueue \(options.batch) jobs, one commit", String(format: "%.0f ms", enqueueSeconds * 1000),
            String(format: "%.0f ms (plain INSERTs)", referenceEnqueueSeconds * 1000))
        let again = try queue.enqueue(batch)
        row("  same batch again (all duplicates)", "\(again.skippedDuplicates) skipped", "")

        // 2. Claim + complete through the worker pool: each job is a claim commit and a finish commit.
        try database.write { db in try db.execute(sql: "DELETE FROM job_events; DELETE FROM jobs") }
        let pool = WorkerPool(queue: queue, options: WorkerPoolOptions(workers: options.workers, supervisionSeconds: 0.5))
        struct NoOp: JobHandler { func run(_ context: JobContext) throws -> JobCompletion { .done } }
        pool.register("bench.noop", handler: NoOp())

        // A user's write (a rating) every 10 ms while the queue runs flat out: its latency is what the
        // old app lost to "database is locked".
        try database.write { db in
            try db.execute(sql: "INSERT INTO tracks (video_id, title, file_path, mime_type, created_at) VALUES ('t1', 'Track', 'x/t1.m4a', 'audio/mp4', 0)")
        }
        let idleDeadline = Date().addingTimeInterval(2)
        let idleLatencies = measureUserWrites(database) { Date() < idleDeadline }

        _ = try queue.enqueue((0..<options.jobs).map { NewJob(kind: "bench.noop", videoId: "noop-\($0)") })
        nonisolated(unsafe) var busyLatencies: [Double] = []
        completions.startCounting()
        let commitsBefore = database.writerStatistics.snapshot.commits
        let start = DispatchTime.now().uptimeNanoseconds
        try pool.start()
        let sampler = Thread {
            busyLatencies = measureUserWrites(database) {
                completions.count < options.jobs
            }
        }
        sampler.start()
        completions.wait(for: options.jobs)
        let queueSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        pool.stop()
        while sampler.isExecuting { Thread.sleep(forTimeInterval: 0.01) }

        // Reference: single-row commits, one after another (the ceiling of any one-commit-per-step queue).
        let referenceCommits = options.jobs * 2
        let referenceSeconds = try seconds {
            for index in 0..<referenceCommits {
                try reference.write { db in
                    try db.execute(sql: "UPDATE jobs SET status = ?, attempts = attempts + 1 WHERE id = ?",
                                   arguments: [index % 2 == 0 ? "running" : "completed", index / 2 + 1])
                }
            }
        }
        let queueCommits = database.writerStatistics.snapshot.commits - commitsBefore
        row("claim + complete, \(options.workers) workers", String(format: "%.0f jobs/s", Double(options.jobs) / queueSeconds),
            String(format: "%.0f single-row commits/s", Double(referenceCommits) / referenceSeconds))
        row("  commits per job (group commit)", String(format: "%.2f", Double(queueCommits) / Double(options.jobs)), "")
        let events = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM job_events") ?? 0 }
        row("  job_events rows written (timeline)", "\(events)", "")
        row("user write latency, idle (p50/p99/max)",
            String(format: "%.2f/%.2f/%.2f ms", percentile(idleLatencies, 0.5), percentile(idleLatencies, 0.99), idleLatencies.max() ?? 0), "")
        row("user write latency, queue flat out", String(format: "%.2f/%.2f/%.2f ms", percentile(busyLatencies, 0.5),
            percentile(busyLatencies, 0.99), busyLatencies.max() ?? 0), "\(busyLatencies.count) writes, 0 failed")
        let writer = database.writerStatistics.snapshot
        row("writer: transactions / commits / failed / busy waits",
            "\(writer.transactions) / \(writer.commits) / \(writer.failedTransactions) / \(writer.busyWaits)", "")
        try database.close()
    }
    /// A user's rating write every 10 ms while `running` says so; the latency of each, in ms.
    static func measureUserWrites(_ database: SpoolDatabase, while running: () -> Bool) -> [Double] {
        var latencies: [Double] = []
        var value = 0
        repeat {
            value = 1 - value
            let elapsed = try? seconds {
                try database.write { db in try db.execute(sql: """
                    INSERT INTO user_tracks (user_id, track_id, rating) SELECT 1, id, ? FROM tracks WHERE video_id = 't1'
                    ON CONFLICT (user_id, track_id) DO UPDATE SET rating = excluded.rating
                    """, arguments: [value]) }
            }
            if let elapsed { latencies.append(elapsed * 1000) }
            Thread.sleep(forTimeInterval: 0.01)
        } while running()
        return latencies
    }
}
