import Foundation
import GRDB
import SpoolJobs
import SpoolStore

/// The `download` job kind: yt-dlp fetches one video into `LIBRARY_DIR/.partial/<job id>/`;
/// on success each file moves into the library with one `rename`, and the track row is inserted
/// in the transaction that completes the job. A failed or cancelled run leaves no partial files.
struct DownloadHandler: JobHandler {
    let runner: YtDlpRunner
    let libraryDirectory: String
    let brake: RateLimitBrake
    let hub: EventHub

    func run(_ context: JobContext) throws -> JobCompletion {
        let payload = try context.payload(DownloadPayload.self)
        if let until = brake.pausedUntil {
            throw JobFailure(.rate_limited, "Downloads are paused after a rate limit", retryNotBefore: until)
        }
        let partial = libraryDirectory + "/.partial/\(context.jobId)"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: partial) }

        var finalPath: String?
        let output = try runner.run(
            YtDlpArguments.download(payload.url, into: partial, options: runner.options), context: context
        ) { line in
            if let progress = ProgressLine(line) {
                context.reportProgress(JobProgress(
                    percent: progress.percent, downloadedBytes: progress.downloadedBytes,
                    totalBytes: progress.totalBytes, speed: progress.speed, eta: progress.eta))
            } else if line.hasPrefix(partial + "/") {
                finalPath = line
            }
        }
        if context.isCancelled { throw JobFailure(.cancelled, "Stopped") }
        guard output.outcome.isSuccess else {
            let failure = runner.failure(of: output)
            if failure.errorClass == .rate_limited {
                var limited = failure
                limited.retryNotBefore = brake.trip().timeIntervalSince1970
                throw limited
            }
            throw failure
        }
        guard let media = finalPath, FileManager.default.fileExists(atPath: media) else {
            throw JobFailure(.transient, "yt-dlp finished without reporting a file", logTail: output.outcome.tailText)
        }
        let track = try moveIntoLibrary(media: media, partial: partial, payload: payload, channelId: context.job.channelId)
        brake.reset()
        let saved = SavedTrack()
        let hub = self.hub
        return JobCompletion(message: "Saved \(track.filePath)", commit: { db in
            // A re-download of a known video refreshes its file and keeps its likes and history.
            if var existing = try Track.filter(Column("video_id") == track.videoId).fetchOne(db) {
                existing.filePath = track.filePath
                existing.size = track.size
                existing.mimeType = track.mimeType
                existing.thumbnailPath = track.thumbnailPath ?? existing.thumbnailPath
                existing.infoPath = track.infoPath ?? existing.infoPath
                existing.deletedAt = nil
                existing.trashPath = nil
                try existing.update(db)
                saved.track = existing
            } else {
                var row = track
                try row.insert(db)
                saved.track = row
            }
        }, afterCommit: {
            if let row = saved.track { hub.publish("track.added", row) }
        })
    }

    /// Renames media, thumbnail and info JSON into `<channel>/<title> [<id>].<ext>` and builds
    /// the track row (not yet inserted).
    private func moveIntoLibrary(media: String, partial: String, payload: DownloadPayload, channelId: Int64?) throws -> Track {
        let mediaURL = URL(fileURLWithPath: media)
        let stem = mediaURL.deletingPathExtension().lastPathComponent
        let channel = payload.channelTitle ?? payload.uploader ?? "Unknown channel"
        let relative = LibraryNaming.relativePath(channel: channel, title: payload.title, videoId: payload.videoId,
                                                  fileExtension: mediaURL.pathExtension)
        let base = String(relative.dropLast(mediaURL.pathExtension.count + 1))
        try move(media, to: relative)
        var thumbnail: String?
        var info: String?
        for name in (try? FileManager.default.contentsOfDirectory(atPath: partial)) ?? [] where name.hasPrefix(stem + ".") {
            let ext = String(name.dropFirst(stem.count + 1))
            if ["jpg", "jpeg", "png", "webp"].contains(ext.lowercased()) {
                thumbnail = base + "." + ext
                try move(partial + "/" + name, to: thumbnail!)
            } else if ext == "info.json" {
                info = base + ".info.json"
                try move(partial + "/" + name, to: info!)
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: libraryDirectory + "/" + relative)[.size] as? Int64) ?? 0
        return Track(
            videoId: payload.videoId, channelId: channelId, title: payload.title,
            uploader: payload.uploader ?? payload.channelTitle, duration: payload.duration ?? Self.duration(fromInfo: info.map { libraryDirectory + "/" + $0 }),
            filePath: relative, size: size, mimeType: MediaType.forExtension(mediaURL.pathExtension),
            thumbnailPath: thumbnail, infoPath: info)
    }

    private func move(_ source: String, to relative: String) throws {
        let target = libraryDirectory + "/" + relative
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard rename(source, target) == 0 else {
            throw JobFailure(.transient, "Cannot move the download into the library: \(String(cString: strerror(errno)))")
        }
    }

    private static func duration(fromInfo path: String?) -> Double? {
        guard let path, let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return (object["duration"] as? NSNumber)?.doubleValue
    }
}

/// Carries the inserted row from the commit to the after-commit event.
private final class SavedTrack: @unchecked Sendable {
    var track: Track?
}

/// Content types of downloaded media.
enum MediaType {
    static func forExtension(_ ext: String) -> String {
        switch ext.lowercased() {
        case "m4a", "mp4a": "audio/mp4"
        case "mp3": "audio/mpeg"
        case "opus", "ogg", "oga": "audio/ogg"
        case "flac": "audio/flac"
        case "wav": "audio/wav"
        case "webm": "video/webm"
        case "mp4", "m4v": "video/mp4"
        case "mkv": "video/x-matroska"
        default: "application/octet-stream"
        }
    }
}
