/// What became of one ``SessionRequest``: answered, or the child ended or was stopped first.
public struct SessionOutcome: Sendable, Hashable {
    /// Why the request ended.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// The end marker arrived. The child lives on for the next request (unless it had served
        /// its ``ProcessSession/requestsPerProcess``).
        case completed
        /// The child ended before the end marker; ``SessionOutcome/termination`` says how.
        case childExited
        /// The request ran past its time limit; the child's process group was stopped.
        case timedOut
        /// The child wrote nothing for the request's stall timeout; its process group was stopped.
        case stalled
        /// The request's ``ProcessCancellation`` was cancelled; the child's process group was
        /// stopped (or, if the token was cancelled before the request was written, the request was
        /// never written and the child was left alone).
        case cancelled
        /// The child closed its stdin before it had read the whole request; it was stopped. (A
        /// child that served earlier requests and closed its stdin before reading any of this one
        /// is replaced instead, and the request goes to the new child.)
        case inputClosed

        public var description: String {
            switch self {
            case .completed: "completed"
            case .childExited: "child exited"
            case .timedOut: "timed out"
            case .stalled: "stalled"
            case .cancelled: "cancelled"
            case .inputClosed: "input closed"
            }
        }
    }

    /// Why the request ended.
    public var reason: Reason
    /// The end marker line, when ``reason`` is ``Reason/completed``.
    public var endMarker: String?
    /// How the child ended, when it ended during the request; it is reaped by then. `nil` when the
    /// child lives on: after ``Reason/completed``, and after a ``Reason/cancelled`` request that
    /// was never written.
    public var termination: ProcessTermination?
    /// The process id of the child that served (or was to serve) the request; 0 if there was none.
    public var processID: Int32
    /// Whether the request started a new child, and so paid for its start-up.
    public var startedProcess: Bool
    /// The last lines the child wrote for this request (not the marker), stdout and stderr
    /// interleaved in read order, bounded by ``ProcessSpec/tailLineLimit`` and
    /// ``ProcessSpec/tailByteLimit``.
    public var tail: [OutputLine]
    /// From the call to ``ProcessSession/perform(_:cancellation:onLine:)`` to the marker or to the
    /// child's reaping.
    public var duration: Duration

    /// Creates an outcome.
    public init(
        reason: Reason, endMarker: String?, termination: ProcessTermination?, processID: Int32,
        startedProcess: Bool, tail: [OutputLine], duration: Duration
    ) {
        self.reason = reason
        self.endMarker = endMarker
        self.termination = termination
        self.processID = processID
        self.startedProcess = startedProcess
        self.tail = tail
        self.duration = duration
    }

    /// The tail as text, one line per output line, for error messages and logs.
    public var tailText: String {
        tail.map(\.text).joined(separator: "\n")
    }
}
