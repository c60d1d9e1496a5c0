/// How one container family stores Spool's tags and cover: the ffmpeg muxer, the streams it can
/// hold, the metadata keys handed to ffmpeg, and what Spool writes itself afterwards.
///
/// | field | MP4 / M4A | MP3 (ID3v2.3) | FLAC, Ogg Vorbis, Opus (Vorbis comments) | Matroska / WebM |
/// |---|---|---|---|---|
/// | title | `©nam` | `TIT2` | `TITLE` | `TITLE` |
/// | artist | `©ART` | `TPE1` | `ARTIST` | `ARTIST` |
/// | album | `©alb` | `TALB` | `ALBUM` | `ALBUM` |
/// | album artist | `aART` | `TPE2` | `ALBUMARTIST` | `ALBUM_ARTIST` |
/// | track number | `trkn` | `TRCK` | `TRACKNUMBER` | `PART_NUMBER` |
/// | date | `©day` | `TYER` + `TDAT` | `DATE` | `DATE` |
/// | comment | `©cmt` | `COMM` (written by Spool) | `DESCRIPTION` | `COMMENT` |
/// | video id | `----:com.apple.iTunes:SPOOL_VIDEO_ID` (written by Spool) | `TXXX:SPOOL_VIDEO_ID` | `SPOOL_VIDEO_ID` | `SPOOL_VIDEO_ID` |
/// | source URL | `----:com.apple.iTunes:SPOOL_SOURCE_URL` (written by Spool) | `TXXX:SPOOL_SOURCE_URL` | `SPOOL_SOURCE_URL` | `SPOOL_SOURCE_URL` |
/// | cover | `covr` (attached picture) | `APIC`, type 3 front cover | FLAC: `PICTURE` block, type 3; Ogg: `METADATA_BLOCK_PICTURE` comment (built by Spool) | Matroska: attachment `cover.jpg`; WebM: none |
///
/// Vorbis comments get `DESCRIPTION` because ffmpeg renames a comment key to it; TagLib (and so
/// Navidrome, Jellyfin) reads `DESCRIPTION` first as the comment.
struct TagLayout {
    enum Family: Equatable {
        case mp4, mp3, flac, ogg, matroska, webm
    }

    enum CoverMode: Equatable {
        /// A JPEG input stream mapped with `-disposition attached_pic`.
        case attachedPicture
        /// A `METADATA_BLOCK_PICTURE` Vorbis comment.
        case vorbisPictureComment
        /// `-attach cover.jpg` with its MIME type and file name.
        case attachment
        /// The container takes no cover.
        case none
    }

    let family: Family
    /// ffmpeg's `-f` muxer.
    let muxer: String

    /// The layout of `info`'s container, or `nil` when Spool does not tag it.
    init?(_ info: MediaInfo) {
        switch info.container {
        case .mp4:
            family = .mp4
            // The "ipod" muxer writes the M4A brand iTunes and phones expect of an audio file.
            let iPodCodecs: Set<String> = ["aac", "alac"]
            muxer = info.videoStreams.isEmpty && info.audioStreams.allSatisfy { iPodCodecs.contains($0.codec) } ? "ipod" : "mp4"
        case .mp3: family = .mp3; muxer = "mp3"
        case .flac: family = .flac; muxer = "flac"
        case .ogg:
            family = .ogg
            muxer = info.audioStreams.allSatisfy { $0.codec == "opus" } ? "opus" : "ogg"
        case .matroska: family = .matroska; muxer = "matroska"
        case .webm: family = .webm; muxer = "webm"
        case .other: return nil
        }
    }

    var coverMode: CoverMode {
        switch family {
        case .mp4, .mp3, .flac: .attachedPicture
        case .ogg: .vorbisPictureComment
        case .matroska: .attachment
        case .webm: .none
        }
    }

    /// Whether a stream of the input is copied into the tagged file. Attached pictures never
    /// are: the new cover replaces them (a second cover would be shown first by some players).
    func keeps(_ stream: MediaStream) -> Bool {
        if stream.isAttachedPicture { return false }
        switch (family, stream.kind) {
        case (_, .audio): return true
        case (.mp4, .video), (.matroska, .video), (.webm, .video): return true
        case (.mp4, .subtitle): return stream.codec == "mov_text"
        case (.webm, .subtitle): return stream.codec == "webvtt"
        case (.matroska, .subtitle), (.matroska, .attachment): return true
        default: return false
        }
    }

    /// The key/value pairs of the ffmetadata file, in this order. Absent fields are left out.
    func metadata(for tags: TrackTags, pictureComment: String?) -> [(key: String, value: String)] {
        let vorbis = family == .flac || family == .ogg
        var pairs: [(String, String?)] = [
            (vorbis ? "TITLE" : "title", tags.title),
            (vorbis ? "ARTIST" : "artist", tags.artist),
            (vorbis ? "ALBUM" : "album", tags.album),
            (vorbis ? "ALBUMARTIST" : "album_artist", tags.albumArtist),
            (vorbis ? "TRACKNUMBER" : "track", tags.trackNumber.map(String.init)),
            (vorbis ? "DATE" : "date", tags.date),
        ]
        switch family {
        case .mp4:
            pairs.append(("comment", tags.comment))
        case .mp3:
            break   // COMM is written by ID3Comment
        case .flac, .ogg:
            pairs.append(("DESCRIPTION", tags.comment))
        case .matroska, .webm:
            pairs.append(("comment", tags.comment))
        }
        if family != .mp4 {
            pairs += [(TrackTags.videoIDTagName, tags.videoID), (TrackTags.sourceURLTagName, tags.sourceURL)]
        }
        var result: [(key: String, value: String)] = pairs.compactMap { key, value in
            TextCleanup.nonEmpty(value).map { (key, $0) }
        }
        if let pictureComment {
            result.append(("METADATA_BLOCK_PICTURE", pictureComment))
        }
        return result
    }

    /// The MP4 freeform atoms Spool appends after ffmpeg.
    func freeformItems(for tags: TrackTags) -> [(name: String, value: String)] {
        guard family == .mp4 else { return [] }
        return [(TrackTags.videoIDTagName, tags.videoID), (TrackTags.sourceURLTagName, tags.sourceURL)]
            .compactMap { name, value in TextCleanup.nonEmpty(value).map { (name, $0) } }
    }

    /// The ID3 comment Spool writes after ffmpeg.
    func id3Comment(for tags: TrackTags) -> String? {
        family == .mp3 ? TextCleanup.nonEmpty(tags.comment) : nil
    }

    /// ffmpeg's arguments: copy the kept streams of input 0 without re-encoding, add the cover,
    /// replace the global tags with the ffmetadata input's.
    func ffmpegArguments(input: String, info: MediaInfo, coverFile: String?, metadataFile: String, output: String) -> [String] {
        var arguments = ["-nostdin", "-hide_banner", "-v", "error", "-y", "-i", "file:" + input]
        let attachedCover = coverMode == .attachedPicture ? coverFile : nil
        if let attachedCover { arguments += ["-i", "file:" + attachedCover] }
        let metadataInput = attachedCover == nil ? 1 : 2
        arguments += ["-f", "ffmetadata", "-i", "file:" + metadataFile]

        let kept = info.streams.filter(keeps)
        for stream in kept { arguments += ["-map", "0:\(stream.index)"] }
        if attachedCover != nil { arguments += ["-map", "1:0"] }
        arguments += ["-map_metadata", "\(metadataInput)", "-map_chapters", "0", "-c", "copy"]
        if family == .ogg {
            // Ogg writes the Vorbis comments of each stream; without this the input's old comments win.
            arguments += ["-map_metadata:s:a", "\(metadataInput):g"]
        }
        if attachedCover != nil {
            let coverIndex = kept.filter { $0.kind == .video }.count
            arguments += ["-disposition:v:\(coverIndex)", "attached_pic",
                          // ID3 APIC and FLAC PICTURE take their picture type from this comment.
                          "-metadata:s:v:\(coverIndex)", "comment=Cover (front)"]
        }
        if coverMode == .attachment, let coverFile {
            let attachmentIndex = kept.filter { $0.kind == .attachment }.count
            arguments += ["-attach", "file:" + coverFile,
                          "-metadata:s:t:\(attachmentIndex)", "mimetype=image/jpeg",
                          "-metadata:s:t:\(attachmentIndex)", "filename=cover.jpg"]
        }
        if family == .mp3 {
            arguments += ["-id3v2_version", "3", "-write_id3v1", "0"]
        }
        // The MP4 movie box stays at the end here; MP4Freeform moves it to the front.
        return arguments + ["-f", muxer, "file:" + output]
    }
}
