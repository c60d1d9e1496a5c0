import Foundation
import SpoolMedia
import XCTest

/// Tags and covers written into real files by ffmpeg, read back by ffprobe (from Swift) and by
/// mutagen (as other players read them), and the original left whole whenever tagging fails.
final class MediaTaggerTests: MediaTestCase {
    /// A YouTube entry whose title is "Artist - Title", on a channel source at position 7.
    private let entry: [String: Any] = [
        "id": "dQw4w9WgXcQ", "title": "Rick Astley - Never Gonna Give You Up (Official Video)",
        "uploader": "Rick Astley", "upload_date": "19871025",
        "webpage_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ]
    private let source = SourceContext(title: "80s Channel", position: 7, url: "https://www.youtube.com/@eighties")

    private var tags: TrackTags { TrackTags(info: entry, source: source) }

    func testEveryAudioCodecCarriesTagsAndASquareJPEGCoverForFFprobeAndMutagen() throws {
        // About 14 s; e2e test_tagging reads every codec back with mutagen and ffprobe after a real download.
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SPOOL_LONG"] == "1", "a long test: SPOOL_LONG=1 runs it")
        XCTAssertEqual(tags.artist, "Rick Astley", "premise: the entry is split")
        XCTAssertEqual(tags.title, "Never Gonna Give You Up")
        let thumbnail = try make.image(width: 640, height: 360, format: "webp")
        for codec in AudioCodec.allCases {
            let file = try make.audio(codec, seconds: 4)
            let packetsBefore = try make.packetDigest(file)
            let soundBefore = try make.decodedAudioDigest(file)

            let result = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: thumbnail)
            XCTAssertTrue(result.coverEmbedded, "\(codec)")
            XCTAssertNil(result.coverProblem, "\(codec)")

            // ffprobe, through MediaProbe
            let probed = try MediaProbe(tools: tools).probe(file)
            XCTAssertEqual(probed.tags["title"], "Never Gonna Give You Up", "\(codec)")
            XCTAssertEqual(probed.tags["artist"], "Rick Astley", "\(codec)")
            XCTAssertEqual(probed.tags["album"], "80s Channel", "\(codec)")
            XCTAssertEqual(probed.tags["album_artist"], "80s Channel", "\(codec)")
            XCTAssertEqual(probed.tags["track"], "7", "\(codec)")
            XCTAssertEqual(probed.tags["date"], "1987-10-25", "\(codec)")
            XCTAssertEqual(probed.tags["comment"], "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "\(codec)")
            XCTAssertEqual(probed.tags.spoolVideoID, "dQw4w9WgXcQ", "\(codec)")
            XCTAssertEqual(probed.tags.spoolSourceURL, "https://www.youtube.com/@eighties", "\(codec)")
            let picture = try XCTUnwrap(probed.attachedPicture, "\(codec)")
            XCTAssertEqual(picture.codec, "mjpeg", "\(codec)")
            XCTAssertEqual(picture.width, 360, "\(codec): the centred square of a 640×360 thumbnail")
            XCTAssertEqual(picture.height, 360, "\(codec)")
            XCTAssertEqual(probed.streams.filter(\.isAttachedPicture).count, 1, "\(codec)")

            // mutagen
            let view = try readWithMutagen(file)
            XCTAssertEqual(view.title, "Never Gonna Give You Up", "\(codec)")
            XCTAssertEqual(view.artist, "Rick Astley", "\(codec)")
            XCTAssertEqual(view.album, "80s Channel", "\(codec)")
            XCTAssertEqual(view.album_artist, "80s Channel", "\(codec)")
            XCTAssertEqual(view.track, "7", "\(codec)")
            XCTAssertEqual(view.date, "1987-10-25", "\(codec)")
            XCTAssertEqual(view.comment, "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "\(codec)")
            XCTAssertEqual(view.video_id, "dQw4w9WgXcQ", "\(codec)")
            XCTAssertEqual(view.source_url, "https://www.youtube.com/@eighties", "\(codec)")
            let pictures = view.pictures ?? []
            XCTAssertEqual(pictures.count, 1, "\(codec)")
            XCTAssertEqual(pictures.first?.type, 3, "\(codec): front cover")
            XCTAssertEqual(pictures.first?.mime, "image/jpeg", "\(codec)")
            XCTAssertEqual(pictures.first?.width, 360, "\(codec)")
            XCTAssertEqual(pictures.first?.height, 360, "\(codec)")
            if codec == .mp3 { XCTAssertEqual(view.id3_version, "2.3", "ID3v2.3 for Windows and car players") }

            // Not re-encoded, still decodes the same.
            XCTAssertEqual(try make.packetDigest(file), packetsBefore, "\(codec): streams copied byte for byte")
            XCTAssertEqual(try make.decodedAudioDigest(file), soundBefore, "\(codec)")
            XCTAssertEqual(entries(of: folder).filter { $0.hasPrefix(MediaTagger.scratchPrefix) }, [], "\(codec): no scratch left")
        }
    }

    func testMP4MovieBoxEndsUpBeforeTheMediaData() throws {
        let file = try make.audio(.m4a, seconds: 4)
        XCTAssertLessThan(try topLevelOrder(file).firstIndex(of: "mdat")!, try topLevelOrder(file).firstIndex(of: "moov")!,
                          "premise: ffmpeg wrote the movie box last")
        _ = try MediaTagger(tools: tools).tag(file, with: tags)
        let order = try topLevelOrder(file)
        XCTAssertLessThan(order.firstIndex(of: "moov")!, order.firstIndex(of: "mdat")!, "a browser can start playing at once")
    }

    func testVideoContainersGetTagsAndTheCoverWhereTheyCanHoldOne() throws {
        // About 18 s of ffmpeg video encoding; e2e test_tagging covers the download path.
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SPOOL_LONG"] == "1", "a long test: SPOOL_LONG=1 runs it")
        let thumbnail = try make.image(width: 640, height: 360, format: "jpg")
        for (container, holdsCover) in [("mp4", true), ("mkv", true), ("webm", false)] {
            let file = try make.video(container)
            let packetsBefore = try make.packetDigest(file)
            let offsetBefore = try avOffset(file)
            let result = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: thumbnail)
            XCTAssertEqual(result.coverEmbedded, holdsCover, container)
            XCTAssertEqual(result.coverProblem != nil, !holdsCover, container)
            let probed = try MediaProbe(tools: tools).probe(file)
            XCTAssertEqual(probed.tags["title"], "Never Gonna Give You Up", container)
            XCTAssertEqual(probed.tags["artist"], "Rick Astley", container)
            XCTAssertEqual(probed.tags["album"], "80s Channel", container)
            XCTAssertEqual(probed.tags["date"], "1987-10-25", container)
            XCTAssertEqual(probed.tags.spoolVideoID, "dQw4w9WgXcQ", container)
            XCTAssertEqual(probed.videoStreams.count, 1, container)
            XCTAssertEqual(try make.packetDigest(file), packetsBefore, "\(container): not re-encoded")
            // ffmpeg 5.1 moves the video of a WebM with Opus sound by the Opus codec delay
            // (6.5 ms) on every remux; far below the 45 ms at which people notice.
            XCTAssertEqual(try avOffset(file), offsetBefore, accuracy: 0.010, "\(container): sound stays in sync")
            if holdsCover {
                let picture = try XCTUnwrap(probed.attachedPicture, container)
                XCTAssertEqual([picture.width, picture.height], [640, 360], "\(container): a video keeps the thumbnail's shape")
            } else {
                XCTAssertFalse(probed.hasAttachedPicture, container)
            }
        }
        let view = try readWithMutagen(folder + "/clip.mp4")
        XCTAssertEqual(view.video_id, "dQw4w9WgXcQ", "mutagen reads the MP4 video's freeform atom")
        XCTAssertEqual(view.pictures?.count, 1)
    }

    func testTaggingAgainReplacesTagsAndCoverInsteadOfAddingThem() throws {
        // About 18 s: every codec tagged twice.
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SPOOL_LONG"] == "1", "a long test: SPOOL_LONG=1 runs it")
        let first = try make.image(width: 640, height: 360, format: "png", name: "first")
        let second = try make.image(width: 300, height: 500, format: "jpg", name: "second")
        for codec in AudioCodec.allCases {
            let file = try make.audio(codec)
            _ = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: first)
            var newer = tags
            newer.title = "Second Title"
            newer.albumArtist = nil
            _ = try MediaTagger(tools: tools).tag(file, with: newer, coverImage: second)
            let probed = try MediaProbe(tools: tools).probe(file)
            XCTAssertEqual(probed.tags["title"], "Second Title", "\(codec)")
            XCTAssertNil(probed.tags["album_artist"], "\(codec): a field no longer set is gone")
            let view = try readWithMutagen(file)
            XCTAssertEqual(view.title, "Second Title", "\(codec)")
            XCTAssertEqual(view.pictures?.count, 1, "\(codec): one cover, the new one")
            XCTAssertEqual(view.pictures?.first?.width, 300, "\(codec)")
        }
    }

    func testWithoutANewCoverTheEmbeddedOneIsKept() throws {
        let thumbnail = try make.image(width: 400, height: 400, format: "jpg")
        for codec in [AudioCodec.opus, .mp3] {
            let file = try make.audio(codec)
            _ = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: thumbnail)
            let result = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: nil)
            XCTAssertTrue(result.coverEmbedded, "\(codec)")
            XCTAssertEqual(try readWithMutagen(file).pictures?.first?.width, 400, "\(codec)")
        }
    }

    func testABrokenThumbnailStillTagsTheFileAndSaysWhy() throws {
        let file = try make.audio(.flac)
        let notAPicture = folder + "/thumbnail.webp"
        try "<html>404</html>".write(toFile: notAPicture, atomically: false, encoding: .utf8)
        let result = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: notAPicture)
        XCTAssertFalse(result.coverEmbedded)
        XCTAssertTrue(result.coverProblem?.hasPrefix("The picture cannot be read") == true, result.coverProblem ?? "")
        XCTAssertEqual(try readWithMutagen(file).title, "Never Gonna Give You Up")
    }

    func testUnusualCharactersSurviveEveryContainer() throws {
        var unusual = tags
        unusual.title = "Jóga = #1; back\\slash — 日本語"
        unusual.artist = "Björk"
        unusual.comment = "Ünïcödé comment 日本"
        for codec in AudioCodec.allCases {
            let file = try make.audio(codec)
            _ = try MediaTagger(tools: tools).tag(file, with: unusual)
            let view = try readWithMutagen(file)
            XCTAssertEqual(view.title, unusual.title, "\(codec)")
            XCTAssertEqual(view.artist, "Björk", "\(codec)")
            XCTAssertEqual(view.comment, unusual.comment, "\(codec): UTF-16 COMM for mp3")
        }
    }

    func testAnOggCoverLargerThanOneCommandLineArgumentIsEmbedded() throws {
        // Noise compresses badly: a 1200×1200 JPEG of it is several hundred KB, and its base64
        // comment far exceeds Linux's 128 KiB limit on one argument (hence the ffmetadata file).
        let noise = folder + "/noise.png"
        try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "nullsrc=size=1200x1200",
                                       "-vf", "geq=lum='random(1)*255':cb=128:cr=128", "-frames:v", "1", noise])
        for codec in [AudioCodec.opus, .ogg] {
            let file = try make.audio(codec)
            let result = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: noise)
            XCTAssertTrue(result.coverEmbedded, "\(codec)")
            let picture = try XCTUnwrap(readWithMutagen(file).pictures?.first, "\(codec)")
            XCTAssertGreaterThan(picture.bytes * 4 / 3, 128 * 1024, "\(codec): premise: too large for an argument")
            XCTAssertEqual([picture.width, picture.height], [1200, 1200], "\(codec)")
        }
    }

    func testTheOriginalsPermissionsAreKept() throws {
        let file = try make.audio(.m4a)
        XCTAssertEqual(chmod(file, 0o640), 0)
        _ = try MediaTagger(tools: tools).tag(file, with: tags)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o640)
    }

    // MARK: - Failures leave the original whole

    /// Tags `file` with `tools`, expects a throw that `check` accepts, and then the original with
    /// the same bytes and nothing new beside it.
    private func assertFailsUntouched(_ file: String, tools: MediaTools, line: UInt = #line, _ check: (Error) -> Void) throws {
        let before = try XCTUnwrap(FileManager.default.contents(atPath: file))
        let listing = entries(of: folder)
        XCTAssertThrowsError(try MediaTagger(tools: tools).tag(file, with: tags), line: line) { check($0) }
        XCTAssertEqual(FileManager.default.contents(atPath: file), before, "the original is unchanged", line: line)
        XCTAssertEqual(entries(of: folder), listing, "nothing is left beside it", line: line)
    }

    /// A stand-in for ffmpeg that injects a fault, then runs the real one.
    private func faultyFFmpeg(_ script: String) throws -> MediaTools {
        let path = folder + "/../" + UUID().uuidString + "-ffmpeg.sh"
        try "#!/bin/sh\n\(script)\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o755), 0)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        var faulty = tools!
        faulty.ffmpegPath = path
        return faulty
    }

    func testAFullDiskLeavesTheOriginalUntouched() throws {
        // Writes past 256 KB fail with EFBIG, as a full disk fails them with ENOSPC. ffmpeg 5.1
        // then still exits with 0 for FLAC; its error lines give it away.
        let faulty = try faultyFFmpeg("ulimit -f 512\ntrap '' XFSZ\nexec \(tools.ffmpegPath) \"$@\"")
        try assertFailsUntouched(try make.audio(.flac, seconds: 30), tools: faulty) { error in
            guard case MediaTaggingError.ffmpegFailed(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("File too large"), message)
        }
    }

    func testFFmpegKilledMidWriteLeavesTheOriginalUntouched() throws {
        // SIGXFSZ kills ffmpeg with a half-written copy.
        let faulty = try faultyFFmpeg("ulimit -f 512\nexec \(tools.ffmpegPath) \"$@\"")
        try assertFailsUntouched(try make.audio(.flac, seconds: 30), tools: faulty) { error in
            guard case MediaTaggingError.ffmpegFailed(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("SIGXFSZ"), message)
        }
    }

    func testFFmpegStoppedByItsTimeLimitLeavesTheOriginalUntouched() throws {
        // The copy is complete when the limit strikes: a tagger that ignored the limit would use it.
        var faulty = try faultyFFmpeg("\(tools.ffmpegPath) \"$@\" || exit $?\nsleep 30")
        faulty.limits = MediaTools.Limits(remuxBase: .seconds(1), remuxBytesPerSecond: 1 << 40)
        let started = ContinuousClock.now
        try assertFailsUntouched(try make.audio(.m4a), tools: faulty) { error in
            guard case MediaToolError.timedOut(let tool, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(tool.hasSuffix("-ffmpeg.sh"), tool)
        }
        XCTAssertLessThan(started.duration(to: .now), .seconds(10))
    }

    func testAFileThatIsNotMediaIsRejectedUntouched() throws {
        let file = folder + "/fake.opus"
        try "not audio at all".write(toFile: file, atomically: false, encoding: .utf8)
        try assertFailsUntouched(file, tools: tools) { error in
            XCTAssertEqual((error as? MediaRejection)?.kind, .notMedia, "\(error)")
        }
    }

    func testADamagedFileIsRejectedWithItsReasonUntouched() throws {
        let file = try make.audio(.m4a, seconds: 20, extraArguments: ["-movflags", "+faststart"])
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        XCTAssertEqual(truncate(file, off_t(size / 2)), 0)
        try assertFailsUntouched(file, tools: tools) { error in
            XCTAssertEqual((error as? MediaRejection)?.kind, .damaged, "\(error)")
            XCTAssertTrue((error as? MediaRejection)?.reason.contains("cut short") == true, "\(error)")
        }
    }

    func testAContainerSpoolDoesNotTagIsRefusedUntouched() throws {
        let file = try make.audio(.flac, name: "tone.wav", extraArguments: ["-c:a", "pcm_s16le"])
        try assertFailsUntouched(file, tools: tools) { error in
            guard case MediaTaggingError.unsupportedFormat(let name) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(name.contains("WAV"), name)
        }
    }

    /// How much later the video starts than the sound, in seconds.
    private func avOffset(_ path: String) throws -> Double {
        let info = try MediaProbe(tools: tools).probe(path)
        return try XCTUnwrap(info.videoStreams.first?.startTime) - XCTUnwrap(info.audioStreams.first?.startTime)
    }

    /// The types of the top-level MP4 boxes, in file order.
    private func topLevelOrder(_ path: String) throws -> [String] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        var order: [String] = []
        var offset = 0
        while offset + 8 <= data.count {
            var size = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            order.append(String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self))
            if size == 1 { size = data[(offset + 8)..<(offset + 16)].reduce(0) { $0 << 8 | Int($1) } }
            if size == 0 { break }
            offset += size
        }
        return order
    }
}
