import Foundation
import GRDB

/// One entry of a job's timeline: a status change with its attempt and outcome.
public struct JobEvent: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "job_events"

    public var id: Int64?
    public var jobId: Int64
    public var fromStatus: JobStatus?
    public var toStatus: JobStatus
    public var attempt: Int
    public var message: String?
    public var errorClass: JobErrorClass?
    public var exitCode: Int?
    public var signal: Int?
    public var at: Date

    public init(
        jobId: Int64, fromStatus: JobStatus?, toStatus: JobStatus, attempt: Int,
        message: String? = nil, errorClass: JobErrorClass? = nil,
        exitCode: Int? = nil, signal: Int? = nil, at: Date = Date()
    ) {
        self.jobId = jobId
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.attempt = attempt
        self.message = message
        self.errorClass = errorClass
        self.exitCode = exitCode
        self.signal = signal
        self.at = at
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
