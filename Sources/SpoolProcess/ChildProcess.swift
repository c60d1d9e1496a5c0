import Glibc

/// Runs child processes and watches them until they end.
///
/// ``run(_:cancellation:onLine:)`` blocks the calling thread for the whole life of the child, so
/// call it from a worker thread, never from an event loop:
///
/// ```swift
/// let cancellation = ProcessCancellation()   // keep it where a "stop" request can reach it
/// let outcome = try ChildProcess.run(spec, cancellation: cancellation) { stream, line in
///     progress.parse(line)
/// }
/// if !outcome.isSuccess {
///     log.error("\(outcome.reason), \(outcome.termination): \(outcome.tailText)")
/// }
/// ```
///
/// Whatever happens, the run ends with the child's whole process group killed, the child reaped
/// (no zombie) and every descriptor it opened closed. Group members still alive when the child
/// itself exits are orphans nobody waits for, so they are killed too.
///
/// The runner relies on being the only one to reap its children: do not set `SIGCHLD` to
/// `SIG_IGN` and do not call `waitpid(-1, …)` elsewhere in the process.
public enum ChildProcess {
    /// Runs `spec` to its end and returns what happened.
    ///
    /// - Parameters:
    ///   - spec: What to run and the limits to apply.
    ///   - cancellation: A token another thread may cancel to stop the child.
    ///   - onLine: Called on the calling thread for every line the child writes, in the order the
    ///     lines are read. Keep it short: while it runs, the child's output is not read.
    /// - Returns: How the child ended, why, its last lines and how long it ran.
    /// - Throws: ``ChildProcessError`` if the child could not be started; then nothing is left
    ///   running or open.
    public static func run(
        _ spec: ProcessSpec,
        cancellation: ProcessCancellation? = nil,
        onLine: (StandardStream, String) -> Void = { _, _ in }
    ) throws -> ProcessOutcome {
        try withWakePipe(for: cancellation, path: spec.executablePath) { wakeDescriptor in
            let watch = Watch(spec: spec, child: try Spawn.start(spec))
            let phase = watch.watch(
                Watch.Limits(timeLimit: spec.timeLimit, stallTimeout: spec.stallTimeout,
                             cancellation: cancellation, wakeDescriptor: wakeDescriptor),
                onLine: onLine)
            return outcome(of: phase, watch: watch)
        }
    }

    /// Runs `spec` to its end, handing its standard output over as raw bytes rather than lines:
    /// for a child whose stdout is binary data (ffmpeg writing a transcoded stream to `pipe:1`).
    /// Standard error still arrives as lines and fills the outcome's tail.
    ///
    /// `onStdout` runs on the calling thread for each read (at most 64 KiB); while it runs,
    /// nothing more is read, so a handler that waits for its consumer holds the child back
    /// through the pipe (it blocks writing once the pipe's 64 KiB are full) instead of letting
    /// its output pile up in memory. Cancelling still stops the child once the handler returns.
    public static func run(
        _ spec: ProcessSpec,
        cancellation: ProcessCancellation? = nil,
        onStdout: (UnsafeRawBufferPointer) -> Void,
        onStderrLine: (String) -> Void = { _ in }
    ) throws -> ProcessOutcome {
        try withWakePipe(for: cancellation, path: spec.executablePath) { wakeDescriptor in
            let watch = Watch(spec: spec, child: try Spawn.start(spec))
            // The watch keeps the handler only while the phase runs.
            let phase = withoutActuallyEscaping(onStdout) { onStdout in
                watch.watch(
                    Watch.Limits(timeLimit: spec.timeLimit, stallTimeout: spec.stallTimeout,
                                 cancellation: cancellation, wakeDescriptor: wakeDescriptor),
                    onStdoutBytes: onStdout,
                    onLine: { stream, line in if stream == .stderr { onStderrLine(line) } })
            }
            return outcome(of: phase, watch: watch)
        }
    }

    private static func outcome(of phase: Watch.PhaseResult, watch: Watch) -> ProcessOutcome {
        guard case .ended(let termination, let cause) = phase.ending else {
            preconditionFailure("a phase without an end marker ends with the child")
        }
        let reason: ProcessOutcome.Reason = switch cause {
        case nil, .inputClosed?: .finished   // no input is written to a one-shot child
        case .timedOut?: .timedOut
        case .stalled?: .stalled
        case .cancelled?: .cancelled
        }
        return ProcessOutcome(processID: watch.pid, termination: termination, reason: reason,
                              tail: phase.tail, duration: phase.duration)
    }

    /// Runs `body` with the read end of a wake-up pipe registered with `cancellation` (nil
    /// without a token), and closes it afterwards.
    ///
    /// The pipe exists before the child does, so a failure to create it leaves nothing behind,
    /// and a cancel() that races with the spawn is never lost.
    static func withWakePipe<T>(
        for cancellation: ProcessCancellation?,
        path: String,
        _ body: (Int32?) throws -> T
    ) throws -> T {
        guard let cancellation else { return try body(nil) }
        let wakePipe = try makeWakePipe(path: path)
        cancellation.register(wakeDescriptor: wakePipe.write)
        defer {
            cancellation.unregister(wakeDescriptor: wakePipe.write)
            closeDescriptor(wakePipe.read)
            closeDescriptor(wakePipe.write)
        }
        return try body(wakePipe.read)
    }

    private static func makeWakePipe(path: String) throws -> (read: Int32, write: Int32) {
        guard let pipe2 = GNUFunctions.pipe2 else {
            throw ChildProcessError.systemCallFailed(call: "pipe2 (missing)", path: path, errno: ENOSYS)
        }
        var descriptors: [Int32] = [-1, -1]
        if pipe2(&descriptors, O_CLOEXEC | O_NONBLOCK) != 0 {
            throw ChildProcessError.systemCallFailed(call: "pipe2", path: path, errno: errno)
        }
        return (descriptors[0], descriptors[1])
    }
}
