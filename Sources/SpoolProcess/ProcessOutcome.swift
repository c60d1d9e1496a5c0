/// What happened to a child process that ran: how it ended, why, how long it took, and the last
/// lines it wrote.
public struct ProcessOutcome: Sendable, Hashable {
    /// Why a child process stopped running.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// The process ended on its own.
        case finished
        /// The process ran past ``ProcessSpec/timeLimit`` and was stopped.
        case timedOut
        /// The process wrote nothing for ``ProcessSpec/stallTimeout`` and was stopped.
        case stalled
        /// The process was stopped because its ``ProcessCancellation`` was cancelled.
        case cancelled

        public var description: String {
            switch self {
            case .finished: "finished"
            case .timedOut: "timed out"
            case .stalled: "stalled"
            case .cancelled: "cancelled"
            }
        }
    }

    /// The process id the child had. It is reaped and may already belong to another process.
    public var processID: Int32
    /// How the process ended.
    public var termination: ProcessTermination
    /// Why the process ended.
    public var reason: Reason
    /// The last lines of stdout and stderr, interleaved in the order they were read, oldest first,
    /// at most ``ProcessSpec/tailLineLimit`` of them and ``ProcessSpec/tailByteLimit`` bytes.
    public var tail: [OutputLine]
    /// The time from spawning the process to reaping it.
    public var duration: Duration

    /// Creates an outcome.
    public init(
        processID: Int32,
        termination: ProcessTermination,
        reason: Reason,
        tail: [OutputLine],
        duration: Duration
    ) {
        self.processID = processID
        self.termination = termination
        self.reason = reason
        self.tail = tail
        self.duration = duration
    }

    /// Whether the process finished on its own with exit code 0.
    public var isSuccess: Bool {
        reason == .finished && termination == .exited(0)
    }

    /// The tail as text, one line per output line, for error messages and logs.
    public var tailText: String {
        tail.map(\.text).joined(separator: "\n")
    }
}
