import Foundation

/// A job to enqueue.
public struct NewJob: Sendable {
    public var kind: String
    public var payload: String
    public var priority: Int
    public var sourceId: Int64?
    public var videoId: String?
    public var title: String?
    public var maxAttempts: Int
    /// Unix seconds; `nil` means now.
    public var runAfter: Double?

    public init(
        kind: String, payload: String = "{}", priority: Int = 0, sourceId: Int64? = nil,
        videoId: String? = nil, title: String? = nil, maxAttempts: Int = 5, runAfter: Double? = nil
    ) {
        self.kind = kind
        self.payload = payload
        self.priority = priority
        self.sourceId = sourceId
        self.videoId = videoId
        self.title = title
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
    }

    /// Encodes `payload` as the job's JSON payload.
    public init<Payload: Encodable>(
        kind: String, payload: Payload, priority: Int = 0, sourceId: Int64? = nil,
        videoId: String? = nil, title: String? = nil, maxAttempts: Int = 5, runAfter: Double? = nil
    ) throws {
        let json = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        self.init(kind: kind, payload: json, priority: priority, sourceId: sourceId, videoId: videoId,
                  title: title, maxAttempts: maxAttempts, runAfter: runAfter)
    }
}

/// What a batch enqueue did.
public struct EnqueueResult: Sendable {
    /// The ids of the jobs inserted, in the batch's order.
    public var insertedIds: [Int64]
    /// The jobs inserted, read back — only for batches up to `JobQueue.individualEventLimit`
    /// (a channel's first sync of thousands needs only the ids, and reading them all back held
    /// the writer several times longer than the inserts).
    public var inserted: [Job]
    /// How many were skipped because the same video already has an active download.
    public var skippedDuplicates: Int
}

import SpoolStore
