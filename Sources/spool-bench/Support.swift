// What the subcommands share: options, timing and the table layout.
import Foundation
import GRDB
import SpoolJobs

let usage = """
    spool-bench [--jobs N] [--batch N] [--workers N] [--dir PATH]
    spool-bench seed --db PATH [--small] [--tracks N] [--jobs N] [--plays N] [--sources N] [--tombstones N] [--seed N]
    spool-bench triggers [--rounds N] [--jobs N] [--dir PATH]
    """

/// Stops with a message and the usage.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("spool-bench: \(message)\n\(usage)\n".utf8))
    exit(2)
}

/// `--name value` pairs, each name once.
func flags(_ arguments: [String], allowed: Set<String>, switches: Set<String> = []) -> [String: String] {
    var values: [String: String] = [:]
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard flag.hasPrefix("--"), allowed.contains(flag) || switches.contains(flag) else { fail("unknown option \(flag)") }
        if switches.contains(flag) {
            values[flag] = "true"
        } else {
            guard let value = iterator.next() else { fail("\(flag) needs a value") }
            values[flag] = value
        }
    }
    return values
}

/// A whole number from `--name`, or `defaultValue`.
func number(_ values: [String: String], _ name: String, _ defaultValue: Int) -> Int {
    guard let text = values[name] else { return defaultValue }
    guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= 0 else { fail("\(name) must be a whole number") }
    return value
}

struct Options {
    var batch = 10_000
    var jobs = 10_000
    var workers = 3
    var directory = NSTemporaryDirectory() + "spool-bench-" + UUID().uuidString

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--batch": batch = Int(value) ?? batch
            case "--jobs": jobs = Int(value) ?? jobs
            case "--workers": workers = Int(value) ?? workers
            case "--dir": directory = value
            default: fail("unknown option \(flag)")
            }
        }
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Unbuffered, so figures are out even if a later step fails.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

func row(_ name: String, _ spool: String, _ reference: String) {
    say(name.padding(toLength: 46, withPad: " ", startingAt: 0) + spool.padding(toLength: 24, withPad: " ", startingAt: 0) + reference)
}

/// A plain WAL database with the jobs table's columns: the reference side.
func referenceDatabase(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.prepareDatabase { db in
        try db.execute(sql: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
    }
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    try queue.write { db in
        try db.execute(sql: """
            CREATE TABLE jobs (id INTEGER PRIMARY KEY, kind TEXT, status TEXT, payload TEXT, priority INT,
                               video_id TEXT, title TEXT, attempts INT, max_attempts INT, run_after REAL, created_at REAL)
            """)
    }
    return queue
}


/// Counts completed jobs from the queue's own events (measuring adds no database reads).
final class Completions: @unchecked Sendable {
    private let condition = NSCondition()
    private var counting = false
    private var completed = 0

    func observe(_ event: JobQueueEvent) {
        guard case .status(let job) = event, job.status == .completed else { return }
        condition.lock()
        if counting {
            completed += 1
            condition.broadcast()
        }
        condition.unlock()
    }

    func startCounting() {
        condition.lock()
        counting = true
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return completed
    }

    /// Waits until `total` jobs completed, then stops counting.
    func wait(for total: Int) {
        condition.lock()
        while completed < total { condition.wait() }
        counting = false
        condition.unlock()
    }
}
