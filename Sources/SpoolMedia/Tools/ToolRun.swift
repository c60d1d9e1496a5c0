import Foundation
import SpoolProcess

/// A tool run could not do its work for a reason that is not the file's fault: the program is
/// missing, was stopped by its time limit or a cancellation, or failed on a file it should handle.
public enum MediaToolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The program could not be started (missing, not executable, out of descriptors).
    case cannotRun(tool: String, reason: String)
    /// The program ran past its time limit and was killed.
    case timedOut(tool: String, limit: Duration)
    /// The run was cancelled through its `ProcessCancellation`.
    case cancelled(tool: String)
    /// The program ended with an error; `message` holds its error lines.
    case failed(tool: String, termination: String, message: String)

    public var description: String {
        switch self {
        case .cannotRun(let tool, let reason): "Cannot run \(tool): \(reason)"
        case .timedOut(let tool, let limit): "\(tool) did not finish within \(limit) and was stopped"
        case .cancelled(let tool): "\(tool) was stopped"
        case .failed(let tool, let termination, let message):
            "\(tool) \(termination)" + (message.isEmpty ? "" : ": \(message)")
        }
    }
}

/// What one tool run printed, split by stream.
struct ToolOutput {
    var outcome: ProcessOutcome
    /// Standard output, lines joined with "\n" (at most ``ToolRun/stdoutByteLimit`` bytes).
    var stdout: String
    /// Standard error lines, cleaned for messages (see ``ToolRun/cleanErrorLine(_:)``).
    var errors: [String]
}

enum ToolRun {
    /// ffprobe's JSON for a file with many streams and long tags stays far below this; a bigger
    /// output is cut, and its JSON then fails to parse, which is reported.
    static let stdoutByteLimit = 16 << 20

    /// Runs `executable` with `arguments`, bounded by `timeLimit`, and collects its output.
    /// Throws only when the program cannot be started; the caller judges the outcome.
    static func run(
        _ executable: String,
        _ arguments: [String],
        timeLimit: Duration,
        cancellation: ProcessCancellation? = nil
    ) throws(MediaToolError) -> ToolOutput {
        let spec = ProcessSpec(
            executablePath: executable, arguments: arguments, environment: environment(),
            timeLimit: timeLimit, killGrace: .milliseconds(500), tailLineLimit: 40,
            // One JSON line of ffprobe may hold a long tag (lyrics, a description).
            lineByteLimit: 4 << 20)
        var stdout: [String] = []
        var stdoutBytes = 0
        var errors: [String] = []
        let outcome: ProcessOutcome
        do {
            outcome = try ChildProcess.run(spec, cancellation: cancellation) { stream, line in
                switch stream {
                case .stdout:
                    guard stdoutBytes < stdoutByteLimit else { return }
                    stdoutBytes += line.utf8.count + 1
                    stdout.append(line)
                case .stderr:
                    if errors.count < 40, let cleaned = cleanErrorLine(line) { errors.append(cleaned) }
                }
            }
        } catch {
            throw .cannotRun(tool: toolName(executable), reason: "\(error)")
        }
        return ToolOutput(outcome: outcome, stdout: stdout.joined(separator: "\n"), errors: errors)
    }

    /// Throws the matching ``MediaToolError`` unless the run ended on its own (whatever its exit
    /// code): a time limit or a cancellation is never the file's fault.
    static func requireFinished(_ output: ToolOutput, tool executable: String, timeLimit: Duration) throws(MediaToolError) {
        switch output.outcome.reason {
        case .timedOut, .stalled: throw .timedOut(tool: toolName(executable), limit: timeLimit)
        case .cancelled: throw .cancelled(tool: toolName(executable))
        case .finished: break
        }
    }

    /// Throws the matching ``MediaToolError`` unless the run finished with exit code 0.
    static func requireSuccess(_ output: ToolOutput, tool executable: String, timeLimit: Duration) throws(MediaToolError) {
        try requireFinished(output, tool: executable, timeLimit: timeLimit)
        guard output.outcome.termination == .exited(0) else {
            throw .failed(tool: toolName(executable), termination: output.outcome.termination.description,
                          message: output.errors.joined(separator: "; "))
        }
    }

    static func toolName(_ executable: String) -> String {
        executable.split(separator: "/").last.map(String.init) ?? executable
    }

    /// The environment of a tool: the service's own, with the locale fixed so that messages
    /// and number formats do not depend on the host. ffmpeg reads no configuration from it.
    private static func environment() -> [String: String] {
        var environment = ProcessSpec.currentEnvironment()
        environment["LC_ALL"] = "C"
        // ffmpeg writes a report file into the working directory when this is set.
        environment.removeValue(forKey: "FFREPORT")
        return environment
    }

    /// Turns `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d1c2] moov atom not found` into
    /// `moov atom not found`, and drops empty lines. The pointer differs on every run and means
    /// nothing to a user.
    static func cleanErrorLine(_ line: String) -> String? {
        var text = Substring(line)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[..<close].contains(" @ 0x") {
            text = text[text.index(after: close)...]
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
