// `spool-bench triggers`: what the counters' triggers (StoredCounts, each user's too) cost the writer. The same
// workloads run on a database with the triggers and on one without them (dropped after the
// migration), alternating, in the same run: a sync's batch of downloads enqueued, the queue
// claiming and completing them with three workers, downloads' tracks arriving one write each,
// and a user's likes and trash/restore clicks one write each.
import Foundation
import GRDB
import SpoolJobs
import SpoolStore

enum TriggerCost {
    struct Figures {
        var enqueue: [Double] = []
        var queue: [Double] = []
        var tracks: [Double] = []
        var clicks: [Double] = []
    }

    static func run(_ arguments: [String]) throws {
        let values = flags(arguments, allowed: ["--rounds", "--jobs", "--dir"])
        let rounds = max(1, number(values, "--rounds", 3))
        let jobs = max(100, number(values, "--jobs", 10_000))
        let directory = values["--dir"] ?? NSTemporaryDirectory() + "spool-triggers-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        say("Counter triggers: the same workloads with and without them, \(rounds) rounds, \(jobs) jobs / tracks / clicks")
        var with = Figures(), without = Figures()
        for round in 0..<rounds {
            // Alternate which goes first, so a machine that slows down mid-run hurts both alike.
            for triggers in round % 2 == 0 ? [true, false] : [false, true] {
                let path = "\(directory)/round\(round)-\(triggers ? "with" : "without").db"
                let figures = try measure(path: path, triggers: triggers, jobs: jobs)
                if triggers { append(figures, to: &with) } else { append(figures, to: &without) }
            }
        }
        row("", "with triggers", "without (reference)")
        func line(_ name: String, _ a: [Double], _ b: [Double], unit: String, perSecond: Bool) {
            let (x, y) = (percentile(a, 0.5), percentile(b, 0.5))
            let shown = perSecond
                ? (String(format: "%.0f %@", Double(jobs) / x, unit), String(format: "%.0f %@", Double(jobs) / y, unit))
                : (String(format: "%.1f %@", x * 1000, unit), String(format: "%.1f %@", y * 1000, unit))
            row(name, shown.0, shown.1 + String(format: "   (%+.0f %% time)", (x / y - 1) * 100))
        }
        line("enqueue \(jobs) downloads, one commit", with.enqueue, without.enqueue, unit: "ms", perSecond: false)
        line("claim + complete, 3 workers", with.queue, without.queue, unit: "jobs/s", perSecond: true)
        line("tracks inserted, one write each", with.tracks, without.tracks, unit: "writes/s", perSecond: true)
        line("like / trash / restore, one write each", with.clicks, without.clicks, unit: "writes/s", perSecond: true)
        say("(medians of \(rounds) rounds; load average \(loadAverage()))")
    }

    private static func append(_ figures: Figures, to total: inout Figures) {
        total.enqueue += figures.enqueue
        total.queue += figures.queue
        total.tracks += figures.tracks
        total.clicks += figures.clicks
    }

    private static func measure(path: String, triggers: Bool, jobs: Int) throws -> Figures {
        let database = try SpoolDatabase(options: DatabaseOptions(path: path))
        defer { try? database.close() }
        try database.migrate()
        try database.write { db in
            if !triggers {
                for name in StoredCounts.triggerNames + StoredCounts.userTriggerNames + StoredCounts.userSumTriggerNames { try db.execute(sql: "DROP TRIGGER \(name)") }
            }
            for id in 1...20 {
                try db.execute(sql: "INSERT INTO sources (id, url, added_at) VALUES (?, ?, 0)", arguments: [id, "https://example.com/\(id)"])
            }
        }
        var figures = Figures()
        let completions = Completions()
        completions.startCounting()
        let queue = JobQueue(database: database, events: completions.observe)
        let batch = (0..<jobs).map { index in
            NewJob(kind: "bench.noop", payload: "{}", sourceId: Int64(index % 20 + 1), videoId: "video-\(index)", title: "Video \(index)")
        }
        figures.enqueue.append(try seconds { _ = try queue.enqueue(batch) })

        let pool = WorkerPool(queue: queue, options: WorkerPoolOptions(workers: 3, supervisionSeconds: 0.5))
        struct NoOp: JobHandler { func run(_ context: JobContext) throws -> JobCompletion { .done } }
        pool.register("bench.noop", handler: NoOp())
        figures.queue.append(try seconds {
            try pool.start()
            completions.wait(for: jobs)
        })
        pool.stop()

        figures.tracks.append(try seconds {
            for index in 0..<jobs {
                try database.write { db in
                    try db.execute(sql: """
                        INSERT INTO tracks (video_id, source_id, title, file_path, size, mime_type, created_at)
                        VALUES (?, ?, ?, ?, 1000, 'audio/mp4', 0)
                        """, arguments: ["video-\(index)", index % 20 + 1, "Video \(index)", "Bench/video-\(index).m4a"])
                }
            }
        })
        figures.clicks.append(try seconds {
            for index in 0..<jobs {
                let id = index % 500 + 1
                try database.write { db in
                    switch index % 3 {
                    case 0: try db.execute(sql: """
                        INSERT INTO user_tracks (user_id, track_id, rating, liked_at) VALUES (1, ?, 1, ?)
                        ON CONFLICT (user_id, track_id) DO UPDATE SET rating = 1 - rating, liked_at = excluded.liked_at
                        """, arguments: [id, Double(index)])
                    case 1: try db.execute(sql: "UPDATE tracks SET deleted_at = ?, trash_path = 'x' WHERE id = ?", arguments: [Double(index), id])
                    default: try db.execute(sql: "UPDATE tracks SET deleted_at = NULL, trash_path = NULL WHERE id = ?", arguments: [id])
                    }
                }
            }
        })
        return figures
    }
}

/// The 1-minute load average, for the record of a shared machine.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
}
