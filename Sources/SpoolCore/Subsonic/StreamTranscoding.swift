import Foundation
import SpoolMedia
import SpoolStore
import Synchronization

/// Decides whether a player gets a track's file as it is or converted (Subsonic's `format`
/// and `maxBitRate`), and runs the conversions: ffmpeg children through `SpoolProcess`, each
/// paced by its listener, at most `maximumRuns` at once.
public final class StreamTranscoding: Sendable {
    /// What a conversion makes.
    public struct Plan: Sendable, Equatable {
        public var format: TranscodeFormat
        /// Kilobits per second.
        public var bitRate: Int
    }

    let media: MediaTools?
    /// Conversions at once. Each is an ffmpeg child and a thread that mostly wait for their
    /// listener (a player buffers ahead and then reads at playback speed); encoding itself runs
    /// at 50–100× real time, so 8 at once leave the two cores to the rest of the server.
    public let maximumRuns: Int
    private let running = Mutex(0)

    init(media: MediaTools?, maximumRuns: Int = 8) {
        self.media = media
        self.maximumRuns = maximumRuns
    }

    /// The conversion a request asks for, or nil to send the file as stored: `format=raw`, the
    /// file's own format within the bit rate limit, or a limit the file already keeps. A limit
    /// alone converts to MP3, the format every player decodes.
    public func plan(for track: Track, format: String?, maxBitRate: Int?) throws -> Plan? {
        let limit = (maxBitRate ?? 0) > 0 ? maxBitRate : nil
        let fileBitRate = Self.bitRate(of: track)
        let fitsLimit = limit.map { limit in fileBitRate.map { $0 <= limit } ?? false } ?? true
        let suffix = (track.filePath as NSString).pathExtension.lowercased()
        if let format, format != "raw" {
            guard let target = TranscodeFormat.named(format) else {
                let names = (TranscodeFormat.all.map(\.name) + ["raw"]).joined(separator: ", ")
                throw DomainError.invalid(field: "format", "'\(format.prefix(20))' is not one of \(names).")
            }
            let sameFormat = target.suffix == suffix || (target == .aac && suffix == "m4a" && track.mimeType.hasPrefix("audio/"))
            if sameFormat && fitsLimit { return nil }
            return Plan(format: target, bitRate: target.bitRate(limit: limit))
        }
        if format == "raw" || fitsLimit { return nil }
        return Plan(format: .mp3, bitRate: TranscodeFormat.mp3.bitRate(limit: limit))
    }

    /// Kilobits per second of the stored file, from its size and duration.
    static func bitRate(of track: Track) -> Int? {
        guard let duration = track.duration, duration > 0, track.size > 0 else { return nil }
        return Int((Double(track.size) * 8 / duration / 1000).rounded())
    }

    /// Starts converting the file at `path`; `output` receives ffmpeg's bytes and may block
    /// (returning false stops ffmpeg); `finished` runs once ffmpeg is gone. Refused while
    /// `maximumRuns` conversions run.
    public func start(
        _ track: Track, path: String, plan: Plan, offsetSeconds: Int?,
        output: @escaping @Sendable (UnsafeRawBufferPointer) -> Bool,
        finished: @escaping @Sendable () -> Void
    ) throws -> TranscodeRun {
        guard let media else {
            throw DomainError.unavailable("ffmpeg is not installed, so Spool cannot convert tracks; ask for format=raw.")
        }
        let admitted = running.withLock { count in
            guard count < maximumRuns else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw DomainError.unavailable("\(maximumRuns) conversions are running; try again in a moment or ask for format=raw.")
        }
        // However slowly the listener reads, a run ends: four times the track's length, at
        // least ten minutes (a listener that stops reading is cut off by the HTTP write timeout
        // long before).
        let seconds = max(600, Int((track.duration ?? 0) * 4))
        return TranscodeRun.start(
            tools: media, input: path, format: plan.format, bitRate: plan.bitRate, offsetSeconds: offsetSeconds,
            timeLimit: .seconds(seconds), output: output,
            finished: { [self] _ in
                running.withLock { $0 -= 1 }
                finished()
            })
    }

    /// Conversions running now.
    public var runningCount: Int { running.withLock { $0 } }
}
