import Foundation
import SpoolStore

/// A channel as the API and the live feed show it, with its counts.
struct ChannelRepresentation: Encodable, Sendable {
    struct Counts: Encodable, Sendable {
        let videos: Int
        let downloaded: Int
        let queued: Int
        let failed: Int
    }

    let id: Int64
    let url: String
    let title: String?
    let remoteId: String?
    let state: ChannelState
    let addedAt: Date
    let lastSyncedAt: Date?
    let nextSyncAt: Date?
    let syncIntervalHours: Double
    let lastError: String?
    let counts: Counts

    init(_ channel: Channel, counts: Counts) {
        id = channel.id ?? 0
        url = channel.url
        title = channel.title
        remoteId = channel.remoteId
        state = channel.state
        addedAt = channel.addedAt
        lastSyncedAt = channel.lastSyncedAt
        nextSyncAt = channel.nextSyncAt
        syncIntervalHours = Double(channel.syncIntervalSeconds) / 3600
        lastError = channel.lastError
        self.counts = counts
    }
}
