import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolProcess
import SpoolStore
import SpoolYtDlp

/// The `source_sync` job kind: lists the source with yt-dlp entry by entry and queues the new
/// videos while the listing still runs, so the first downloads of a 20,000-video channel start
/// as soon as yt-dlp prints its first entries, and memory stays bounded whatever the size.
///
/// - **Batches.** Entries are checked against what Spool knows (the source's own entries,
///   tracks, tombstones, any download job of the video) every `batchSize` entries or every
///   `batchSeconds`, whichever comes first; the new ones are recorded in `source_entries` (with
///   their position: a playlist keeps its order) and queued, in the listing's order, in one
///   short write per batch. Memory holds only the batch and the ids seen.
/// - **Filters** decide at listing time for every field the listing has; a filtered entry is
///   recorded with its reason (never a failure, never retried). An entry skipped by a filter
///   that no longer applies (the user loosened it) is queued the next time it is listed.
/// - **Only new from now on.** The first sync of such a source records what is listed
///   without queueing it.
/// - **Incremental re-sync.** A re-sync that is not full stops reading once it has seen
///   `stopAfterKnown` known entries in a row, and stops yt-dlp. A full re-list runs on the
///   sources' slower schedule and on the user's "Full sync".
/// - **Unreadable lines** are counted, logged once, and skipped; they never fail the sync.
/// - **State.** The source's state follows the job (`SourceService.syncJobChanged`); the
///   summary, title, id and count are written in the transaction that completes the job.
struct SourceSyncHandler: JobHandler {
    let runner: YtDlpRunner
    let options: @Sendable () -> YtDlpOptions
    let database: SpoolDatabase
    let queue: JobQueue
    let settings: SourceService.Settings
    let logger: Logger
    /// Called after each batch is queued (the source's counts changed).
    let onBatch: @Sendable (Int64) -> Void
    /// Entries per enqueue at most; 500 keeps each write a few milliseconds.
    var batchSize = 500
    /// A batch waits at most this long, so the first downloads start early.
    var batchSeconds = 1.0
    /// Known entries in a row after which an incremental re-sync stops.
    var stopAfterKnown = 50
    /// Why an entry listed before "only new from now on" began is not downloaded.
    static let baselineReason = "Listed before the source was added (only new videos)"

    func run(_ context: JobContext) throws -> JobCompletion {
        let started = Date()
        let payload = try context.payload(SourceSyncPayload.self)
        guard let source = try database.read({ try Source.fetchOne($0, key: payload.sourceId) }) else {
            throw JobFailure(.permanent, "The source was removed.")
        }
        let full = payload.full == true || source.lastFullSyncAt == nil || source.baselinePending
        let batch = Batch(source: source, filters: SourceFilters.decode(source.filters)?.compiled(for: source.kind),
                          baseline: source.baselinePending, maxAttempts: settings.maxAttempts)
        let cancellation = ProcessCancellation()
        context.onCancel { cancellation.cancel() }

        var reader = ListingReader()
        var pending: [(ListingEntry, Int)] = []
        var lastFlush = Date()
        var progress = Progress()
        var learned = Learned()
        var flushError: Error?
        var listedAsPlaylist = false

        func flush() {
            guard !pending.isEmpty, flushError == nil else { return }
            do {
                try enqueue(pending, batch: batch, learned: learned, progress: &progress)
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
                YtDlpArguments.listing(source.url, options: options(), runtime: runner.installation.runtime),
                cancellation: cancellation,
                onStdout: { line in
                    // Only entries count as progress: a listing that only prints warnings
                    // (or nothing) meets the stall watchdog.
                    guard !progress.stoppedEarly, let entry = reader.read(line) else { return }
                    if entry.sourceId != nil || entry.sourceTitle != nil { listedAsPlaylist = true }
                    context.touch()
                    learned.learn(from: entry, kind: source.kind)
                    pending.append((entry, entry.position ?? reader.entriesRead))
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
                "source": "\(source.id ?? 0)", "lines": "\(reader.unreadableLines)", "first": "\(reader.firstProblem ?? "")",
            ])
        }
        if !progress.stoppedEarly && !run.succeeded {
            throw ErrorExplanation.failure(
                run.failure, doing: "The listing", runtimeMissing: runner.installation.runtime == nil, logTail: run.logTail)
        }
        let summary = SyncSummary(
            read: reader.entriesRead, new: progress.new, known: progress.known,
            skipped: progress.skipped.isEmpty ? nil : progress.skipped, unreadable: reader.unreadableLines,
            full: full, stoppedEarly: progress.stoppedEarly, seconds: (Date().timeIntervalSince(started) * 10).rounded() / 10)
        let result = SourceService.SyncResult(
            title: learned.title, remoteId: learned.remoteId, entriesListed: full ? reader.entriesRead : nil, summary: summary,
            listedAsPlaylist: listedAsPlaylist)
        logger.info("Source synced", metadata: [
            "source": "\(source.id ?? 0)", "job": "\(context.jobId)", "read": "\(summary.read)", "new": "\(summary.new)",
            "known": "\(summary.known)", "skipped": "\(progress.skipped.values.reduce(0, +))", "unreadable": "\(summary.unreadable)",
            "full": "\(full)", "stopped_early": "\(summary.stoppedEarly)", "seconds": "\(summary.seconds)",
        ])
        let sourceId = source.id!
        return JobCompletion(
            message: "Read \(summary.read) entries; queued \(summary.new) new downloads"
                + (progress.skipped.isEmpty ? "" : "; skipped \(progress.skipped.values.reduce(0, +))")
                + (summary.stoppedEarly ? " (stopped after \(stopAfterKnown) known entries in a row)" : ""),
            commit: { db in try SourceService.recordSync(db, sourceId: sourceId, result: result, now: Date()) })
    }

    /// What a whole sync decides with.
    private struct Batch {
        let source: Source
        let filters: SourceFilters.Compiled?
        let baseline: Bool
        let maxAttempts: Int
    }

    /// Counts kept while the listing runs.
    private struct Progress {
        var new = 0
        var known = 0
        var knownInARow = 0
        var skipped: [String: Int] = [:]
        var stoppedEarly = false
    }

    /// What the entries say about the source itself.
    private struct Learned {
        var title: String?
        var remoteId: String?

        mutating func learn(from entry: ListingEntry, kind: SourceKind) {
            // A single video's source is named by its channel, so it lists with it.
            if title == nil { title = kind == .playlist ? (entry.sourceTitle ?? entry.channel) : (entry.channel ?? entry.sourceTitle ?? entry.uploader) }
            if remoteId == nil { remoteId = kind == .playlist ? entry.sourceId : (entry.channelId ?? entry.sourceId) }
        }
    }

    /// Records the batch's entries and queues the ones to download, in one transaction, in
    /// listing order; counts known and skipped ones.
    private func enqueue(_ entries: [(ListingEntry, Int)], batch: Batch, learned: Learned, progress: inout Progress) throws {
        guard let sourceId = batch.source.id else { return }
        let ids = entries.map(\.0.id)
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        // A video listed on its own (no playlist around it) that another source lists too, or
        // whose channel (YouTube's `channel_id`, a channel source's `remote_id`) is a source: its
        // track belongs to that source, not to a source of one video.
        let single = entries.map(\.0).filter { $0.sourceId == nil && $0.sourceTitle == nil }
        let (ownEntries, elsewhere, owners) = try database.read { db -> ([String: String?], Set<String>, [String: (id: Int64, title: String?)]) in
            var owners: [String: (id: Int64, title: String?)] = [:]
            for entry in single {
                let row = try Row.fetchOne(db, sql: """
                    SELECT s.id, s.title FROM source_entries e JOIN sources s ON s.id = e.source_id
                    WHERE e.video_id = ? AND e.source_id <> ? AND s.kind <> '\(SourceKind.video.rawValue)' ORDER BY s.id LIMIT 1
                    """, arguments: [entry.id, sourceId])
                    ?? entry.channelId.flatMap { channelId in
                        try Row.fetchOne(db, sql: """
                            SELECT id, title FROM sources WHERE remote_id = ? AND kind = '\(SourceKind.channel.rawValue)' AND id <> ?
                            ORDER BY id LIMIT 1
                            """, arguments: [channelId, sourceId])
                    }
                if let row { owners[entry.id] = (row["id"], row["title"]) }
            }
            var own: [String: String?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT video_id, skip_reason FROM source_entries WHERE source_id = ? AND video_id IN (\(marks))",
                                        arguments: [sourceId] + StatementArguments(ids)) {
                own[row["video_id"]] = .some(row["skip_reason"])
            }
            let known = Set(try String.fetchAll(db, sql: """
                SELECT video_id FROM tracks WHERE video_id IN (\(marks))
                UNION SELECT video_id FROM tombstones WHERE video_id IN (\(marks))
                UNION SELECT video_id FROM jobs WHERE kind = '\(JobKind.download.rawValue)' AND video_id IN (\(marks))
                """, arguments: StatementArguments(ids + ids + ids)))
            return (own, known, owners)
        }
        let sourceTitle = batch.source.title ?? learned.title ?? batch.source.url
        let now = Date()
        var records: [SourceEntry] = []
        var jobs: [NewJob] = []
        for (entry, position) in entries {
            let reason = batch.baseline ? Self.baselineReason : batch.filters?.skipReason(for: entry, index: position)
            // Present in this source before, and why it was skipped then (nil: it was queued).
            let alreadyHere = ownEntries.keys.contains(entry.id)
            let previousReason = ownEntries[entry.id] ?? nil
            // Skipped by a filter before, passing now (the filter was loosened): queue it.
            let released = alreadyHere && previousReason != nil && previousReason != Self.baselineReason && reason == nil
            let isNew = !alreadyHere && !elsewhere.contains(entry.id)
            records.append(SourceEntry(
                sourceId: sourceId, videoId: entry.id, url: entry.url, position: position, title: entry.title,
                duration: entry.duration, uploadedAt: entry.uploadedAt.map(Date.init(timeIntervalSince1970:)), seenAt: now,
                skipReason: alreadyHere && !released ? previousReason : reason))
            if alreadyHere && !released {
                progress.known += 1
                progress.knownInARow += 1
                continue
            }
            progress.knownInARow = 0
            if let reason {
                progress.skipped[reason, default: 0] += 1
                continue
            }
            guard isNew || released else {
                progress.known += 1
                continue
            }
            let owner = owners[entry.id]
            let payload = DownloadPayload(
                url: entry.url, videoId: entry.id, title: entry.title, duration: entry.duration,
                uploader: entry.uploader, sourceTitle: owner.map { $0.title ?? sourceTitle } ?? sourceTitle, extractor: entry.extractor,
                position: position, uploadedAt: entry.uploadedAt, channel: entry.channel, thumbnail: entry.thumbnail)
            jobs.append(try NewJob(
                kind: JobKind.download.rawValue, payload: payload, sourceId: owner?.id ?? sourceId, videoId: entry.id, title: entry.title,
                maxAttempts: batch.maxAttempts, runAfter: batch.source.paused ? SourceService.heldUntil : nil))
        }
        let result = try queue.enqueue(jobs) { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO source_entries (source_id, video_id, url, position, title, duration, uploaded_at, first_seen_at, last_seen_at, skip_reason)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)
                ON CONFLICT (source_id, video_id) DO UPDATE SET
                    url = coalesce(excluded.url, url), position = excluded.position, title = excluded.title,
                    duration = coalesce(excluded.duration, duration), uploaded_at = coalesce(excluded.uploaded_at, uploaded_at),
                    last_seen_at = excluded.last_seen_at, skip_reason = excluded.skip_reason
                """)
            for record in records {
                try upsert.execute(arguments: [
                    record.sourceId, record.videoId, record.url, record.position, record.title, record.duration,
                    record.uploadedAt?.timeIntervalSince1970, now.timeIntervalSince1970, record.skipReason])
            }
            // The owner's entry was skipped (by its filters or "only new"); the user asked for it.
            let claimed = jobs.compactMap { job in job.videoId.flatMap { owners[$0] != nil ? $0 : nil } }
            for videoId in claimed {
                try db.execute(sql: "UPDATE source_entries SET skip_reason = NULL WHERE source_id = ? AND video_id = ?",
                               arguments: [owners[videoId]!.id, videoId])
            }
        }
        progress.new += result.insertedIds.count
        progress.known += result.skippedDuplicates
        if !result.insertedIds.isEmpty || !progress.skipped.isEmpty { onBatch(sourceId) }
        for owner in Set(owners.values.map(\.id)) where !result.insertedIds.isEmpty { onBatch(owner) }
    }
}
