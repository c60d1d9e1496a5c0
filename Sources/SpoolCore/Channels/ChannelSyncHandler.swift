import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolProcess
import SpoolStore
import SpoolYtDlp

/// The `channel_sync` job kind: lists the channel with yt-dlp entry by entry and queues the
/// new videos while the listing still runs, so the first downloads of a 20,000-video channel
/// start within seconds and memory stays bounded whatever the listing's size.
///
/// - **Batches.** Entries are checked against what Spool knows (tracks, tombstones, any
///   download job of the video) and queued every `batchSize` entries or every
///   `batchSeconds`, whichever comes first, in the listing's order (newest first on
///   YouTube), in one short write each. Nothing is held in memory but the batch and the ids
///   seen.
/// - **Incremental re-sync.** A re-sync that is not full stops reading once it has seen
///   `stopAfterKnown` known entries in a row, and stops yt-dlp. A full re-list runs on the
///   channels' slower schedule and on the user's "Full sync".
/// - **Unreadable lines** are counted, logged once, and skipped; they never fail the sync.
/// - **State.** The channel's state follows the job (`ChannelService.syncJobChanged`); the
///   summary, title, id and count are written in the transaction that completes the job.
struct ChannelSyncHandler: JobHandler {
    let runner: YtDlpRunner
    let options: @Sendable () -> YtDlpOptions
    let database: SpoolDatabase
    let queue: JobQueue
    let settings: ChannelService.Settings
    let logger: Logger
    /// Called after each batch is queued (the channel's counts changed).
    let onBatch: @Sendable (Int64) -> Void
    /// Entries per enqueue at most; 500 keeps each write a few milliseconds.
    var batchSize = 500
    /// A batch waits at most this long, so the first downloads start early.
    var batchSeconds = 1.0
    /// Known entries in a row after which an incremental re-sync stops.
    var stopAfterKnown = 50

    func run(_ context: JobContext) throws -> JobCompletion {
        let started = Date()
        let payload = try context.payload(ChannelSyncPayload.self)
        guard let channel = try database.read({ try Channel.fetchOne($0, key: payload.channelId) }) else {
            throw JobFailure(.permanent, "The channel was removed.")
        }
        let full = payload.full == true || channel.lastFullSyncAt == nil
        let cancellation = ProcessCancellation()
        context.onCancel { cancellation.cancel() }

        var reader = ListingReader()
        var pending: [ListingEntry] = []
        var lastFlush = Date()
        var progress = Progress()
        var learned = Learned()
        var flushError: Error?

        func flush() {
            guard !pending.isEmpty, flushError == nil else { return }
            do {
                try enqueue(pending, channel: channel, learned: learned, progress: &progress)
            } catch {
                flushError = error
                cancellation.cancel()
            }
            pending.removeAll(keepingCapacity: true)
            lastFlush = Date()
            if !full && progress.knownInARow >= stopAfterKnown && !progress.stoppedEarly {
                progress.stoppedEarly = true
                cancellation.cancel()
            }
        }

        let run: YtDlpRunner.Run
        do {
            run = try runner.run(
                YtDlpArguments.listing(channel.url, options: options(), runtime: runner.installation.runtime),
                cancellation: cancellation,
                onStdout: { line in
                    // Only entries count as progress: a listing that only prints warnings
                    // (or nothing) meets the stall watchdog.
                    guard !progress.stoppedEarly, let entry = reader.read(line) else { return }
                    context.touch()
                    learned.learn(from: entry)
                    pending.append(entry)
                    // An incremental re-sync checks a batch exactly when the run of known
                    // entries could reach `stopAfterKnown`, so it reads no entry past it.
                    let limit = full ? batchSize : max(1, min(batchSize, stopAfterKnown - progress.knownInARow))
                    if pending.count >= limit || Date().timeIntervalSince(lastFlush) >= batchSeconds { flush() }
                })
        } catch {
            throw JobFailure(.permanent, "The listing failed: yt-dlp could not be started; set YTDLP_PATH.", detail: error.description)
        }
        context.setLogTail(run.logTail)
        if !progress.stoppedEarly { flush() }
        if let flushError { throw flushError }
        if context.isCancelled { throw JobFailure(.cancelled, "Stopped") }
        if reader.unreadableLines > 0 {
            logger.warning("Skipped unreadable listing lines", metadata: [
                "channel": "\(channel.id ?? 0)", "lines": "\(reader.unreadableLines)", "first": "\(reader.firstProblem ?? "")",
            ])
        }
        if !progress.stoppedEarly && !run.succeeded {
            throw ErrorExplanation.failure(
                run.failure, doing: "The listing", runtimeMissing: runner.installation.runtime == nil, logTail: run.logTail)
        }
        let summary = SyncSummary(
            read: reader.entriesRead, new: progress.new, known: progress.known, unreadable: reader.unreadableLines,
            full: full, stoppedEarly: progress.stoppedEarly, seconds: (Date().timeIntervalSince(started) * 10).rounded() / 10)
        let result = ChannelService.SyncResult(
            title: learned.title, remoteId: learned.remoteId, entriesListed: full ? reader.entriesRead : nil, summary: summary)
        logger.info("Channel synced", metadata: [
            "channel": "\(channel.id ?? 0)", "job": "\(context.jobId)", "read": "\(summary.read)", "new": "\(summary.new)",
            "known": "\(summary.known)", "unreadable": "\(summary.unreadable)", "full": "\(full)",
            "stopped_early": "\(summary.stoppedEarly)", "seconds": "\(summary.seconds)",
        ])
        let channelId = channel.id!
        return JobCompletion(
            message: "Read \(summary.read) entries; queued \(summary.new) new downloads"
                + (summary.stoppedEarly ? " (stopped after \(stopAfterKnown) known entries in a row)" : ""),
            commit: { db in try ChannelService.recordSync(db, channelId: channelId, result: result, now: Date()) })
    }

    /// Counts kept while the listing runs.
    private struct Progress {
        var new = 0
        var known = 0
        var knownInARow = 0
        var stoppedEarly = false
    }

    /// What the entries say about the channel itself.
    private struct Learned {
        var title: String?
        var remoteId: String?

        mutating func learn(from entry: ListingEntry) {
            if title == nil { title = entry.channel ?? entry.sourceTitle }
            if remoteId == nil { remoteId = entry.channelId ?? entry.sourceId }
        }
    }

    /// Queues the batch's unknown entries in listing order and counts known ones.
    private func enqueue(_ entries: [ListingEntry], channel: Channel, learned: Learned, progress: inout Progress) throws {
        let ids = entries.map(\.id)
        let known = try database.read { db -> Set<String> in
            let marks = ids.map { _ in "?" }.joined(separator: ",")
            return Set(try String.fetchAll(db, sql: """
                SELECT video_id FROM tracks WHERE video_id IN (\(marks))
                UNION SELECT video_id FROM tombstones WHERE video_id IN (\(marks))
                UNION SELECT video_id FROM jobs WHERE kind = '\(JobKind.download.rawValue)' AND video_id IN (\(marks))
                """, arguments: StatementArguments(ids + ids + ids)))
        }
        let channelTitle = channel.title ?? learned.title ?? channel.url
        var jobs: [NewJob] = []
        for entry in entries {
            if known.contains(entry.id) {
                progress.known += 1
                progress.knownInARow += 1
                continue
            }
            progress.knownInARow = 0
            jobs.append(try NewJob(
                kind: JobKind.download.rawValue,
                payload: DownloadPayload(
                    url: entry.url, videoId: entry.id, title: entry.title, duration: entry.duration,
                    uploader: entry.uploader, channelTitle: channelTitle, extractor: entry.extractor,
                    position: entry.position, uploadedAt: entry.uploadedAt),
                channelId: channel.id, videoId: entry.id, title: entry.title, maxAttempts: settings.maxAttempts))
        }
        let result = try queue.enqueue(jobs)
        progress.new += result.insertedIds.count
        progress.known += result.skippedDuplicates
        if !result.insertedIds.isEmpty, let id = channel.id { onBatch(id) }
    }
}
