import Foundation
import GRDB

// The queue reads and writes job rows thousands of times a second. GRDB's Codable path looks
// every column up by a name converted from camelCase on each row; these hand-written mappings
// (same columns, same REAL-seconds dates) made claim + complete several times cheaper.

extension Job {
    public init(row: Row) throws {
        id = row["id"]
        kind = row["kind"]
        status = row["status"]
        priority = row["priority"]
        payload = row["payload"]
        channelId = row["channel_id"]
        videoId = row["video_id"]
        title = row["title"]
        attempts = row["attempts"]
        maxAttempts = row["max_attempts"]
        runAfter = Date(unixSeconds: row["run_after"])
        leaseUntil = Date(unixSeconds: row["lease_until"] as Double?)
        worker = row["worker"]
        progressPercent = row["progress_percent"]
        progressBytes = row["progress_bytes"]
        progressTotalBytes = row["progress_total_bytes"]
        progressSpeed = row["progress_speed"]
        progressEta = row["progress_eta"]
        lastError = row["last_error"]
        errorClass = row["error_class"]
        logTail = row["log_tail"]
        createdAt = Date(unixSeconds: row["created_at"])
        updatedAt = Date(unixSeconds: row["updated_at"])
        startedAt = Date(unixSeconds: row["started_at"] as Double?)
        finishedAt = Date(unixSeconds: row["finished_at"] as Double?)
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["kind"] = kind
        container["status"] = status
        container["priority"] = priority
        container["payload"] = payload
        container["channel_id"] = channelId
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

extension Date {
    /// A date stored as REAL Unix seconds (how Spool's schema keeps every date).
    init(unixSeconds: Double) {
        self.init(timeIntervalSince1970: unixSeconds)
    }

    init?(unixSeconds: Double?) {
        guard let unixSeconds else { return nil }
        self.init(timeIntervalSince1970: unixSeconds)
    }
}
