import Foundation
import SpoolProcess

/// Makes the JPEG images Spool embeds and serves, from a thumbnail file (jpg, png or webp, as
/// yt-dlp writes them) or from a media file's embedded cover.
///
/// | variant | shape | size | why |
/// |---|---|---|---|
/// | ``Variant/cover`` | centred square | the source's short side, at most 1200 px | embedded in audio files and served full size: 1200 px is sharp on a 600-point player at 2× and keeps a JPEG near 150 KB; YouTube's largest thumbnail (1280×720) gives 720×720, never enlarged |
/// | ``Variant/list`` | centred square | 96 px | the web app's lists show artwork at 48 CSS px, so 96 px is sharp at 2× density and weighs 3–5 KB, about 0.5 MB for a page of 100 tracks |
/// | ``Variant/videoCover`` | the source's | long side at most 1280 px | embedded in video files, where a 16:9 picture matches the video |
///
/// Output bytes are deterministic for the same input (bit-exact codec and scaler flags, one
/// thread, no metadata), so a content hash of ``CoverImage/data`` is a valid ETag. A different
/// ffmpeg build may produce other bytes; the hash then simply changes.
public struct Artwork: Sendable {
    public enum Variant: String, Sendable, Hashable, CaseIterable {
        case cover, list, videoCover = "video_cover"
    }

    /// The longest side of ``Variant/cover``.
    public static let coverSide = 1200
    /// The side of ``Variant/list``.
    public static let listSide = 96
    /// The longest side of ``Variant/videoCover``.
    public static let videoCoverLongSide = 1280
    /// mjpeg quantiser scale, 2 (best) to 31: 3 is visually lossless for thumbnails that were
    /// JPEG already, at about two thirds of the bytes of 2.
    static let jpegQuality = "3"

    public let tools: MediaTools

    public init(tools: MediaTools) {
        self.tools = tools
    }

    /// Converts the image at `imagePath` into `variant`.
    /// - Throws: ``ArtworkError/unreadableImage(_:)`` when ffmpeg cannot decode it;
    ///   ``MediaToolError`` when ffmpeg cannot run or runs out of time.
    public func image(fromFile imagePath: String, variant: Variant, cancellation: ProcessCancellation? = nil) throws -> CoverImage {
        try withScratchDirectory { directory in
            try render(input: MediaProbe.absolute(imagePath), streamIndex: nil, variant: variant,
                       output: directory + "/image.jpg", cancellation: cancellation)
        }
    }

    /// Converts the cover embedded in the media file at `mediaPath` (its first attached picture:
    /// an MP4 `covr`, an ID3 `APIC`, a FLAC `PICTURE`, an Ogg `METADATA_BLOCK_PICTURE` or a
    /// Matroska cover attachment) into `variant`; `nil` when the file has none.
    public func image(embeddedIn mediaPath: String, variant: Variant, cancellation: ProcessCancellation? = nil) throws -> CoverImage? {
        let info = try MediaProbe(tools: tools).probe(mediaPath, checkEnd: false, cancellation: cancellation)
        guard let picture = info.attachedPicture else { return nil }
        return try withScratchDirectory { directory in
            try render(input: MediaProbe.absolute(mediaPath), streamIndex: picture.index, variant: variant,
                       output: directory + "/image.jpg", cancellation: cancellation)
        }
    }

    /// Scales a square image (a ``Variant/cover`` made before) to `side` × `side` pixels, for a
    /// player that asks for one size (Subsonic's `getCoverArt?size=`). Never enlarges: a side
    /// beyond the image's gives the image's own size.
    public func image(fromFile imagePath: String, side: Int, cancellation: ProcessCancellation? = nil) throws -> CoverImage {
        let side = max(1, side)
        let filter = "\(Self.squareCrop),scale=w='min(iw,\(side))':h='min(ih,\(side))':\(Self.scaleFlags),setsar=1"
        return try withScratchDirectory { directory in
            try render(input: MediaProbe.absolute(imagePath), streamIndex: nil, filter: filter,
                       output: directory + "/image.jpg", cancellation: cancellation)
        }
    }

    private static let scaleFlags = "flags=lanczos+accurate_rnd+full_chroma_int+bitexact"
    private static let squareCrop = "crop=w='min(iw,ih)':h='min(iw,ih)'"

    /// The filter chain of `variant`. `lanczos` keeps a downscaled cover sharp; `accurate_rnd`
    /// and `bitexact` make swscale take the same code path on every CPU.
    static func filter(_ variant: Variant) -> String {
        let scaleFlags = Self.scaleFlags
        let square = Self.squareCrop
        switch variant {
        case .cover:
            return "\(square),scale=w='min(iw,\(coverSide))':h='min(ih,\(coverSide))':\(scaleFlags),setsar=1"
        case .list:
            return "\(square),scale=w=\(listSide):h=\(listSide):\(scaleFlags),setsar=1"
        case .videoCover:
            return "scale=w='min(iw,\(videoCoverLongSide))':h='min(ih,\(videoCoverLongSide))'"
                + ":force_original_aspect_ratio=decrease:force_divisible_by=2:\(scaleFlags),setsar=1"
        }
    }

    /// Renders one JPEG from `input` (stream `streamIndex`, or its first video stream) into
    /// `output`, and returns it. Used by the tagger too, which keeps the file for ffmpeg.
    func render(input: String, streamIndex: Int?, variant: Variant, output: String, cancellation: ProcessCancellation?) throws -> CoverImage {
        try render(input: input, streamIndex: streamIndex, filter: Self.filter(variant), output: output, cancellation: cancellation)
    }

    private func render(input: String, streamIndex: Int?, filter: String, output: String, cancellation: ProcessCancellation?) throws -> CoverImage {
        let arguments = [
            "-nostdin", "-hide_banner", "-v", "error", "-y", "-threads", "1", "-flags", "+bitexact",
            "-i", "file:" + input,
            "-map", streamIndex.map { "0:\($0)" } ?? "0:v:0", "-frames:v", "1",
            "-filter_threads", "1", "-vf", filter,
            "-c:v", "mjpeg", "-q:v", Self.jpegQuality, "-pix_fmt", "yuvj420p", "-threads", "1",
            "-flags:v", "+bitexact", "-fflags", "+bitexact", "-map_metadata", "-1",
            "-f", "mjpeg", "file:" + output,
        ]
        let limit = tools.limits.image
        let result = try ToolRun.run(tools.ffmpegPath, arguments, timeLimit: limit, cancellation: cancellation)
        try ToolRun.requireFinished(result, tool: tools.ffmpegPath, timeLimit: limit)
        guard result.outcome.termination == .exited(0) else {
            try? FileManager.default.removeItem(atPath: output)
            throw ArtworkError.unreadableImage(result.errors.isEmpty ? "ffmpeg \(result.outcome.termination)" : result.errors.joined(separator: "; "))
        }
        guard let data = FileManager.default.contents(atPath: output), let image = CoverImage(jpeg: data) else {
            throw ArtworkError.unreadableImage("ffmpeg wrote no JPEG")
        }
        return image
    }

    private func withScratchDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let directory = NSTemporaryDirectory() + "spool-artwork-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try body(directory)
    }
}

/// Why a picture could not be turned into artwork.
public enum ArtworkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// ffmpeg could not decode the picture (not an image, damaged, an unsupported animated WebP).
    case unreadableImage(String)

    public var description: String {
        switch self {
        case .unreadableImage(let reason): "The picture cannot be read: \(reason)"
        }
    }
}
