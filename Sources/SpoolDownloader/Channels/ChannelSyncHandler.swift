import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolStore

/// The `channel_sync` job kind: lists the channel with yt-dlp (no transaction held meanwhile),
/// then enqueues one download per new video in one batch — skipping videos already in the
/// library, already queued (the queue's unique index), deleted by the user (tombstones), or
/// whose download failed permanently or was cancelled (the user retries those by hand) —
/// and records the channel's new state in the transaction that completes the job.
struct ChannelSyncHandler: JobHandler {
    let runner: YtDlpRunner
    let queue: JobQueue
    let hub: EventHub
    let maxAttempts: Int
    let logger: Logger

    func run(_ context: JobContext) throws -> JobCompletion {
        let payload = try context.payload(ChannelSyncPayload.self)
        let database = queue.database
        guard var channel = try database.read({ try Channel.fetchOne($0, key: payload.channelId) }) else {
            throw JobFailure(.permanent, "The channel was removed")
        }
        channel = try update(channel.id!) { $0.state = .syncing }

        let output = try runner.run(YtDlpArguments.listing(channel.url, options: runner.options), context: context)
        if context.isCancelled { throw JobFailure(.cancelled, "Stopped") }
        let listing: ChannelListing
        do {
            guard output.outcome.isSuccess else { throw runner.failure(of: output) }
            listing = try ChannelListing(json: Data(output.stdout.joined(separator: "\n").utf8))
        } catch {
            let failure = (error as? JobFailure) ?? JobFailure(.transient, "The listing could not be read: \(error)")
            _ = try? update(channel.id!) {
                $0.state = .error
                $0.lastError = failure.message
            }
            throw failure
        }

        let channelTitle = listing.uploader ?? listing.title ?? channel.title ?? channel.url
        let known = try database.read { db -> Set<String> in
            let ids = listing.entries.map(\.id)
            var known = Set<String>()
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let marks = chunk.map { _ in "?" }.joined(separator: ",")
                known.formUnion(try String.fetchAll(db, sql: """
                    SELECT video_id FROM tracks WHERE video_id IN (\(marks))
                    UNION SELECT video_id FROM tombstones WHERE video_id IN (\(marks))
                    UNION SELECT video_id FROM jobs WHERE kind = 'download' AND status IN ('failed', 'cancelled') AND video_id IN (\(marks))
                    """, arguments: StatementArguments(chunk + chunk + chunk)))
            }
            return known
        }
        let fresh = listing.entries.filter { !known.contains($0.id) }
        let jobs = try fresh.map { entry in
            try NewJob(
                kind: DownloaderKinds.download,
                payload: DownloadPayload(url: entry.url, videoId: entry.id, title: entry.title, duration: entry.duration,
                                         uploader: entry.uploader, channelTitle: channelTitle),
                channelId: channel.id, videoId: entry.id, title: entry.title, maxAttempts: maxAttempts)
        }
        let result = try queue.enqueue(jobs)
        let channelId = channel.id!
        let count = listing.entries.count
        let hub = self.hub
        let database2 = database
        return JobCompletion(
            message: "Listed \(count) videos; queued \(result.insertedIds.count) new downloads",
            commit: { db in
                guard var row = try Channel.fetchOne(db, key: channelId) else { return }
                let now = Date()
                row.title = row.title ?? channelTitle
                row.remoteId = row.remoteId ?? listing.remoteId
                row.videoCount = count
                row.state = .idle
                row.lastError = nil
                row.lastSyncedAt = now
                row.nextSyncAt = now.addingTimeInterval(Double(row.syncIntervalSeconds))
                try row.update(db)
            },
            afterCommit: {
                if let row = try? database2.read({ try Channel.fetchOne($0, key: channelId) }) {
                    hub.publish("channel.updated", row)
                }
            })
    }

    @discardableResult
    private func update(_ id: Int64, _ change: (inout Channel) -> Void) throws -> Channel {
        let channel = try queue.database.write { db -> Channel in
            guard var channel = try Channel.fetchOne(db, key: id) else { throw JobFailure(.permanent, "The channel was removed") }
            change(&channel)
            try channel.update(db)
            return channel
        }
        hub.publish("channel.updated", channel)
        return channel
    }
}

/// The job kinds the downloader registers.
public enum DownloaderKinds {
    public static let channelSync = "channel_sync"
    public static let download = "download"
}
