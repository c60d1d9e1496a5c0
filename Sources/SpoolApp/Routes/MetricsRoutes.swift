import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore
import Synchronization

/// `GET /metrics`: the Prometheus text format — HTTP requests by route and status with a
/// latency histogram, connections, WebSocket clients and drops, the writer's transactions and
/// lock waits, jobs per status, workers, the rate-limit brake, backups and notifications, and
/// the process's resident memory and allocator arenas.
struct MetricsRoutes: RouteCollection {
    let domain: Domain
    let live: LiveFeed
    let http: HTTPMetrics
    /// The server is built after the routes; its connection counters are read through this.
    let connections: @Sendable () -> HTTPServer.ConnectionCounters

    func register(on routes: inout Routes) {
        routes.get("/metrics", .admin) { _ in
            .text(try exposition(), contentType: PrometheusText.contentType)
        }
    }

    func exposition() throws -> String {
        var text = PrometheusText()
        text.family("spool_build_info", .gauge, help: "The running version.")
        text.sample("spool_build_info", ["version": SpoolVersion.current], 1)
        text.single("spool_uptime_seconds", .gauge, help: "Seconds since start-up.", Date().timeIntervalSince(domain.startedAt))
        if let resident = ProcessMemory.residentBytes() {
            text.single("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.", Double(resident))
        }
        if let arenas = ProcessMemory.arenaCount() {
            text.single("spool_malloc_arenas", .gauge, help: "Arenas of the C allocator (at most MALLOC_ARENAS).", Double(arenas))
        }

        http.write(to: &text)
        let connection = connections()
        text.single("spool_http_connections_open", .gauge, help: "Open HTTP connections (WebSocket clients excluded).", Double(connection.open))
        text.single("spool_http_connections_refused_total", .counter, help: "Connections refused at the connection limit.", Double(connection.refused))

        let socket = live.webSocket.statistics
        text.single("spool_websocket_clients", .gauge, help: "Connected live-feed clients.", Double(socket.clients))
        text.single("spool_websocket_clients_dropped_total", .counter, help: "Live-feed clients disconnected for not keeping up.", Double(socket.dropped))
        text.single("spool_websocket_messages_sent_total", .counter, help: "Live-feed messages sent.", Double(socket.sent))
        text.single("spool_events_published_total", .counter, help: "Events published by the in-process hub.", Double(domain.events.lastSequence))

        let status = try domain.database.status()
        let writer = status.writer
        text.single("spool_db_write_transactions_total", .counter, help: "Write transactions committed through the writer queue.", Double(writer.transactions))
        text.single("spool_db_write_failures_total", .counter, help: "Write transactions that failed.", Double(writer.failedTransactions))
        text.single("spool_db_commits_total", .counter, help: "Commits of the writer queue (group commit joins concurrent writes).", Double(writer.commits))
        text.single("spool_db_writer_queue_depth", .gauge, help: "Writes waiting for the writer queue.", Double(writer.queueDepth))
        text.single("spool_db_busy_waits_total", .counter, help: "Times the writer waited for a lock held by another process.", Double(writer.busyWaits))
        text.single("spool_db_busy_timeouts_total", .counter, help: "Lock waits that ran out of time.", Double(writer.busyTimeouts))
        text.family("spool_db_writer_hold_max_seconds", .gauge, help: "The longest time each kind of housekeeping held the writer since start-up.")
        for work in HousekeepingWork.allCases {
            if let milliseconds = writer.longestHoldMilliseconds[work] {
                text.sample("spool_db_writer_hold_max_seconds", ["work": work.rawValue], milliseconds / 1000)
            }
        }
        text.single("spool_db_file_bytes", .gauge, help: "Size of the database file.", Double(status.fileSizeBytes))
        text.single("spool_db_wal_bytes", .gauge, help: "Size of the write-ahead log.", Double(status.walSizeBytes))

        text.family("spool_jobs", .gauge, help: "Jobs per status.")
        for job in JobStatus.allCases {
            text.sample("spool_jobs", ["status": job.rawValue], Double(status.jobCounts[job.rawValue] ?? 0))
        }
        let workers = domain.workers.status
        text.single("spool_workers", .gauge, help: "Worker threads.", Double(workers.workers))
        text.single("spool_workers_busy", .gauge, help: "Workers running a job.", Double(workers.busy))
        text.single("spool_jobs_zombies_recovered_total", .counter, help: "Running jobs found without a live worker and recovered.", Double(workers.zombiesRecovered))

        let brake = domain.brake.current
        text.single("spool_ratelimit_paused", .gauge, help: "1 while all downloads pause after a rate limit.", brake.pausedUntil == nil ? 0 : 1)
        text.single("spool_ratelimit_trips_total", .counter, help: "Rate-limit and bot-check pauses since start-up.", Double(brake.trips))
        text.single("spool_database_writable", .gauge, help: "0 once the database file was deleted or replaced under the server.", domain.database.fileProblem == nil ? 1 : 0)
        text.family("spool_storage_refusals_total", .counter, help: "Requests refused by storage (disk full, database busy or gone).")
        for (kind, count) in StorageErrors.shared.snapshot.sorted(by: { $0.key < $1.key }) {
            text.sample("spool_storage_refusals_total", ["kind": kind], Double(count))
        }
        writeBackups(to: &text)
        writeNotifications(to: &text)
        return text.text
    }

    /// The last good backup's time (an alert: older than two intervals), size and duration.
    private func writeBackups(to text: inout PrometheusText) {
        let backups = domain.backups.status
        text.single("spool_backup_enabled", .gauge, help: "1 when scheduled backups are on (BACKUP_INTERVAL_HOURS > 0).", backups.enabled ? 1 : 0)
        text.single("spool_backup_files", .gauge, help: "Backups in BACKUP_DIR.", Double(backups.files))
        text.single("spool_backup_last_success_timestamp_seconds", .gauge, help: "When the newest backup was taken (Unix seconds; 0 for none).",
                    backups.last?.at.timeIntervalSince1970 ?? 0)
        text.single("spool_backup_last_size_bytes", .gauge, help: "Size of the newest backup.", Double(backups.last?.sizeBytes ?? 0))
        text.single("spool_backup_last_duration_seconds", .gauge, help: "How long the newest backup made since start-up took.",
                    backups.last?.durationSeconds ?? 0)
        text.single("spool_backups_total", .counter, help: "Backups made since start-up.", Double(backups.succeeded))
        text.single("spool_backup_failures_total", .counter, help: "Backups that failed since start-up.", Double(backups.failed))
    }

    /// Messages per notifier: sent, failed (not retried), dropped (outbox full).
    private func writeNotifications(to text: inout PrometheusText) {
        let notifiers = domain.notifications.status
        for (name, help, value) in [
            ("spool_notifications_sent_total", "Notifications delivered, per notifier.", \NotificationService.NotifierStatus.sent),
            ("spool_notifications_failed_total", "Notifications that failed or timed out, per notifier.", \.failed),
            ("spool_notifications_dropped_total", "Notifications dropped because the notifier's queue was full.", \.dropped),
        ] {
            text.family(name, .counter, help: help)
            for notifier in notifiers { text.sample(name, ["notifier": notifier.name], Double(notifier[keyPath: value])) }
        }
    }
}

/// Holds the server once it exists, for routes registered before it (metrics).
final class ServerReference: Sendable {
    private let server = Mutex<HTTPServer?>(nil)

    func set(_ value: HTTPServer) { server.withLock { $0 = value } }

    var connections: HTTPServer.ConnectionCounters {
        server.withLock { $0?.connections } ?? .init()
    }
}
