import Foundation
import GRDB
import SpoolJobs
import SpoolStore

/// How many of a channel's videos are where. `ChannelCounts.read` is the one query that
/// counts them.
public struct ChannelCounts: Sendable, Equatable, Codable {
    /// Entries the last sync listed, or the tracks, whichever is larger.
    public var videos: Int
    public var downloaded: Int
    /// Downloads queued or running.
    public var queued: Int
    /// Downloads that ended badly and wait for the user.
    public var failed: Int

    public init(videos: Int, downloaded: Int, queued: Int, failed: Int) {
        self.videos = videos
        self.downloaded = downloaded
        self.queued = queued
        self.failed = failed
    }

    /// The counts of one channel. Index-only work: `tracks_channel` and `jobs_channel`.
    static func read(_ db: Database, channelId: Int64, videoCount: Int) throws -> ChannelCounts {
        let row = try Row.fetchOne(db, sql: """
            SELECT
              (SELECT count(*) FROM tracks WHERE channel_id = ?1 AND deleted_at IS NULL) AS downloaded,
              (SELECT count(*) FROM jobs WHERE channel_id = ?1 AND kind = '\(JobKind.download.rawValue)'
                 AND status IN \(JobStatus.active.sql)) AS queued,
              (SELECT count(*) FROM jobs WHERE channel_id = ?1 AND kind = '\(JobKind.download.rawValue)'
                 AND status IN \(JobStatus.needsAttention.sql)) AS failed
            """, arguments: [channelId])
        let downloaded: Int = row?["downloaded"] ?? 0
        return ChannelCounts(videos: max(videoCount, downloaded), downloaded: downloaded,
                             queued: row?["queued"] ?? 0, failed: row?["failed"] ?? 0)
    }
}

/// A channel with its counts, as a moment in time: what the API lists and what the live feed
/// sends, so no reader needs the database again.
public struct ChannelSnapshot: Sendable, Equatable {
    public var channel: Channel
    public var counts: ChannelCounts
    /// The last sync's summary, decoded.
    public var lastSync: SyncSummary?

    static func read(_ db: Database, id: Int64) throws -> ChannelSnapshot? {
        guard let channel = try Channel.fetchOne(db, key: id) else { return nil }
        return try ChannelSnapshot(channel: channel, counts: ChannelCounts.read(db, channelId: id, videoCount: channel.videoCount),
                                   lastSync: channel.lastSyncSummary.flatMap(SyncSummary.init(json:)))
    }

    static func readAll(_ db: Database) throws -> [ChannelSnapshot] {
        try Channel.order(Column("id").desc).fetchAll(db).map { channel in
            ChannelSnapshot(channel: channel, counts: try ChannelCounts.read(db, channelId: channel.id!, videoCount: channel.videoCount),
                            lastSync: channel.lastSyncSummary.flatMap(SyncSummary.init(json:)))
        }
    }
}

/// What one sync did: shown per channel, logged, and kept as `channels.last_sync_summary`.
public struct SyncSummary: Sendable, Equatable, Codable {
    /// Entries read from the listing.
    public var read: Int
    /// Entries queued for download.
    public var new: Int
    /// Entries Spool already had (downloaded, queued, deleted by the user, or failed before).
    public var known: Int
    /// Lines of the listing that could not be read (logged and skipped).
    public var unreadable: Int
    /// True for a full re-list; false when the re-sync stopped at the first run of known entries.
    public var full: Bool
    /// The listing was stopped after `stopAfterKnown` known entries in a row.
    public var stoppedEarly: Bool
    public var seconds: Double

    public init(read: Int, new: Int, known: Int, unreadable: Int, full: Bool, stoppedEarly: Bool, seconds: Double) {
        self.read = read
        self.new = new
        self.known = known
        self.unreadable = unreadable
        self.full = full
        self.stoppedEarly = stoppedEarly
        self.seconds = seconds
    }

    init?(json: String) {
        guard let value = try? JSONDecoder().decode(SyncSummary.self, from: Data(json.utf8)) else { return nil }
        self = value
    }

    var json: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
