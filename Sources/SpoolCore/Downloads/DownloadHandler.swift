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
    let runner: YtDlpRunner
    let options: @Sendable () -> YtDlpOptions
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
        let arguments = YtDlpArguments.download(
            payload.url, into: partial, options: options(), runtime: runner.installation.runtime, extractor: payload.extractor)
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
        guard let reportedPath else {
            brake.downloadEnded(jobId: context.jobId)
            throw JobFailure(.transient, "The download finished without reporting a file.", logTail: run.logTail)
        }
        let track: Track
        do {
            track = try library.adoptDownload(
                reportedMedia: reportedPath, partialFolder: partial, payload: payload, channelId: context.job.channelId)
        } catch let error as DomainError {
            brake.downloadEnded(jobId: context.jobId)
            if case .invalid = error { throw JobFailure(.permanent, "The download was refused: \(error)") }
            throw JobFailure(.transient, "The download could not be saved: \(error)")
        }
        brake.downloadSucceeded()
        let saved = SavedTrack()
        let hub = self.hub
        let channelTitle = payload.channelTitle
        return JobCompletion(message: "Saved \(track.filePath)", commit: { db in
            saved.track = try TrackStore.insertOrRefresh(track, db)
        }, afterCommit: {
            if let row = saved.track { hub.publish(.trackAdded(LibraryTrack(track: row, channelTitle: channelTitle))) }
        })
    }
}

/// Carries the written row from the commit to the after-commit event.
private final class SavedTrack: @unchecked Sendable {
    var track: Track?
}
