import Foundation
import SpoolProcess

/// Writes Spool's tags and cover into a media file without re-encoding it, crash-safely.
///
/// ```swift
/// let tagger = MediaTagger(tools: tools)
/// let result = try tagger.tag(partialFile, with: tags, coverImage: thumbnailPath)
/// // partialFile now holds the tags; result.info is the tagged file's probe
/// ```
///
/// The steps, all inside a scratch folder beside the file (`.spool-tagging-<uuid>/`, so the
/// final `rename` never crosses file systems):
/// 1. probe the file by content (refusing one that is not media or is cut short) and pick the
///    container's ``TagLayout``;
/// 2. make the cover JPEG from `coverImage` (a centred square of at most 1200 px for audio, the
///    thumbnail's own shape for video; see ``Artwork``), or from the cover already embedded;
/// 3. ffmpeg copies the streams (`-c copy`) with the new tags into a new file;
/// 4. for MP4 Spool adds the freeform atoms and moves the movie box first, for MP3 the `COMM`
///    frame (ffmpeg writes neither);
/// 5. probe the copy: same streams, same duration (±0.5 s), the title reads back, the data
///    reaches the end; for MP4, whose chunk offsets Spool moved, every packet hashes the same;
/// 6. `fsync` it, give it the original's permissions and `rename` it over the original, then
///    `fsync` the folder.
///
/// Until step 6 the original is not touched, and step 6 is one atomic `rename`: a crash, a full
/// disk, a killed or timed-out ffmpeg all leave the original as it was (and, except for a
/// crash, no scratch folder). Meant for `LIBRARY_DIR/.partial/<job>/` before the file moves
/// into the library; a scratch folder left by a crash goes with that folder.
///
/// Blocks the calling thread: a 5-minute track with a cover takes 0.6–2 s on the shared 2-core
/// test machine under load (six to eight tool runs, mostly their start-up; MP4 the most, for its
/// packet check); call it from a worker.
public struct MediaTagger: Sendable {
    public let tools: MediaTools

    /// What tagging produced.
    public struct Result: Sendable {
        /// The probe of the tagged file, now at the original path.
        public var info: MediaInfo
        /// Whether a cover was embedded (false for WebM, which cannot hold one, and when no
        /// picture was given and none was embedded).
        public var coverEmbedded: Bool
        /// Why the given cover could not be used, when it could not (the tags were written all
        /// the same: a broken thumbnail must not cost the track its tags).
        public var coverProblem: String?
    }

    /// The name prefix of the scratch folder beside the file. Only a crash leaves one behind; a
    /// start-up clean-up may delete any folder with this prefix in the library.
    public static let scratchPrefix = ".spool-tagging-"

    /// The largest duration difference accepted between the original and the tagged copy. A
    /// stream copy keeps every packet; container rounding differs by a few milliseconds.
    static let durationTolerance = 0.5

    public init(tools: MediaTools) {
        self.tools = tools
    }

    /// Tags the file at `path` with `tags` and the picture at `coverImage` (jpg, png or webp).
    ///
    /// - Parameter coverImage: The thumbnail to embed; `nil` keeps the cover already embedded
    ///   (re-encoded to the same variant), if any.
    /// - Throws: ``MediaRejection`` (the file is not media), ``MediaTaggingError`` (unsupported
    ///   container, ffmpeg or a file operation failed, the copy is wrong), ``MediaToolError``
    ///   (a tool could not run, timed out or was cancelled). In every case the original is
    ///   unchanged.
    public func tag(_ path: String, with tags: TrackTags, coverImage: String? = nil,
                    cancellation: ProcessCancellation? = nil) throws -> Result {
        let original = MediaProbe.absolute(path)
        let probe = MediaProbe(tools: tools)
        // The end check too: a file cut short is refused as damaged rather than tagged.
        let info = try probe.probe(original, checkEnd: true, cancellation: cancellation)
        guard let layout = TagLayout(info) else {
            throw MediaTaggingError.unsupportedFormat(info.formatLongName ?? info.formatName)
        }

        let folder = (original as NSString).deletingLastPathComponent
        let scratch = folder + "/" + Self.scratchPrefix + UUID().uuidString
        guard mkdir(scratch, 0o700) == 0 else { throw RawFile.failure("create", scratch) }
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // The cover.
        var cover: CoverImage?
        var coverProblem: String?
        let coverFile = scratch + "/cover.jpg"
        if layout.coverMode != .none {
            let variant: Artwork.Variant = info.videoStreams.isEmpty ? .cover : .videoCover
            let artwork = Artwork(tools: tools)
            do {
                if let coverImage {
                    cover = try artwork.render(input: MediaProbe.absolute(coverImage), streamIndex: nil, variant: variant,
                                               output: coverFile, cancellation: cancellation)
                } else if let embedded = info.attachedPicture {
                    cover = try artwork.render(input: original, streamIndex: embedded.index, variant: variant,
                                               output: coverFile, cancellation: cancellation)
                }
            } catch let error as ArtworkError {
                coverProblem = error.description
            }
        } else if coverImage != nil {
            coverProblem = "\(info.container) files cannot hold a cover"
        }

        // ffmpeg: streams copied, tags replaced, cover added.
        let metadataFile = scratch + "/tags.ffmetadata"
        let pictureComment = cover.flatMap { layout.coverMode == .vorbisPictureComment ? FLACPictureBlock.vorbisCommentValue(jpeg: $0) : nil }
        let metadata = FFMetadataFile.text(layout.metadata(for: tags, pictureComment: pictureComment))
        guard FileManager.default.createFile(atPath: metadataFile, contents: Data(metadata.utf8)) else {
            throw RawFile.failure("write", metadataFile)
        }
        let fileExtension = (original as NSString).pathExtension
        let stage1 = scratch + "/ffmpeg." + fileExtension
        let arguments = layout.ffmpegArguments(input: original, info: info, coverFile: cover == nil ? nil : coverFile,
                                               metadataFile: metadataFile, output: stage1)
        let limit = tools.limits.remux(bytes: info.size ?? 0)
        let run = try ToolRun.run(tools.ffmpegPath, arguments, timeLimit: limit, cancellation: cancellation)
        try ToolRun.requireFinished(run, tool: tools.ffmpegPath, timeLimit: limit)
        guard run.outcome.termination == .exited(0), !run.errors.contains(where: Self.isWriteError) else {
            let message = run.errors.isEmpty ? "ffmpeg \(run.outcome.termination)" : run.errors.joined(separator: "; ")
            throw MediaTaggingError.ffmpegFailed(message)
        }

        // What ffmpeg cannot write.
        var tagged = stage1
        let freeform = layout.freeformItems(for: tags)
        if layout.family == .mp4 {
            tagged = scratch + "/final." + fileExtension
            try MP4Freeform.write(from: stage1, to: tagged, items: freeform)
        } else if let comment = layout.id3Comment(for: tags) {
            tagged = scratch + "/final." + fileExtension
            try ID3Comment.write(from: stage1, to: tagged, comment: comment)
        }

        let result: MediaInfo
        do {
            result = try probe.probe(tagged, checkEnd: true, cancellation: cancellation)
        } catch let rejection as MediaRejection {
            throw MediaTaggingError.verificationFailed("it is not playable: \(rejection.reason)")
        }
        try Self.verify(result, against: info, layout: layout, tags: tags, coverEmbedded: cover != nil)
        if layout.family == .mp4 {
            // Spool moved every chunk offset itself: the packets must read back byte for byte.
            let before = try packetHashes(original, limit: limit, cancellation: cancellation)
            let after = try packetHashes(tagged, limit: limit, cancellation: cancellation)
            guard before == after else {
                throw MediaTaggingError.verificationFailed("its packets differ from the original's (\(after) instead of \(before))")
            }
        }
        try Self.replace(original, with: tagged)
        return Result(info: result, coverEmbedded: cover != nil, coverProblem: coverProblem)
    }

    /// One MD5 per audio and video stream over the data of all its packets, in stream order
    /// (ffmpeg's `streamhash` muxer): independent of how the streams are interleaved, and only
    /// equal when every packet reads back with the same bytes. Reads the file once, at disk speed.
    func packetHashes(_ path: String, limit: Duration, cancellation: ProcessCancellation?) throws -> [String] {
        let arguments = ["-nostdin", "-hide_banner", "-v", "error", "-i", "file:" + path, "-map", "0:a", "-map", "0:V?",
                         "-c", "copy", "-f", "streamhash", "-hash", "md5", "-"]
        let output = try ToolRun.run(tools.ffmpegPath, arguments, timeLimit: limit, cancellation: cancellation)
        try ToolRun.requireSuccess(output, tool: tools.ffmpegPath, timeLimit: limit)
        return output.stdout.split(separator: "\n").map(String.init)
    }

    /// ffmpeg 5.1 exits with 0 when writing the trailer or closing the output fails (a full
    /// disk while the FLAC muxer rewrites its header, for one), so its error lines are read too.
    static func isWriteError(_ line: String) -> Bool {
        ["Error writing", "Error closing", "av_interleaved_write_frame()", "Error muxing"].contains { line.contains($0) }
    }

    static func verify(_ tagged: MediaInfo, against original: MediaInfo, layout: TagLayout, tags: TrackTags, coverEmbedded: Bool) throws {
        let keptAudio = original.audioStreams.count
        let keptVideo = original.videoStreams.filter(layout.keeps).count
        guard tagged.audioStreams.count == keptAudio, tagged.videoStreams.count == keptVideo else {
            throw MediaTaggingError.verificationFailed(
                "\(tagged.audioStreams.count) audio and \(tagged.videoStreams.count) video streams instead of \(keptAudio) and \(keptVideo)")
        }
        if let before = original.duration, let after = tagged.duration, abs(before - after) > durationTolerance {
            throw MediaTaggingError.verificationFailed(String(format: "it plays %.2f s instead of %.2f s", after, before))
        }
        guard tagged.tags["title"] == TextCleanup.nonEmpty(tags.title) else {
            throw MediaTaggingError.verificationFailed("its title reads \(tagged.tags["title"] ?? "nothing")")
        }
        if coverEmbedded && !tagged.hasAttachedPicture {
            throw MediaTaggingError.verificationFailed("the cover is missing")
        }
    }

    /// Moves `tagged` over `original` in one `rename`, durably: the data is synced before, the
    /// folder entry after. The copy takes the original's permission bits (ffmpeg creates 0644
    /// under the umask; the library may want other bits).
    static func replace(_ original: String, with tagged: String) throws {
        var status = stat()
        guard stat(original, &status) == 0 else { throw RawFile.failure("stat", original) }
        guard chmod(tagged, status.st_mode & 0o7777) == 0 else { throw RawFile.failure("set the permissions of", tagged) }
        let copy = try RawFile.openForReading(tagged)
        guard fsync(copy.descriptor) == 0 else { throw RawFile.failure("sync", tagged) }
        guard rename(tagged, original) == 0 else { throw RawFile.failure("rename \(tagged) to", original) }
        let folder = (original as NSString).deletingLastPathComponent
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            _ = close(directory)
        }
    }
}
