import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolMedia
import SpoolProcess
import SpoolStore
import SpoolYtDlp

/// The `download` job kind: yt-dlp fetches one video into `LIBRARY_DIR/.partial/<job id>/`;
/// on success its files move into the library (`Library.adoptDownload`) and the track row is
/// written in the transaction that completes the job. A failed or cancelled run leaves no
/// partial files; a failure is explained by its cause, and a rate limit or bot check pauses
/// every download (`DownloadBrake`).
struct DownloadHandler: JobHandler {
    let runner: YtDlpRunner
    /// Long-lived yt-dlp processes; nil runs one process per download.
    let drivers: YtDlpDrivers?
    /// How a download of a source runs (its profile, filters, tagging), read when it starts.
    let plan: @Sendable (_ sourceId: Int64?) throws -> DownloadPlan
    let library: Library
    /// Read only: which names other tracks hold.
    let database: SpoolDatabase
    let brake: DownloadBrake
    let hub: EventHub
    /// ffmpeg and ffprobe, for tags, covers and durations; nil when ffmpeg is missing.
    let media: MediaTools?
    let logger: Logger

    func run(_ context: JobContext) throws -> JobCompletion {
        let payload = try context.payload(DownloadPayload.self)
        let partial = library.paths.partialFolder(jobId: context.jobId)
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: partial) }

        let cancellation = ProcessCancellation()
        context.onCancel { cancellation.cancel() }
        var reportedPath: String?
        var filteredOut: String?
        // The profile is read now, so a profile changed after the job was queued applies.
        let plan = try self.plan(context.job.sourceId)
        var options = plan.options
        options.matchFilter = plan.filters?.downloadTimeFilter(duration: payload.duration, uploadedAt: payload.uploadedAt)
        let arguments = YtDlpArguments.download(
            payload.url, into: partial, options: options, runtime: runner.installation.runtime, extractor: payload.extractor)
        let run: YtDlpRunner.Run
        do {
            run = try runner.download(arguments, cancellation: cancellation, drivers: drivers, onStdout: { line in
                context.touch()
                if let progress = ProgressLine(line) {
                    context.reportProgress(JobProgress(
                        percent: progress.percent, downloadedBytes: progress.downloadedBytes,
                        totalBytes: progress.totalBytes, speed: progress.speed, eta: progress.eta))
                } else if line.hasPrefix("/") {
                    // `--print after_move:filepath`: the last absolute path printed is the file.
                    reportedPath = line
                } else if line.contains(YtDlpArguments.filterSkipMarker) {
                    filteredOut = line
                }
            }, onStderr: { _ in context.touch() })
        } catch {
            brake.downloadEnded(jobId: context.jobId)
            throw JobFailure(.permanent, "The download failed: yt-dlp could not be started; set YTDLP_PATH.", detail: error.description)
        }
        context.setLogTail(run.logTail)
        if context.isCancelled {
            brake.downloadEnded(jobId: context.jobId)
            throw JobFailure(.cancelled, "Stopped")
        }
        guard run.succeeded else {
            var failure = ErrorExplanation.failure(
                run.failure, doing: "The download", runtimeMissing: runner.installation.runtime == nil, logTail: run.logTail)
            if failure.errorClass == .rate_limited || failure.errorClass == .bot_check {
                failure.retryNotBefore = brake.trip(failure.errorClass).timeIntervalSince1970
            } else {
                brake.downloadEnded(jobId: context.jobId)
            }
            throw failure
        }
        // Tags and cover go in while the file is still in `.partial/` (never in place), and a
        // stop can still kill ffmpeg; a failed tagging keeps the file untagged.
        var duration = payload.duration
        var tags: TrackTags?
        if let reportedPath, let file = LibraryPaths.resolved(reportedPath, inside: partial) {
            ThumbnailFetch.fetchIfMissing(payload.thumbnail, beside: file, in: partial)
            tags = Self.tags(of: file, partial: partial, payload: payload, plan: plan)
        }
        if let reportedPath, let media, let tags, let file = LibraryPaths.resolved(reportedPath, inside: partial) {
            do {
                let probed = try finish(file, tags: tags, partial: partial, payload: payload, plan: plan, tools: media,
                                        cancellation: cancellation)
                duration = duration ?? probed
            } catch let error as MediaToolError {
                if case .cancelled = error { throw JobFailure(.cancelled, "Stopped") }
                logger.warning("Tagging failed; the file is kept untagged", metadata: ["job": "\(context.jobId)", "error": "\(error)"])
            } catch {
                logger.warning("Tagging failed; the file is kept untagged", metadata: ["job": "\(context.jobId)", "error": "\(error)"])
            }
        }
        // From here the job completes with its track, or fails without leaving files: a
        // cancel arriving now no longer splits the two (files moved, job cancelled).
        guard context.commitToFinish() else { throw JobFailure(.cancelled, "Stopped") }
        if reportedPath == nil, let filteredOut {
            // A filter the listing could not apply (duration, date) skipped it: not a failure.
            brake.downloadEnded(jobId: context.jobId)
            let reason = Self.filterReason(filteredOut)
            let sourceId = context.job.sourceId
            let videoId = payload.videoId
            return JobCompletion(message: "Skipped: \(reason)", commit: { db in
                guard let sourceId else { return }
                try db.execute(sql: "UPDATE source_entries SET skip_reason = ? WHERE source_id = ? AND video_id = ?",
                               arguments: [reason, sourceId, videoId])
            })
        }
        guard let reportedPath else {
            brake.downloadEnded(jobId: context.jobId)
            throw JobFailure(.transient, "The download finished without reporting a file.", logTail: run.logTail)
        }
        let track: Track
        do {
            var known = payload
            known.duration = duration
            let values = NameTemplate.Values(
                source: plan.sourceTitle ?? payload.sourceTitle, artist: tags?.artist, album: tags?.album, title: payload.title,
                track: tags?.trackNumber, id: payload.videoId, uploader: payload.channel ?? payload.uploader,
                uploadedAt: payload.uploadedAt.map(Date.init(timeIntervalSince1970:)), ext: "")
            track = try library.adoptDownload(
                reportedMedia: reportedPath, partialFolder: partial, payload: known, sourceId: context.job.sourceId,
                name: plan.template, values: values, tags: tags, isTaken: isTaken(byOtherThan: payload.videoId))
        } catch let error as DomainError {
            brake.downloadEnded(jobId: context.jobId)
            if case .invalid = error { throw JobFailure(.permanent, "The download was refused: \(error)") }
            throw JobFailure(.transient, "The download could not be saved: \(error)")
        }
        brake.downloadSucceeded()
        let saved = SavedTrack()
        let hub = self.hub
        let sourceTitle = payload.sourceTitle
        return JobCompletion(message: "Saved \(track.filePath)", commit: { db in
            saved.track = try TrackStore.insertOrRefresh(track, db)
        }, afterCommit: {
            if let row = saved.track { hub.publish(.trackAdded(LibraryTrack(track: row, sourceTitle: sourceTitle))) }
        })
    }
}

extension DownloadHandler {
    /// Whether a library path belongs to another track's row (one in the trash too: its files
    /// come back to that path on restore), so a new download must take another name.
    func isTaken(byOtherThan videoId: String) -> @Sendable (String) -> Bool {
        { [database] path in
            (try? database.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM tracks WHERE file_path = ? AND video_id <> ?", arguments: [path, videoId])
            }) ?? false
        }
    }

    /// The music tags of a download: yt-dlp's info JSON is the base; the listing's title,
    /// channel and date win where a download lost them (a feed entry's URL downloaded on its
    /// own is named by its file).
    static func tags(of file: String, partial: String, payload: DownloadPayload, plan: DownloadPlan) -> TrackTags {
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var info = FileManager.default.contents(atPath: partial + "/" + stem + ".info.json")
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        info["id"] = payload.videoId
        info["title"] = payload.title
        if (info["uploader"] as? String)?.isEmpty ?? true {
            // A feed's entries name no uploader; a channel's own title is its uploader (not a
            // playlist's, which collects many).
            info["uploader"] = payload.channel ?? payload.uploader ?? (plan.sourceKind == .playlist ? nil : plan.sourceTitle ?? payload.sourceTitle)
        }
        if info["upload_date"] == nil, let uploaded = payload.uploadedAt {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            info["upload_date"] = formatter.string(from: Date(timeIntervalSince1970: uploaded))
        }
        if info["webpage_url"] == nil { info["webpage_url"] = payload.url }
        let context = SourceContext(
            title: plan.sourceTitle ?? payload.sourceTitle, position: plan.sourceKind == .playlist ? payload.position : nil,
            url: plan.sourceURL, kind: plan.sourceKind == .playlist ? .playlist : .channel)
        return TrackTags(info: info, source: context)
    }

    /// Writes the tags (and the cover) into the downloaded file when the profile says so,
    /// and returns its duration as the file tells it (for sources whose listing had none).
    func finish(_ file: String, tags: TrackTags, partial: String, payload: DownloadPayload, plan: DownloadPlan, tools: MediaTools,
                cancellation: ProcessCancellation) throws -> Double? {
        guard plan.tagMetadata else {
            return payload.duration == nil ? try MediaProbe(tools: tools).probe(file, checkEnd: false, cancellation: cancellation).duration : nil
        }
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let cover = plan.embedCover
            ? ["jpg", "jpeg", "png", "webp"].map { partial + "/" + stem + "." + $0 }.first { FileManager.default.fileExists(atPath: $0) }
            : nil
        let result = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: cover,
                                                       cancellation: cancellation)
        if let problem = result.coverProblem {
            logger.notice("The cover could not be embedded", metadata: ["video": "\(payload.videoId)", "problem": "\(problem)"])
        }
        return result.info.duration
    }

    /// yt-dlp's words, `[download] Title does not pass filter (duration>=60), skipping ..`,
    /// as a reason: `Does not pass filter duration>=60`.
    static func filterReason(_ line: String) -> String {
        guard let open = line.range(of: "does not pass filter"), let start = line[open.upperBound...].firstIndex(of: "("),
              let end = line[start...].lastIndex(of: ")") else { return "Filtered out when downloaded" }
        return "Does not pass the filter " + line[line.index(after: start)..<end]
    }
}

/// Carries the written row from the commit to the after-commit event.
private final class SavedTrack: @unchecked Sendable {
    var track: Track?
}
