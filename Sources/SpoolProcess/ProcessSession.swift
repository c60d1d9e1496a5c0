/// A long-lived child that serves requests one at a time, each supervised like a one-shot run.
///
/// The child is started on the first request and reads requests as lines on its stdin; for each
/// it writes its answer to stdout and stderr and then an end-marker line to stdout (see
/// ``SessionRequest``). Paying for the child's start once instead of per request is the point:
/// a download in a `yt-dlp` process costs ~1.5 CPU-s, most of it importing yt-dlp and matching
/// its 1,751 URL patterns, against ~0.35 CPU-s in a warm driver (docs/features/ytdlp-driver.md).
///
/// ```swift
/// let session = try ProcessSession(driverSpec, requestsPerProcess: 100)   // one per worker
/// let cancellation = ProcessCancellation()      // one per request, where "stop" can reach it
/// let outcome = try session.perform(request, cancellation: cancellation) { stream, line in
///     progress.parse(line)
/// }
/// switch outcome.reason {
/// case .completed: status = parseStatus(outcome.endMarker!)
/// default: fail(outcome.reason, outcome.termination, outcome.tailText)
/// }
/// ```
///
/// Each request gets what ``ChildProcess/run(_:cancellation:onLine:)`` gives a child: its own time
/// limit and stall watchdog (counted from the moment it is written), cancellation from any thread,
/// bounded lines and a bounded tail. A request that times out, stalls, is cancelled, or during
/// which the child ends, ends the child: its whole process group is stopped (SIGTERM, SIGKILL
/// after ``ProcessSpec/killGrace``) and reaped, and the next request starts a new child. So does
/// every ``requestsPerProcess``-th request, after its answer: the child's stdin is closed, and it
/// gets ``ProcessSpec/killGrace`` to exit before it is stopped.
///
/// The child's side of the contract:
/// - read one request per line from stdin; answer it; end the answer with one stdout line that
///   begins with the request's ``SessionRequest/endMarkerPrefix``, after everything else the answer
///   wrote to stdout *and* stderr (flush stderr first: stderr is read until it would block once the
///   marker has arrived, so nothing written before the marker is lost);
/// - exit on end-of-file on stdin;
/// - to retire itself, close stdin before writing its last end marker: the session then starts a
///   new child for the next request instead of writing it to one that will never read it.
///
/// Output written between requests belongs to no request and is dropped. A child that quits
/// between requests is replaced, and the request goes to the new child.
///
/// One request at a time: concurrent calls to ``perform(_:cancellation:onLine:)`` wait for each
/// other. Use one session per worker thread.
public final class ProcessSession: @unchecked Sendable {
    // @unchecked: the mutable state is only touched while `lock` is held.

    /// The child to run. ``ProcessSpec/timeLimit`` and ``ProcessSpec/stallTimeout`` are the limits
    /// of each request that does not set its own.
    public let spec: ProcessSpec
    /// How many requests a child serves before it is retired and the next request starts a new one.
    public let requestsPerProcess: Int

    private let lock = Lock()
    private var watch: Watch?
    private var requestsServed = 0
    private let clock = ContinuousClock()

    /// Creates a session; no child runs until the first request.
    ///
    /// - Throws: ``ChildProcessError/invalidSpecification(_:)`` when `spec` or
    ///   `requestsPerProcess` (at least 1) cannot be used.
    public init(_ spec: ProcessSpec, requestsPerProcess: Int) throws {
        try Spawn.validate(spec)
        guard requestsPerProcess >= 1 else {
            throw ChildProcessError.invalidSpecification("requestsPerProcess must be at least 1")
        }
        self.spec = spec
        self.requestsPerProcess = requestsPerProcess
    }

    deinit {
        if let watch {
            retire(watch)
        }
    }

    /// Sends `request` to the child, starting one if none runs, and waits for its answer.
    ///
    /// - Parameters:
    ///   - request: The line to write and how to tell the end of the answer.
    ///   - cancellation: A token another thread may cancel to stop the request (and the child).
    ///     A token already cancelled returns ``SessionOutcome/Reason/cancelled`` at once without
    ///     writing anything.
    ///   - onLine: Called on the calling thread for every line of the answer except the end marker.
    ///     Keep it short: while it runs, the child's output is not read.
    /// - Throws: ``ChildProcessError`` if the request is invalid or a child could not be started;
    ///   then nothing is left running or open.
    public func perform(
        _ request: SessionRequest,
        cancellation: ProcessCancellation? = nil,
        onLine: (StandardStream, String) -> Void = { _, _ in }
    ) throws -> SessionOutcome {
        try request.validate()
        return try lock.withLock {
            let started = clock.now
            if cancellation?.isCancelled == true {
                return SessionOutcome(reason: .cancelled, endMarker: nil, termination: nil,
                                      processID: watch?.pid ?? 0, startedProcess: false, tail: [], duration: .zero)
            }
            let input = Array(request.line.utf8) + [10]
            let prefix = request.endMarkerPrefix
            return try ChildProcess.withWakePipe(for: cancellation, path: spec.executablePath) { wakeDescriptor in
                let limits = Watch.Limits(
                    timeLimit: request.timeLimit ?? spec.timeLimit,
                    stallTimeout: request.stallTimeout ?? spec.stallTimeout,
                    cancellation: cancellation, wakeDescriptor: wakeDescriptor)
                var handedOver = false
                while true {
                    if let current = watch, !current.isReadyForInput() {
                        retire(current)
                    }
                    let startsProcess = watch == nil
                    if startsProcess {
                        watch = Watch(spec: spec, child: try Spawn.start(spec, input: .socket))
                        requestsServed = 0
                    }
                    let current = watch!
                    let phase = current.watch(limits, input: input, endMarker: { $0.hasPrefix(prefix) }, onLine: onLine)

                    func outcome(_ reason: SessionOutcome.Reason, marker: String? = nil,
                                 termination: ProcessTermination? = nil) -> SessionOutcome {
                        SessionOutcome(reason: reason, endMarker: marker, termination: termination,
                                       processID: current.pid, startedProcess: startsProcess || handedOver,
                                       tail: phase.tail, duration: started.duration(to: clock.now))
                    }

                    switch phase.ending {
                    case .endMarker(let line):
                        let answered = outcome(.completed, marker: line)
                        requestsServed += 1
                        if requestsServed >= requestsPerProcess {
                            retire(current)
                        }
                        return answered
                    case .ended(let termination, let cause):
                        watch = nil
                        // A child that quit between requests, before it read any of this one:
                        // the request goes to a new child, once.
                        let neverDelivered = phase.inputBytesWritten == 0 && (cause == nil || cause == .inputClosed)
                        if neverDelivered && !startsProcess && !handedOver {
                            handedOver = true
                            continue
                        }
                        switch cause {
                        case nil: return outcome(.childExited, termination: termination)
                        case .timedOut?: return outcome(.timedOut, termination: termination)
                        case .stalled?: return outcome(.stalled, termination: termination)
                        case .cancelled?: return outcome(.cancelled, termination: termination)
                        case .inputClosed?: return outcome(.inputClosed, termination: termination)
                        }
                    }
                }
            }
        }
    }

    /// Retires the child, if one runs: closes its stdin and gives it ``ProcessSpec/killGrace`` to
    /// exit before its process group is stopped. The next request starts a new child. Blocks while
    /// a request is being served; cancel that first.
    public func close() {
        lock.withLock {
            if let watch {
                retire(watch)
            }
        }
    }

    // Ends the child the way the contract promises: end-of-file on stdin, then the grace, then the
    // group stop of any phase. Its output belongs to no request.
    private func retire(_ current: Watch) {
        if !current.isReaped {
            current.closeInput()
            let grace = max(spec.killGrace, .milliseconds(100))
            _ = current.watch(Watch.Limits(timeLimit: grace), onLine: { _, _ in })
        }
        if watch === current {
            watch = nil
        }
    }
}
