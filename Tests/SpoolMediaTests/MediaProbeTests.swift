import Foundation
import SpoolMedia
import XCTest

/// Media recognised by content, with ffprobe: every offered audio codec, video, and the files
/// a library import meets that are not media.
final class MediaProbeTests: MediaTestCase {
    private func rejection(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> MediaRejection? {
        do {
            let info = try MediaProbe(tools: tools).probe(path)
            XCTFail("\(path) was accepted as \(info.formatName)", file: file, line: line)
        } catch let rejection as MediaRejection {
            return rejection
        } catch {
            XCTFail("\(path): \(error) instead of a rejection", file: file, line: line)
        }
        return nil
    }

    func testEveryAudioCodecIsRecognisedWithItsStreamDetails() throws {
        let expected: [AudioCodec: (MediaContainer, String)] = [
            .m4a: (.mp4, "aac"), .mp3: (.mp3, "mp3"), .opus: (.ogg, "opus"), .ogg: (.ogg, "vorbis"), .flac: (.flac, "flac"),
        ]
        for codec in AudioCodec.allCases {
            let info = try MediaProbe(tools: tools).probe(try make.audio(codec, seconds: 4))
            XCTAssertEqual(info.container, expected[codec]!.0, "\(codec)")
            XCTAssertEqual(info.audioStreams.map(\.codec), [expected[codec]!.1], "\(codec)")
            XCTAssertEqual(info.audioStreams.first?.channels, 2, "\(codec)")
            XCTAssertEqual(info.audioStreams.first?.sampleRate, 48000, "\(codec)")
            XCTAssertTrue(info.isAudioOnly, "\(codec)")
            XCTAssertFalse(info.hasAttachedPicture, "\(codec)")
            XCTAssertEqual(info.duration ?? 0, 4, accuracy: 0.1, "\(codec)")
            XCTAssertGreaterThan(info.bitRate ?? 0, 0, "\(codec)")
        }
    }

    func testContentDecidesNotTheExtension() throws {
        let mp3 = try make.audio(.mp3)
        let disguised = folder + "/really-an-mp3.m4a"
        try FileManager.default.moveItem(atPath: mp3, toPath: disguised)
        XCTAssertEqual(try MediaProbe(tools: tools).probe(disguised).container, .mp3)
    }

    func testVideoContainersShowTheirVideoStream() throws {
        // About 8 s of ffmpeg video encoding.
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SPOOL_LONG"] == "1", "a long test: SPOOL_LONG=1 runs it")
        for (container, expected) in [("mp4", MediaContainer.mp4), ("webm", .webm), ("mkv", .matroska)] {
            let info = try MediaProbe(tools: tools).probe(try make.video(container))
            XCTAssertEqual(info.container, expected, container)
            XCTAssertEqual(info.videoStreams.first?.width, 320, container)
            XCTAssertEqual(info.videoStreams.first?.height, 180, container)
            XCTAssertEqual(info.audioStreams.count, 1, container)
            XCTAssertFalse(info.isAudioOnly, container)
        }
    }

    func testTextRenamedAsMediaIsNotMedia() throws {
        let path = folder + "/notes.mp3"
        try "Shopping list\nmilk\neggs\n".write(toFile: path, atomically: false, encoding: .utf8)
        let rejection = rejection(path)
        XCTAssertEqual(rejection?.kind, .notMedia)
        XCTAssertTrue(rejection?.reason.hasPrefix("not recognised as audio or video") == true, rejection?.reason ?? "")
    }

    func testRandomBytesAreNotMedia() throws {
        let path = folder + "/noise.m4a"
        var generator = SystemRandomNumberGenerator()
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data((0..<50_000).map { _ in UInt8.random(in: 0...255, using: &generator) })))
        let rejection = rejection(path)
        XCTAssertEqual(rejection?.kind, .notMedia)
        XCTAssertTrue(rejection?.reason.contains("Invalid data found") == true, rejection?.reason ?? "")
    }

    func testPicturesAndSubtitlesAreNotMedia() throws {
        for format in ["jpg", "png", "webp"] {
            let rejection = rejection(try make.image(format: format))
            XCTAssertEqual(rejection?.kind, .notMedia, format)
            XCTAssertTrue(rejection?.reason.contains("an image") == true, "\(format): \(rejection?.reason ?? "")")
        }
        let subtitles = folder + "/captions.srt"
        try "1\n00:00:01,000 --> 00:00:02,000\nHello\n".write(toFile: subtitles, atomically: false, encoding: .utf8)
        let rejection = rejection(subtitles)
        XCTAssertEqual(rejection?.kind, .notMedia)
        XCTAssertEqual(rejection?.reason, "no audio or video stream; found subtitle subrip")
    }

    func testAnMP4CutBeforeItsIndexIsNotRecognised() throws {
        // ffmpeg writes the movie box last unless told otherwise: half the file has none.
        let path = try make.audio(.m4a, seconds: 20)
        try truncate(path, keeping: 0.5)
        let rejection = rejection(path)
        XCTAssertEqual(rejection?.kind, .notMedia)
        XCTAssertTrue(rejection?.reason.contains("moov atom not found") == true, rejection?.reason ?? "")
    }

    func testFilesCutShortAfterTheirHeaderAreDamaged() throws {
        // The header still declares 20 s: only reading near the end shows the data is missing.
        let cases: [(AudioCodec, [String])] = [(.m4a, ["-movflags", "+faststart"]), (.mp3, []), (.flac, [])]
        for (codec, extra) in cases {
            let path = try make.audio(codec, seconds: 20, name: "cut.\(codec.rawValue)", extraArguments: extra)
            XCTAssertNoThrow(try MediaProbe(tools: tools).probe(path), "\(codec) is whole before the cut")
            try truncate(path, keeping: 0.5)
            let rejection = rejection(path)
            XCTAssertEqual(rejection?.kind, .damaged, "\(codec)")
            XCTAssertTrue(rejection?.reason.contains("cut short") == true, "\(codec): \(rejection?.reason ?? "")")
            XCTAssertNoThrow(try MediaProbe(tools: tools).probe(path, checkEnd: false), "\(codec): the header alone looks fine")
        }
    }

    func testUnreadableFilesAreRejectedBeforeFFprobeRuns() throws {
        XCTAssertEqual(rejection(folder + "/missing.mp3"), MediaRejection(.unreadable, "no such file or directory"))
        XCTAssertEqual(rejection(folder), MediaRejection(.unreadable, "a directory, not a file"))
        let empty = folder + "/empty.mp3"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        XCTAssertEqual(rejection(empty), MediaRejection(.unreadable, "the file is empty"))
        let fifo = folder + "/pipe.mp3"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(rejection(fifo), MediaRejection(.unreadable, "not a regular file"), "ffprobe would block on a FIFO")
    }

    func testAMissingFFprobeIsAToolErrorNotARejection() throws {
        var broken = tools!
        broken.ffprobePath = folder + "/no-ffprobe"
        let path = try make.audio(.mp3)
        XCTAssertThrowsError(try MediaProbe(tools: broken).probe(path)) { error in
            guard case MediaToolError.cannotRun(let tool, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(tool, "no-ffprobe")
        }
    }

    func testLocateFindsFFprobeBesideFFmpeg() throws {
        let located = try XCTUnwrap(MediaTools.locate(ffmpegPath: tools.ffmpegPath))
        XCTAssertEqual((located.ffprobePath as NSString).deletingLastPathComponent, (tools.ffmpegPath as NSString).deletingLastPathComponent)
        XCTAssertNil(MediaTools.locate(ffmpegPath: folder + "/no-ffmpeg"))
    }

    private func truncate(_ path: String, keeping fraction: Double) throws {
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(Glibc.truncate(path, off_t(Double(size) * fraction)), 0)
    }
}
