import Foundation
import SpoolProcess

/// Tells what a file is by its content, with ffprobe: a playable audio or video file (and then
/// its format, duration, streams and tags), or not (and then why).
///
/// ```swift
/// let probe = MediaProbe(tools: tools)
/// do {
///     let info = try probe.probe(path)              // MediaInfo
///     duration = info.duration
/// } catch let rejection as MediaRejection {
///     report.skip(path, rejection.reason)           // the file's fault: list it, go on
/// }                                                 // MediaToolError: ffprobe itself failed
/// ```
///
/// Blocks the calling thread while ffprobe runs (two runs, 0.2–0.4 s for a 5-minute track on the
/// shared 2-core test machine under load, mostly process start-up); call it from a worker, never
/// from the event loop.
public struct MediaProbe: Sendable {
    public let tools: MediaTools

    /// How far before the declared end the end check reads, in seconds.
    static let endCheckLead = 3.0
    /// How much earlier than the check point the packet found there may start and still count as
    /// "the data reaches the end". Audio packets are all key frames and land within a packet of
    /// the point; video lands on the key frame before it, and YouTube's key frames are at most
    /// about 10 s apart.
    static let endToleranceAudio = 5.0
    static let endToleranceVideo = 20.0

    public init(tools: MediaTools) {
        self.tools = tools
    }

    /// Probes `path`.
    ///
    /// - Parameters:
    ///   - checkEnd: Also check that the data reaches the declared duration (a second ffprobe
    ///     run that seeks 3 s before the end and reads one packet). This recognises a file that
    ///     was cut short after its header (a half-copied mp3, flac, or an mp4 whose index comes
    ///     first), which the header alone cannot show.
    /// - Throws: ``MediaRejection`` when the file is not playable media (its own fault);
    ///   ``MediaToolError`` when ffprobe could not run or ran out of time.
    public func probe(_ path: String, checkEnd: Bool = true, cancellation: ProcessCancellation? = nil) throws -> MediaInfo {
        let absolute = Self.absolute(path)
        try Self.checkReadable(absolute)
        let arguments = ["-v", "error", "-hide_banner", "-print_format", "json", "-show_format", "-show_streams",
                         "-show_error", "file:" + absolute]
        let output = try ToolRun.run(tools.ffprobePath, arguments, timeLimit: tools.limits.probe, cancellation: cancellation)
        let json = Self.parseObject(output.stdout)
        if output.outcome.reason != .finished || output.outcome.termination != .exited(0) {
            try ToolRun.requireFinished(output, tool: tools.ffprobePath, timeLimit: tools.limits.probe)
            throw MediaRejection(.notMedia, Self.openFailureReason(output: output, json: json, path: absolute))
        }
        guard let json, let format = json["format"] as? [String: Any] else {
            throw MediaToolError.failed(tool: "ffprobe", termination: "printed no readable JSON",
                                        message: String(output.stdout.prefix(200)))
        }
        let info = Self.mediaInfo(format: format, streams: json["streams"] as? [[String: Any]] ?? [], path: absolute)
        try Self.checkPlayable(info)
        if checkEnd {
            try checkDataReachesEnd(info, path: absolute, cancellation: cancellation)
        }
        return info
    }

    // MARK: - The file itself

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Rejects what ffprobe should never be pointed at: a FIFO would block it until its time
    /// limit, a directory or an empty file only yield a vague "Invalid data".
    private static func checkReadable(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MediaRejection(.unreadable, String(cString: strerror(errno)).lowercased())
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw MediaRejection(.unreadable, "a directory, not a file")
        default: throw MediaRejection(.unreadable, "not a regular file")
        }
        guard info.st_size > 0 else { throw MediaRejection(.unreadable, "the file is empty") }
        guard access(path, R_OK) == 0 else {
            throw MediaRejection(.unreadable, String(cString: strerror(errno)).lowercased())
        }
    }

    // MARK: - Reading ffprobe's answer

    static func parseObject(_ text: String) -> [String: Any]? {
        guard !text.isEmpty, let data = text.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// ffprobe's own error (`Invalid data found when processing input`) after the demuxer's
    /// more specific lines (`moov atom not found`), without the path it prefixes them with.
    private static func openFailureReason(output: ToolOutput, json: [String: Any]?, path: String) -> String {
        var parts: [String] = []
        for line in output.errors {
            var text = line
            for prefix in ["file:" + path + ": ", path + ": "] where text.hasPrefix(prefix) {
                text = String(text.dropFirst(prefix.count))
            }
            if !parts.contains(text) { parts.append(text) }
        }
        if let error = json?["error"] as? [String: Any], let message = error["string"] as? String, !parts.contains(message) {
            parts.append(message)
        }
        let detail = parts.isEmpty ? "ffprobe \(output.outcome.termination)" : parts.joined(separator: "; ")
        return "not recognised as audio or video (\(detail))"
    }

    static func mediaInfo(format: [String: Any], streams: [[String: Any]], path: String) -> MediaInfo {
        let formatName = format["format_name"] as? String ?? "unknown"
        let parsedStreams = streams.map(stream)
        var tags = MediaTags(stringTags(format["tags"]))
        let container = container(formatName: formatName, path: path)
        if container == .ogg, let audio = parsedStreams.first(where: { $0.kind == .audio }) {
            // Ogg keeps the Vorbis comments on the logical stream, not the container.
            tags.fill(from: audio.tags)
        }
        var duration = number(format["duration"])
        if duration == nil {
            duration = parsedStreams.filter { !$0.isAttachedPicture }.compactMap(\.duration).max()
        }
        return MediaInfo(
            formatName: formatName, formatLongName: format["format_long_name"] as? String,
            container: container, duration: duration, startTime: number(format["start_time"]) ?? 0,
            bitRate: integer(format["bit_rate"]), size: integer(format["size"]).map(Int64.init),
            streams: parsedStreams, tags: tags)
    }

    private static func stream(_ object: [String: Any]) -> MediaStream {
        let kind: MediaStream.Kind
        switch object["codec_type"] as? String {
        case "audio": kind = .audio
        case "video": kind = .video
        case "subtitle": kind = .subtitle
        case "attachment": kind = .attachment
        case "data": kind = .data
        default: kind = .other
        }
        let disposition = object["disposition"] as? [String: Any]
        return MediaStream(
            index: integer(object["index"]) ?? 0, kind: kind,
            codec: object["codec_name"] as? String ?? "unknown",
            channels: integer(object["channels"]), sampleRate: integer(object["sample_rate"]),
            bitRate: integer(object["bit_rate"]), width: integer(object["width"]), height: integer(object["height"]),
            duration: number(object["duration"]), startTime: number(object["start_time"]),
            isAttachedPicture: integer(disposition?["attached_pic"]) == 1,
            tags: MediaTags(stringTags(object["tags"])))
    }

    /// ffprobe prints most numbers as strings ("44100", "30.000000") and some as numbers.
    static func number(_ value: Any?) -> Double? {
        if let text = value as? String { return Double(text) }
        return (value as? NSNumber)?.doubleValue
    }

    static func integer(_ value: Any?) -> Int? {
        if let text = value as? String { return Int(text) }
        return (value as? NSNumber)?.intValue
    }

    private static func stringTags(_ value: Any?) -> [String: String] {
        guard let tags = value as? [String: Any] else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in tags {
            if let text = value as? String { result[key] = text } else if let number = value as? NSNumber { result[key] = number.stringValue }
        }
        return result
    }

    static func container(formatName: String, path: String) -> MediaContainer {
        let names = Set(formatName.split(separator: ",").map(String.init))
        if names.contains("mov") || names.contains("mp4") { return .mp4 }
        if names.contains("matroska") { return EBMLDocType.read(path: path) == "webm" ? .webm : .matroska }
        if names == ["mp3"] { return .mp3 }
        if names == ["flac"] { return .flac }
        if names == ["ogg"] { return .ogg }
        return .other(formatName)
    }

    // MARK: - Judging it

    /// Still pictures and text are read by ffprobe as one-frame "video" (image2, png_pipe, tty);
    /// they are not media.
    private static let stillFormats: Set<String> = ["image2", "tty", "gif", "apng", "ico", "svg", "webp_pipe"]

    static func checkPlayable(_ info: MediaInfo) throws {
        let isStill = stillFormats.contains(info.formatName) || info.formatName.hasSuffix("_pipe")
        if isStill || (info.audioStreams.isEmpty && info.videoStreams.isEmpty) {
            let found = info.streams.map { "\($0.kind.rawValue) \($0.codec)" }
            let what = isStill ? "an image or text (\(info.formatName))" : "no audio or video stream"
            throw MediaRejection(.notMedia, "\(what)" + (found.isEmpty || isStill ? "" : "; found " + found.joined(separator: ", ")))
        }
        guard let duration = info.duration, duration > 0 else {
            throw MediaRejection(.damaged, "no playing time: neither the container nor its streams declare a duration")
        }
    }

    /// Seeks shortly before the declared end and reads one packet of the main stream: a file cut
    /// short has none there, or (mp3 and flac, whose seek falls back) one from much earlier.
    private func checkDataReachesEnd(_ info: MediaInfo, path: String, cancellation: ProcessCancellation?) throws {
        guard let duration = info.duration, let main = info.audioStreams.first ?? info.videoStreams.first else { return }
        let end = info.startTime + duration
        let checkPoint = max(info.startTime, end - Self.endCheckLead)
        let tolerance = main.kind == .audio ? Self.endToleranceAudio : Self.endToleranceVideo
        let arguments = ["-v", "error", "-hide_banner", "-print_format", "json",
                         "-select_streams", String(main.index), "-read_intervals", String(format: "%.3f%%+#1", checkPoint),
                         "-show_entries", "packet=pts_time,dts_time", "file:" + path]
        let output = try ToolRun.run(tools.ffprobePath, arguments, timeLimit: tools.limits.probe, cancellation: cancellation)
        try ToolRun.requireFinished(output, tool: tools.ffprobePath, timeLimit: tools.limits.probe)
        let packets = Self.parseObject(output.stdout)?["packets"] as? [[String: Any]] ?? []
        let time = packets.first.flatMap { Self.number($0["pts_time"]) ?? Self.number($0["dts_time"]) }
        let errors = output.errors.isEmpty ? "" : " (\(output.errors.joined(separator: "; ")))"
        guard let time else {
            throw MediaRejection(.damaged, String(format: "no data near the declared end at %.1f s: the file is cut short", end) + errors)
        }
        if time < checkPoint - tolerance {
            throw MediaRejection(.damaged, String(format: "the data ends at about %.1f s of the declared %.1f s: the file is cut short", time, end) + errors)
        }
    }
}

/// Reads the DocType of a Matroska file's EBML header ("matroska" or "webm"): ffprobe names both
/// `matroska,webm`, but only WebM may be written back by the `webm` muxer, and only Matroska
/// takes attachments.
enum EBMLDocType {
    static func read(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 256) else { return nil }
        return parse([UInt8](head))
    }

    static func parse(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 4, Array(bytes[0..<4]) == [0x1A, 0x45, 0xDF, 0xA3] else { return nil }
        var position = 4
        guard let (headerSize, sizeLength) = vint(bytes, position) else { return nil }
        position += sizeLength
        let end = min(bytes.count, position + Int(headerSize))
        while position + 2 <= end {
            // Element IDs in the EBML header are two bytes (0x42xx).
            let id = UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
            position += 2
            guard let (size, length) = vint(bytes, position) else { return nil }
            position += length
            guard position + Int(size) <= end else { return nil }
            if id == 0x4282 {
                let text = bytes[position..<(position + Int(size))].prefix { $0 != 0 }
                return String(decoding: text, as: UTF8.self)
            }
            position += Int(size)
        }
        return nil
    }

    // An EBML variable-size integer: the count of leading zero bits gives its length.
    private static func vint(_ bytes: [UInt8], _ position: Int) -> (UInt64, Int)? {
        guard position < bytes.count, bytes[position] != 0 else { return nil }
        let length = bytes[position].leadingZeroBitCount + 1
        guard position + length <= bytes.count else { return nil }
        var value = UInt64(bytes[position]) & (0xFF >> UInt64(length))
        for offset in 1..<length { value = value << 8 | UInt64(bytes[position + offset]) }
        return (value, length)
    }
}
