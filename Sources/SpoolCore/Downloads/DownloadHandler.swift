import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolProcess
import SpoolStore
import SpoolYtDlp

/// The `download` job kind: yt-dlp fetches one video into `LIBRARY_DIR/.partial/<job id>/`;
/// on success its files move into the library (`Library.adoptDownload`) and the track row is
/// written in the transaction that completes the job. A failed or cancelled run leaves no
/// partial files; a failure is explained by its cause, and a rate limit or bot check pauses
/// every download (`DownloadBrake`).
struct DownloadHandler: JobHandler {
    /// How a download of a source runs: its profile's options and its filters.
    typealias Plan = @Sendable (_ sourceId: Int64?) throws -> (options: YtDlpOptions, filters: SourceFilters?)

    let runner: YtDlpRunner
    let plan: Plan
    let library: Library
    let brake: DownloadBrake
    let hub: EventHub

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
        var (options, filters) = try plan(context.job.sourceId)
        options.matchFilter = filters?.downloadTimeFilter(duration: payload.duration, uploadedAt: payload.uploadedAt)
        let arguments = YtDlpArguments.download(
            payload.url, into: partial, options: options, runtime: runner.installation.runtime, extractor: payload.extractor)
        let run: YtDlpRunner.Run
        do {
            run = try runner.run(arguments, cancellation: cancellation, onStdout: { line in
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
            track = try library.adoptDownload(
                reportedMedia: reportedPath, partialFolder: partial, payload: payload, sourceId: context.job.sourceId)
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
