import Foundation
import SpoolCore
import SpoolStore

/// A channel as the API and the live feed show it, with its counts.
struct ChannelRepresentation: Encodable, Sendable {

    private enum CodingKeys: String, CodingKey {
        case id, url, title, remoteId, state, addedAt, lastSyncedAt, nextSyncAt, syncIntervalHours, lastError, counts, lastSync, lastFullSyncAt
    }

    /// Every field is written, `null` included, so clients see one stable shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(url, forKey: .url)
        try container.encode(title, forKey: .title)
        try container.encode(remoteId, forKey: .remoteId)
        try container.encode(state, forKey: .state)
        try container.encode(addedAt, forKey: .addedAt)
        try container.encode(lastSyncedAt, forKey: .lastSyncedAt)
        try container.encode(nextSyncAt, forKey: .nextSyncAt)
        try container.encode(syncIntervalHours, forKey: .syncIntervalHours)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(counts, forKey: .counts)
        try container.encode(lastSync, forKey: .lastSync)
        try container.encode(lastFullSyncAt, forKey: .lastFullSyncAt)
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
    let counts: ChannelCounts
    /// What the last sync did: entries read, new, known, unreadable; full or stopped early.
    let lastSync: SyncSummary?
    let lastFullSyncAt: Date?

    init(_ snapshot: ChannelSnapshot) {
        let channel = snapshot.channel
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
        counts = snapshot.counts
        lastSync = snapshot.lastSync
        lastFullSyncAt = channel.lastFullSyncAt
    }
}
