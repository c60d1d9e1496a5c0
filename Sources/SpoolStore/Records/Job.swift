import Foundation
import GRDB

/// A unit of work in the persistent queue (a channel sync, a download, …).
public struct Job: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "jobs"

    public var id: Int64?
    public var kind: String
    public var status: JobStatus
    /// Higher runs first.
    public var priority: Int
    /// Kind-specific JSON.
    public var payload: String
    public var sourceId: Int64?
    public var videoId: String?
    public var title: String?
    public var attempts: Int
    public var maxAttempts: Int
    public var runAfter: Date
    /// A running job whose lease passes without a heartbeat is a zombie.
    public var leaseUntil: Date?
    public var worker: String?
    public var progressPercent: Double?
    public var progressBytes: Int64?
    public var progressTotalBytes: Int64?
    public var progressSpeed: Double?
    public var progressEta: Int?
    public var lastError: String?
    public var errorClass: JobErrorClass?
    public var logTail: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The raw line of the tool behind `lastError` (which is plain language for users).
    public var errorDetail: String?

    public init(
        kind: String, payload: String = "{}", priority: Int = 0, sourceId: Int64? = nil,
        videoId: String? = nil, title: String? = nil, maxAttempts: Int = 5,
        runAfter: Date = Date(), createdAt: Date = Date()
    ) {
        self.kind = kind
        self.status = .pending
        self.priority = priority
        self.payload = payload
        self.sourceId = sourceId
        self.videoId = videoId
        self.title = title
        self.attempts = 0
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
