import SpoolStore

/// Why a run failed, as a handler reports it. The class decides the next status:
/// `permanent` → `failed`; `timeout` → `timeout`; `cancelled` → `cancelled`; every other
/// class → `retrying` (or `dead_letter` when attempts are used up).
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public var errorClass: JobErrorClass
    /// What users read: plain language.
    public var message: String
    /// The raw line behind the message (a tool's `ERROR:` line), kept in the job's details.
    public var detail: String?
    public var exitCode: Int?
    public var signal: Int?
    /// The last lines of the tool's output, kept for the job log.
    public var logTail: String?
    /// The earliest time a retry may start, when the handler knows better than the backoff
    /// (a rate-limit cool-down, say).
    public var retryNotBefore: Double?

    public init(
        _ errorClass: JobErrorClass, _ message: String, detail: String? = nil, exitCode: Int? = nil, signal: Int? = nil,
        logTail: String? = nil, retryNotBefore: Double? = nil
    ) {
        self.errorClass = errorClass
        self.message = message
        self.detail = detail
        self.exitCode = exitCode
        self.signal = signal
        self.logTail = logTail
        self.retryNotBefore = retryNotBefore
    }

    public var description: String { "\(errorClass.rawValue): \(message)" }
}
