/// One request to a ``ProcessSession``'s child: a line written to its stdin, and how to tell the
/// end of the answer.
///
/// The child answers with any number of lines on stdout and stderr, then one stdout line that
/// begins with ``endMarkerPrefix``. Make the prefix impossible for the answer itself to contain,
/// for example by putting a random request id in it:
///
/// ```swift
/// let id = randomHex(16)
/// let request = SessionRequest(line: #"{"id":"\#(id)","argv":[…]}"#,
///                              endMarkerPrefix: "SPOOL-YTDLP-DRIVER-END \(id) ",
///                              timeLimit: .seconds(6 * 3600), stallTimeout: .seconds(300))
/// ```
public struct SessionRequest: Sendable, Hashable {
    /// The request, written to the child's stdin followed by `"\n"`. It must not contain a
    /// newline itself.
    public var line: String

    /// A stdout line that begins with this ends the answer. It is not delivered to `onLine`; the
    /// whole line is in ``SessionOutcome/endMarker``.
    public var endMarkerPrefix: String

    /// The longest the request may take, counted from the moment it is written (including the
    /// child's start when the request starts one); `nil` takes the session's
    /// ``ProcessSpec/timeLimit``.
    public var timeLimit: Duration?

    /// The longest the child may stay silent on both stdout and stderr during the request; `nil`
    /// takes the session's ``ProcessSpec/stallTimeout``.
    public var stallTimeout: Duration?

    /// Creates a request.
    public init(line: String, endMarkerPrefix: String, timeLimit: Duration? = nil, stallTimeout: Duration? = nil) {
        self.line = line
        self.endMarkerPrefix = endMarkerPrefix
        self.timeLimit = timeLimit
        self.stallTimeout = stallTimeout
    }

    func validate() throws {
        if line.utf8.contains(10) {
            throw ChildProcessError.invalidSpecification("a session request must not contain a newline")
        }
        if endMarkerPrefix.isEmpty {
            throw ChildProcessError.invalidSpecification("a session request needs an end marker prefix")
        }
        if let limit = timeLimit, limit <= .zero {
            throw ChildProcessError.invalidSpecification("timeLimit must be positive")
        }
        if let limit = stallTimeout, limit <= .zero {
            throw ChildProcessError.invalidSpecification("stallTimeout must be positive")
        }
    }
}
