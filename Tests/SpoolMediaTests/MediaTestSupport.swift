import Foundation
import SpoolMedia
import SpoolProcess
import XCTest

// Real tools only: every file here is made by ffmpeg in the test and read back by ffprobe and,
// for tags, by mutagen.

/// The package's root folder (Tests/SpoolMediaTests/<file> is two levels below it).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// ffmpeg and ffprobe from PATH; the suite cannot test anything without them.
func mediaTools(file: StaticString = #filePath, line: UInt = #line) throws -> MediaTools {
    guard let tools = MediaTools.locate() else {
        XCTFail("ffmpeg and ffprobe must be on PATH for SpoolMediaTests (scripts/setup.sh installs them)", file: file, line: line)
        throw XCTSkip("no ffmpeg")
    }
    return tools
}

/// A fresh folder for one test, removed at the end of it.
func scratchFolder(_ test: XCTestCase) throws -> String {
    let folder = NSTemporaryDirectory() + "spool-media-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
    return folder
}

/// Runs a program to its end (argument vector, 60 s limit) and returns its standard output.
@discardableResult
func runTool(_ executable: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    var stdout: [String] = []
    let spec = ProcessSpec(executablePath: executable, arguments: arguments, timeLimit: .seconds(60), lineByteLimit: 1 << 20)
    let outcome = try ChildProcess.run(spec) { stream, text in
        if stream == .stdout { stdout.append(text) }
    }
    guard outcome.isSuccess else {
        XCTFail("\(executable) \(arguments.joined(separator: " ")) failed: \(outcome.termination) \(outcome.tailText)", file: file, line: line)
        throw XCTSkip("tool failed")
    }
    return stdout.joined(separator: "\n")
}

/// The audio codecs Spool offers (AUDIO_FORMAT), each as ffmpeg makes it.
enum AudioCodec: String, CaseIterable {
    case m4a, mp3, opus, ogg, flac

    var encoderArguments: [String] {
        switch self {
        case .m4a: ["-c:a", "aac", "-b:a", "96k"]
        case .mp3: ["-c:a", "libmp3lame", "-b:a", "96k"]
        case .opus: ["-c:a", "libopus", "-b:a", "64k"]
        case .ogg: ["-c:a", "libvorbis", "-q:a", "2"]
        case .flac: ["-c:a", "flac"]
        }
    }
}

struct MediaFactory {
    let tools: MediaTools
    let folder: String

    /// A sine tone of `seconds` seconds encoded as `codec`.
    func audio(_ codec: AudioCodec, seconds: Int = 4, name: String? = nil, extraArguments: [String] = []) throws -> String {
        let path = folder + "/" + (name ?? "tone.\(codec.rawValue)")
        try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)",
                                   "-ac", "2"] + codec.encoderArguments + extraArguments + [path])
        return path
    }

    /// A small test-pattern video with a tone: h264+aac in mp4, vp9+opus in webm, h264+vorbis in mkv.
    func video(_ container: String, seconds: Int = 3) throws -> String {
        let path = folder + "/clip.\(container)"
        let codecs: [String] = switch container {
        case "webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"]
        case "mkv": ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "libvorbis"]
        default: ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
        }
        try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=\(seconds)",
                                   "-f", "lavfi", "-i", "sine=frequency=330:duration=\(seconds)", "-shortest"] + codecs + [path])
        return path
    }

    /// A test-pattern picture of `width`×`height` as yt-dlp writes thumbnails (jpg, png, webp).
    func image(width: Int = 640, height: Int = 360, format: String = "jpg", name: String = "thumbnail") throws -> String {
        let path = folder + "/\(name).\(format)"
        try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=\(width)x\(height)",
                                   "-frames:v", "1", path])
        return path
    }

    /// The size and MD5 of every audio and video packet of `path`, per stream, without timestamps:
    /// equal before and after tagging when the streams were copied byte for byte. (Timestamps
    /// may move: see testVideoContainersGetTagsAndTheCoverWhereTheyCanHoldOne.)
    func packetDigest(_ path: String) throws -> String {
        let frames = try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-i", "file:" + path, "-map", "0:a", "-map", "0:V?",
                                                    "-c", "copy", "-f", "framemd5", "-"])
        // Stream by stream: the interleaving follows the timestamps.
        var streams: [String: [String]] = [:]
        for line in frames.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            streams[fields[0], default: []].append(fields[4] + "," + fields[5])
        }
        return streams.keys.sorted().map { "stream \($0): " + streams[$0]!.joined(separator: " ") }.joined(separator: "\n")
    }

    /// The MD5 of the decoded audio of `path`: proves the tagged file still decodes identically
    /// (an MP4 chunk offset moved wrongly would decode other bytes).
    func decodedAudioDigest(_ path: String) throws -> String {
        try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-i", "file:" + path, "-map", "0:a:0", "-f", "md5", "-"])
    }
}

/// What mutagen reads from a file (Tests/SpoolMediaTests/read_tags.py).
struct MutagenView: Decodable {
    struct Picture: Decodable {
        var type: Int
        var mime: String
        var width: Int?
        var height: Int?
        var bytes: Int
    }

    var format: String?
    var id3_version: String?
    var title: String?
    var artist: String?
    var album: String?
    var album_artist: String?
    var track: String?
    var date: String?
    var comment: String?
    var video_id: String?
    var source_url: String?
    var pictures: [Picture]?
}

/// The project's Python (`.venv/bin/python`, made by `scripts/setup.sh test` with mutagen from
/// Tests/e2e/requirements.txt), as the other tests find their tools.
func mutagenPython(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let python = packageRoot + "/.venv/bin/python"
    guard FileManager.default.isExecutableFile(atPath: python) else {
        XCTFail("\(python) is missing: run scripts/setup.sh test, which installs mutagen into .venv", file: file, line: line)
        throw XCTSkip("no .venv")
    }
    return python
}

func readWithMutagen(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> MutagenView {
    let python = try mutagenPython(file: file, line: line)
    let output = try runTool(python, [packageRoot + "/Tests/SpoolMediaTests/read_tags.py", path], file: file, line: line)
    return try JSONDecoder().decode(MutagenView.self, from: Data(output.utf8))
}

/// The names in `folder`, to show nothing was left behind.
func entries(of folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}
