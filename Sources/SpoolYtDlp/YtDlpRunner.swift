import SpoolProcess

/// Runs yt-dlp as a monitored child process and keeps only what a failure needs: its stdout
/// goes line by line to the caller and is never stored (a listing of 3 million lines, or a
/// run that floods stdout, costs no memory), and of stderr only the last `stderrLineLimit`
/// lines are kept, where the classifier looks.
///
/// ```swift
/// let cancellation = ProcessCancellation()
/// let run = try runner.run(arguments, cancellation: cancellation) { line in parse(line) }
/// if !run.succeeded { let failure = run.failure }
/// ```
public struct YtDlpRunner: Sendable {
    public let installation: YtDlpInstallation
    /// stderr lines kept for classification and the job log (the *last* ones: yt-dlp prints
    /// its `ERROR:` line at the end, after any number of warnings).
    public var stderrLineLimit = 200

    public init(installation: YtDlpInstallation) {
        self.installation = installation
    }

    /// How one run ended.
    public struct Run: Sendable {
        public var outcome: ProcessOutcome
        /// The last stderr lines, oldest first.
        public var stderrTail: [String]

        public var succeeded: Bool { outcome.isSuccess }

        /// Why the run failed (meaningful when it did not succeed).
        public var failure: YtDlpFailure {
            var exitCode: Int32?
            var signal: Int32?
            switch outcome.termination {
            case .exited(let code): exitCode = code
            case .signaled(let number): signal = number
            }
            return FailureClassifier.classify(exitCode: exitCode, signal: signal, stderrLines: stderrTail)
        }

        /// The last lines of both streams, for the job log.
        public var logTail: String { outcome.tailText }
    }

    /// yt-dlp could not be started at all (missing, not executable).
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs yt-dlp with `arguments` until it ends or `cancellation` stops it.
    /// - Parameters:
    ///   - onStdout: every stdout line, in order, on the calling thread.
    ///   - onStderr: every stderr line (after it is added to the tail).
    public func run(
        _ arguments: [String], cancellation: ProcessCancellation, timeLimit: Duration? = nil,
        onStdout: (String) -> Void, onStderr: (String) -> Void = { _ in }
    ) throws(StartError) -> Run {
        var spec = installation.command(arguments)
        spec.killGrace = .seconds(1)
        spec.tailLineLimit = 60
        spec.lineByteLimit = 1 << 20
        spec.timeLimit = timeLimit
        var tail = BoundedLines(capacity: stderrLineLimit)
        let outcome: ProcessOutcome
        do {
            outcome = try ChildProcess.run(spec, cancellation: cancellation) { stream, line in
                switch stream {
                case .stdout:
                    onStdout(line)
                case .stderr:
                    tail.append(line)
                    onStderr(line)
                }
            }
        } catch {
            throw StartError(description: "yt-dlp could not be started (\(spec.executablePath)): \(error)")
        }
        return Run(outcome: outcome, stderrTail: tail.lines)
    }
}

/// The last `capacity` lines, in a ring so that appending never shifts the storage.
struct BoundedLines: Sendable {
    let capacity: Int
    private var storage: [String] = []
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func append(_ line: String) {
        if storage.count < capacity {
            storage.append(line)
        } else {
            storage[oldest] = line
            oldest = (oldest + 1) % capacity
        }
    }

    var lines: [String] { Array(storage[oldest...] + storage[..<oldest]) }
}
