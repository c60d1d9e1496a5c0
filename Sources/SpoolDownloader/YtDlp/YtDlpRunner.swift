import Foundation
import SpoolJobs
import SpoolProcess

/// Runs yt-dlp as a monitored child of one job: the job's cancellation (user, time limit,
/// stall watchdog, shutdown) stops the whole process group, and every output line counts as
/// a sign of life.
struct YtDlpRunner: Sendable {
    let options: YtDlpOptions

    struct Output {
        var stdout: [String] = []
        var stderr: [String] = []
        var outcome: ProcessOutcome
    }

    func run(_ arguments: [String], context: JobContext, onStdout: (String) -> Void = { _ in }) throws -> Output {
        var environment = ProcessSpec.currentEnvironment()
        environment["LC_ALL"] = "C.UTF-8"
        environment["PYTHONUNBUFFERED"] = "1"
        let spec = ProcessSpec(executablePath: options.executable, arguments: arguments, environment: environment,
                               killGrace: .seconds(1), tailLineLimit: 60, lineByteLimit: 1 << 20)
        let cancellation = ProcessCancellation()
        context.onCancel { cancellation.cancel() }
        var stdout: [String] = []
        var stderr: [String] = []
        let outcome: ProcessOutcome
        do {
            outcome = try ChildProcess.run(spec, cancellation: cancellation) { stream, line in
                context.touch()
                switch stream {
                case .stdout:
                    stdout.append(line)
                    onStdout(line)
                case .stderr:
                    if stderr.count < 200 { stderr.append(line) }
                }
            }
        } catch {
            throw JobFailure(.permanent, "yt-dlp could not be started: \(error). Set YTDLP_PATH.")
        }
        context.setLogTail(outcome.tailText)
        return Output(stdout: stdout, stderr: stderr, outcome: outcome)
    }

    /// The failure to report for a run that did not succeed.
    func failure(of output: Output) -> JobFailure {
        var exitCode: Int32?
        var signal: Int32?
        switch output.outcome.termination {
        case .exited(let code): exitCode = code
        case .signaled(let number): signal = number
        }
        let (errorClass, message) = FailureClassifier.classify(exitCode: exitCode, signal: signal, stderrLines: output.stderr)
        return JobFailure(errorClass, message, exitCode: exitCode.map(Int.init), signal: signal.map(Int.init),
                          logTail: output.outcome.tailText)
    }

    /// `yt-dlp --version`, or nil when it cannot run.
    static func version(of executable: String) -> String? {
        let spec = ProcessSpec(executablePath: executable, arguments: ["--version"], timeLimit: .seconds(20))
        var lines: [String] = []
        guard let outcome = try? ChildProcess.run(spec, onLine: { stream, line in if stream == .stdout { lines.append(line) } }),
              outcome.isSuccess else { return nil }
        return lines.first?.trimmingCharacters(in: .whitespaces)
    }
}
