import Foundation

/// Where ffmpeg and ffprobe are, and how long each kind of run may take.
///
/// Both programs are spawned by absolute path through `SpoolProcess.ChildProcess`, from an
/// argument vector (never a shell), each run bounded by a time limit so a hung decoder or a file
/// on a stalled network mount cannot hold a download worker forever.
public struct MediaTools: Sendable, Hashable {
    /// The ffmpeg executable (absolute path).
    public var ffmpegPath: String
    /// The ffprobe executable (absolute path).
    public var ffprobePath: String
    /// The time limits of the runs.
    public var limits: Limits

    /// Time limits per kind of run.
    public struct Limits: Sendable, Hashable {
        /// One ffprobe run. ffprobe reads headers and at most one packet, which takes 0.1–0.2 s
        /// (mostly start-up) on a loaded 2-core machine; 30 s leaves room for a slow network mount.
        public var probe: Duration
        /// One image conversion (cover or list variant): decoding a 1280×720 thumbnail and
        /// encoding a JPEG takes 0.1–0.2 s.
        public var image: Duration
        /// The fixed part of a remux (`-c copy`) limit.
        public var remuxBase: Duration
        /// The slowest copy rate a remux is granted, in bytes per second. A stream copy runs at
        /// disk speed (hundreds of MB/s); 10 MB/s still finishes a 4 GB video in under 7 minutes.
        public var remuxBytesPerSecond: Int64

        public init(
            probe: Duration = .seconds(30),
            image: Duration = .seconds(30),
            remuxBase: Duration = .seconds(30),
            remuxBytesPerSecond: Int64 = 10_000_000
        ) {
            self.probe = probe
            self.image = image
            self.remuxBase = remuxBase
            self.remuxBytesPerSecond = remuxBytesPerSecond
        }

        /// The time limit of a remux of a file of `bytes` bytes.
        public func remux(bytes: Int64) -> Duration {
            remuxBase + .seconds(max(0, bytes) / max(1, remuxBytesPerSecond))
        }
    }

    public init(ffmpegPath: String, ffprobePath: String, limits: Limits = Limits()) {
        self.ffmpegPath = ffmpegPath
        self.ffprobePath = ffprobePath
        self.limits = limits
    }

    /// Finds the tools: ffprobe beside the given ffmpeg (they ship together, and a custom
    /// `FFMPEG_PATH` build should not be paired with another ffprobe), else both on `PATH`.
    /// Returns `nil` when either is missing.
    public static func locate(ffmpegPath: String? = nil) -> MediaTools? {
        let ffmpeg = ffmpegPath ?? onPath("ffmpeg")
        guard let ffmpeg, FileManager.default.isExecutableFile(atPath: ffmpeg) else { return nil }
        let beside = (ffmpeg as NSString).deletingLastPathComponent + "/ffprobe"
        let ffprobe = FileManager.default.isExecutableFile(atPath: beside) ? beside : onPath("ffprobe")
        guard let ffprobe else { return nil }
        return MediaTools(ffmpegPath: ffmpeg, ffprobePath: ffprobe)
    }

    private static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
