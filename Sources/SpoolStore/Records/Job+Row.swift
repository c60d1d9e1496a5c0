import Foundation
import GRDB

// The queue reads and writes job rows thousands of times a second. GRDB's Codable path looks
// every column up by a name converted from camelCase on each row; these hand-written mappings
// (same columns, same REAL-seconds dates) made claim + complete several times cheaper.

extension Job: PositionalRecord {
    /// Every column of `jobs`, in the table's own order (a test holds the two together), so
    /// `SELECT *`, `RETURNING *`, `columnList` and GRDB's requests all give rows that
    /// `init(row:)` reads by position.
    public static let columnNames = [
        "id", "kind", "status", "priority", "payload", "source_id", "video_id", "title", "attempts",
        "max_attempts", "run_after", "lease_until", "worker", "progress_percent", "progress_bytes",
        "progress_total_bytes", "progress_speed", "progress_eta", "last_error", "error_class", "log_tail",
        "created_at", "updated_at", "started_at", "finished_at", "error_detail",
    ]

    /// `columnNames` for SQL: `SELECT \(Job.columnList) FROM jobs`, `RETURNING \(Job.columnList)`.
    public static let columnList = columnNames.joined(separator: ", ")

    /// Reads a row of `columnNames`, by position: the queue reads and writes job rows thousands
    /// of times a second, and by-name lookups showed in its profile.
    public init(row: Row) throws {
        id = row[0]
        kind = row[1]
        status = row[2]
        priority = row[3]
        payload = row[4]
        sourceId = row[5]
        videoId = row[6]
        title = row[7]
        attempts = row[8]
        maxAttempts = row[9]
        runAfter = Date(unixSeconds: row[10])
        leaseUntil = Date(unixSeconds: row[11] as Double?)
        worker = row[12]
        progressPercent = row[13]
        progressBytes = row[14]
        progressTotalBytes = row[15]
        progressSpeed = row[16]
        progressEta = row[17]
        lastError = row[18]
        errorClass = row[19]
        logTail = row[20]
        createdAt = Date(unixSeconds: row[21])
        updatedAt = Date(unixSeconds: row[22])
        startedAt = Date(unixSeconds: row[23] as Double?)
        finishedAt = Date(unixSeconds: row[24] as Double?)
        errorDetail = row[25]
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["kind"] = kind
        container["status"] = status
        container["priority"] = priority
        container["payload"] = payload
        container["source_id"] = sourceId
        container["video_id"] = videoId
        container["title"] = title
        container["attempts"] = attempts
        container["max_attempts"] = maxAttempts
        container["run_after"] = runAfter.timeIntervalSince1970
        container["lease_until"] = leaseUntil?.timeIntervalSince1970
        container["worker"] = worker
        container["progress_percent"] = progressPercent
        container["progress_bytes"] = progressBytes
        container["progress_total_bytes"] = progressTotalBytes
        container["progress_speed"] = progressSpeed
        container["progress_eta"] = progressEta
        container["last_error"] = lastError
        container["error_class"] = errorClass
        container["log_tail"] = logTail
        container["created_at"] = createdAt.timeIntervalSince1970
        container["updated_at"] = updatedAt.timeIntervalSince1970
        container["started_at"] = startedAt?.timeIntervalSince1970
        container["finished_at"] = finishedAt?.timeIntervalSince1970
        container["error_detail"] = errorDetail
    }
}

extension JobEvent {
    public init(row: Row) throws {
        id = row["id"]
        jobId = row["job_id"]
        fromStatus = row["from_status"]
        toStatus = row["to_status"]
        attempt = row["attempt"]
        message = row["message"]
        errorClass = row["error_class"]
        exitCode = row["exit_code"]
        signal = row["signal"]
        at = Date(unixSeconds: row["at"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["job_id"] = jobId
        container["from_status"] = fromStatus
        container["to_status"] = toStatus
        container["attempt"] = attempt
        container["message"] = message
        container["error_class"] = errorClass
        container["exit_code"] = exitCode
        container["signal"] = signal
        container["at"] = at.timeIntervalSince1970
    }
}
