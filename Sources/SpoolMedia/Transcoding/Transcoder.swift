import Foundation
import SpoolProcess

/// The formats a stored track can be converted to on the fly for a player that asks for one
/// (Subsonic's `stream?format=mp3&maxBitRate=128`): each is a codec in a container that can be
/// written to a pipe front to back, with nothing to seek back and patch (an MP4 needs its index
/// at the start, so AAC travels as ADTS).
public struct TranscodeFormat: Sendable, Hashable {
    /// The name players ask for (`format=`).
    public let name: String
    /// The file suffix of the result (`transcodedSuffix`).
    public let suffix: String
    public let contentType: String
    let encoder: String
    let muxer: String
    /// Kilobits per second when the player sets no limit.
    public let defaultBitRate: Int
    /// What the encoder accepts; a limit outside is moved into it.
    public let bitRates: ClosedRange<Int>

    public static let mp3 = TranscodeFormat(name: "mp3", suffix: "mp3", contentType: "audio/mpeg", encoder: "libmp3lame",
                                            muxer: "mp3", defaultBitRate: 192, bitRates: 32...320)
    public static let opus = TranscodeFormat(name: "opus", suffix: "opus", contentType: "audio/ogg", encoder: "libopus",
                                             muxer: "ogg", defaultBitRate: 128, bitRates: 16...256)
    public static let vorbis = TranscodeFormat(name: "ogg", suffix: "ogg", contentType: "audio/ogg", encoder: "libvorbis",
                                               muxer: "ogg", defaultBitRate: 160, bitRates: 64...320)
    public static let aac = TranscodeFormat(name: "aac", suffix: "aac", contentType: "audio/aac", encoder: "aac",
                                            muxer: "adts", defaultBitRate: 192, bitRates: 32...320)

    public static let all: [TranscodeFormat] = [.mp3, .opus, .vorbis, .aac]

    /// The format a player names (`mp3`, `opus`, `ogg`, `aac`, and `m4a` as AAC), or nil.
    public static func named(_ name: String) -> TranscodeFormat? {
        let name = name.lowercased()
        if name == "m4a" { return .aac }
        return all.first { $0.name == name || $0.suffix == name }
    }

    /// The bit rate to encode at for a player's limit (nil or 0: none).
    public func bitRate(limit: Int?) -> Int {
        guard let limit, limit > 0 else { return defaultBitRate }
        return min(max(limit, bitRates.lowerBound), min(defaultBitRate, bitRates.upperBound))
    }
}

/// One conversion of a media file into a `TranscodeFormat`, written to a consumer as ffmpeg
/// makes it, in a thread of its own: ffmpeg runs as a child through `SpoolProcess`, its stdout
/// read as raw bytes.
///
/// The consumer paces the run: `output` may block (a player reading at playback speed), and
/// while it does ffmpeg waits on its full pipe, so nothing piles up. `output` returning false,
/// or `cancel()`, stops ffmpeg's whole process group (SIGTERM, then SIGKILL after 0.5 s); the
/// child is reaped before the thread ends.
///
/// ```swift
/// let run = TranscodeRun.start(tools: tools, input: path, format: .mp3, bitRate: 128) { bytes in body.write(bytes) }
/// guard case .output = run.waitForOutput(timeout: .seconds(15)) else { … }
/// ```
public final class TranscodeRun: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `condition`.
    public enum Start: Sendable, Equatable {
        /// ffmpeg wrote its first bytes.
        case output
        /// ffmpeg ended without writing anything; the message says why.
        case failed(String)
        /// Nothing yet within the time given (the run goes on).
        case waiting
    }

    private let condition = NSCondition()
    private var wroteOutput = false
    private var ended = false
    private var failure: String?
    private let cancellation = ProcessCancellation()

    /// The ffmpeg arguments of a conversion (the input is addressed with `file:` so a name
    /// beginning with a protocol or a dash is never misread).
    public static func arguments(input: String, format: TranscodeFormat, bitRate: Int, offsetSeconds: Int?) -> [String] {
        var arguments = ["-nostdin", "-hide_banner", "-v", "error"]
        if let offsetSeconds, offsetSeconds > 0 { arguments += ["-ss", String(offsetSeconds)] }
        arguments += [
            "-i", "file:" + input,
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
            "-c:a", format.encoder, "-b:a", "\(bitRate)k",
        ]
        if format == .opus { arguments += ["-vbr", "on"] }
        arguments += ["-f", format.muxer, "pipe:1"]
        return arguments
    }

    /// Starts converting `input`. `timeLimit` bounds the whole run, however slowly the consumer
    /// reads (a player that stops reading is cut off by the HTTP write timeout first).
    public static func start(
        tools: MediaTools, input: String, format: TranscodeFormat, bitRate: Int, offsetSeconds: Int? = nil,
        timeLimit: Duration, output: @escaping @Sendable (UnsafeRawBufferPointer) -> Bool,
        finished: @escaping @Sendable (ProcessOutcome?) -> Void = { _ in }
    ) -> TranscodeRun {
        let run = TranscodeRun()
        let spec = ProcessSpec(
            executablePath: tools.ffmpegPath,
            arguments: arguments(input: MediaProbe.absolute(input), format: format, bitRate: bitRate, offsetSeconds: offsetSeconds),
            timeLimit: timeLimit, killGrace: .milliseconds(500), tailLineLimit: 20)
        let thread = Thread { [run] in
            var outcome: ProcessOutcome?
            var errors: [String] = []
            do {
                outcome = try ChildProcess.run(spec, cancellation: run.cancellation, onStdout: { bytes in
                    guard !run.cancellation.isCancelled else { return }
                    run.noteOutput()
                    if !output(bytes) { run.cancellation.cancel() }
                }, onStderrLine: { line in
                    if errors.count < 5, let cleaned = ToolRun.cleanErrorLine(line) { errors.append(cleaned) }
                })
            } catch {
                errors.append("\(error)")
            }
            let message = outcome.map { "ffmpeg \($0.termination)" } ?? "ffmpeg could not start"
            run.noteEnd(failure: outcome?.isSuccess == true ? nil : ([message] + errors).joined(separator: ": "))
            finished(outcome)
        }
        thread.name = "spool.transcode"
        thread.start()
        return run
    }

    /// Waits until ffmpeg wrote something or ended, at most `timeout`.
    public func waitForOutput(timeout: Duration) -> Start {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while !wroteOutput && !ended {
            if !condition.wait(until: deadline) { break }
        }
        if wroteOutput { return .output }
        if ended { return .failed(failure ?? "ffmpeg wrote nothing") }
        return .waiting
    }

    /// Stops ffmpeg (from any thread).
    public func cancel() {
        cancellation.cancel()
    }

    /// Blocks until the run has ended and ffmpeg is reaped.
    public func waitUntilEnded() {
        condition.lock()
        while !ended { condition.wait() }
        condition.unlock()
    }

    /// Whether the run has ended (ffmpeg reaped).
    public var hasEnded: Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended
    }

    private func noteOutput() {
        condition.lock()
        if !wroteOutput {
            wroteOutput = true
            condition.broadcast()
        }
        condition.unlock()
    }

    private func noteEnd(failure: String?) {
        condition.lock()
        ended = true
        self.failure = failure
        condition.broadcast()
        condition.unlock()
    }
}
