import Glibc

// Watches one spawned child on the calling thread, from its spawn until it is reaped, in phases:
// `ChildProcess.run` watches it in one phase until it ends; a `ProcessSession` watches it once per
// request, until the request's end marker (the child lives on) or until the child ends. Each phase
// has its own time limit, stall watchdog and cancellation, and any of them stops the whole
// process group (SIGTERM, then SIGKILL after `killGrace`). A phase in which the child ends always
// finishes with the group dead, the child reaped and its descriptors closed.
//
// The leader's exit is detected with waitid(WNOWAIT), which leaves it a zombie. As long as the
// zombie exists its pid, and so its process group id, cannot be reused; that is what makes the
// final kill(-pid, SIGKILL) for stragglers safe. Only after that is the leader reaped.
final class Watch {
    private static let tick: Duration = .milliseconds(100)
    // After the leader exits, a process that escaped the group (setsid, double fork) may still
    // hold our pipes; we stop waiting for their end-of-file after this long.
    private static let drainLimit: Duration = .seconds(1)
    private static let readBufferSize = 64 * 1024
    // Output already written when an end marker arrives (or before a request is written) is read
    // without waiting, up to this much per stream. A child blocks once a pipe holds 64 KiB (up to
    // 1 MiB if it enlarged the pipe), so everything it wrote before the marker fits; anything
    // beyond was written after it.
    private static let settleByteLimit = 1 << 20

    struct Limits {
        var timeLimit: Duration?
        var stallTimeout: Duration?
        var cancellation: ProcessCancellation?
        var wakeDescriptor: Int32?
    }

    enum StopCause: Equatable {
        case timedOut, stalled, cancelled
        // The child closed its stdin before it had taken the phase's input.
        case inputClosed
    }

    enum Ending: Equatable {
        // The end marker line; the child lives on.
        case endMarker(String)
        // The child is reaped; `stoppedBecause` is nil when it ended on its own.
        case ended(ProcessTermination, stoppedBecause: StopCause?)
    }

    struct PhaseResult {
        var ending: Ending
        var tail: [OutputLine]
        var duration: Duration
        var inputBytesWritten: Int
    }

    private struct Reader {
        let stream: StandardStream
        var descriptor: Int32
        var splitter: LineSplitter
        var isOpen: Bool { descriptor >= 0 }
    }

    private let spec: ProcessSpec
    let pid: pid_t
    private var inputDescriptor: Int32
    private var readers: [Reader]
    private let clock = ContinuousClock()
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private(set) var isReaped = false
    /// During a phase that asked for it: stdout's bytes as they are read, not split into lines
    /// (a child that writes binary data, such as ffmpeg writing audio to its stdout).
    private var stdoutBytes: ((UnsafeRawBufferPointer) -> Void)?

    init(spec: ProcessSpec, child: SpawnedChild) {
        self.spec = spec
        self.pid = child.pid
        self.inputDescriptor = child.stdinDescriptor
        self.readers = [
            Reader(stream: .stdout, descriptor: child.stdoutDescriptor, splitter: LineSplitter(lineByteLimit: spec.lineByteLimit)),
            Reader(stream: .stderr, descriptor: child.stderrDescriptor, splitter: LineSplitter(lineByteLimit: spec.lineByteLimit)),
        ]
        self.buffer = .allocate(capacity: Self.readBufferSize)
    }

    deinit {
        // Every owner ends the child through a phase; this is only a safety net so that a
        // forgotten child can never outlive its owner as a zombie or hold descriptors.
        if !isReaped {
            signalGroup(SIGKILL)
            _ = reap()
        }
        closeInput()
        for reader in readers where reader.isOpen {
            closeDescriptor(reader.descriptor)
        }
        buffer.deallocate()
    }

    // MARK: - One phase

    /// Watches the child until it ends, or, with `endMarker`, until a stdout line for which it
    /// returns true. `input` is written to the child's stdin first, as the child reads it.
    func watch(
        _ limits: Limits,
        input: [UInt8] = [],
        endMarker: ((String) -> Bool)? = nil,
        onStdoutBytes: ((UnsafeRawBufferPointer) -> Void)? = nil,
        onLine: (StandardStream, String) -> Void
    ) -> PhaseResult {
        precondition(!isReaped, "the child of this watch is already reaped")
        // Kept for this phase only (callers pass a closure made escapable for the call).
        stdoutBytes = onStdoutBytes
        defer { stdoutBytes = nil }
        return watchPhase(limits, input: input, endMarker: endMarker, onLine: onLine)
    }

    private func watchPhase(
        _ limits: Limits,
        input: [UInt8],
        endMarker: ((String) -> Bool)?,
        onLine: (StandardStream, String) -> Void
    ) -> PhaseResult {
        let started = clock.now
        let timeDeadline = limits.timeLimit.map { started + $0 }
        var lastOutput = started
        var stopCause: StopCause?
        var graceDeadline: ContinuousClock.Instant?   // set when a stop is requested
        var killSent = false
        var leaderExited: ContinuousClock.Instant?
        var drainDeadline: ContinuousClock.Instant?  // set when the group is swept after the leader exited
        var idleWait: Duration = .milliseconds(1)
        var tail = OutputTail(lineLimit: spec.tailLineLimit, byteLimit: spec.tailByteLimit)
        var written = 0
        var inputFailed = false
        var marker: String?

        func deliver(_ stream: StandardStream, _ text: String) {
            if stream == .stdout {
                // After the marker, stdout belongs to no request; stderr still holds what the
                // child wrote before it.
                if marker != nil { return }
                if let endMarker, endMarker(text) {
                    // A marker that comes after a stop was requested does not save the child:
                    // it is dropped like any marker, and the stop goes on.
                    if stopCause == nil { marker = text }
                    return
                }
            }
            tail.append(OutputLine(stream: stream, text: text))
            onLine(stream, text)
        }

        func result(_ ending: Ending) -> PhaseResult {
            PhaseResult(ending: ending, tail: tail.lines, duration: started.duration(to: clock.now), inputBytesWritten: written)
        }

        while true {
            let now = clock.now
            if leaderExited == nil && leaderHasExited() {
                leaderExited = now
            }
            if leaderExited == nil && stopCause == nil && written < input.count && !inputFailed {
                switch send(input, from: written) {
                case .sent(let count): written += count
                case .failed: inputFailed = true
                }
            }

            var wakeAt: ContinuousClock.Instant?
            if let exitedAt = leaderExited {
                if drainDeadline == nil {
                    // After a requested stop, give the rest of the group its grace (observed as
                    // the pipes closing); after a normal exit, whatever is left is an orphan.
                    let settleBy = graceDeadline ?? exitedAt
                    if allPipesClosed || now >= settleBy {
                        signalGroup(SIGKILL)
                        drainDeadline = now + Self.drainLimit
                    } else {
                        wakeAt = settleBy
                    }
                }
                if let drainDeadline {
                    if allPipesClosed || now >= drainDeadline { break }
                    wakeAt = drainDeadline
                }
            } else {
                if graceDeadline == nil {
                    if limits.cancellation?.isCancelled == true {
                        stopCause = .cancelled
                    } else if let timeDeadline, now >= timeDeadline {
                        stopCause = .timedOut
                    } else if let stall = limits.stallTimeout, now >= lastOutput + stall {
                        stopCause = .stalled
                    } else if inputFailed {
                        stopCause = .inputClosed
                    }
                    if stopCause != nil {
                        graceDeadline = now + spec.killGrace
                        signalGroup(SIGTERM)
                    }
                }
                if let graceDeadline {
                    if !killSent {
                        if now >= graceDeadline {
                            signalGroup(SIGKILL)
                            killSent = true
                        } else {
                            wakeAt = graceDeadline
                        }
                    }
                } else {
                    wakeAt = earliest(timeDeadline, limits.stallTimeout.map { lastOutput + $0 })
                }
            }

            // With a pipe open, poll() wakes us for output and end-of-file; the tick bounds how
            // late we notice an exit while a grandchild keeps the pipes open. With every pipe
            // closed only the exit is left to notice, so poll often at first, then back off.
            var wait = Self.tick
            if allPipesClosed {
                wait = idleWait
                idleWait = min(idleWait * 2, Self.tick)
            }
            if let wakeAt {
                wait = min(wait, max(.zero, now.duration(to: wakeAt)))
            }
            let waitsToWrite = leaderExited == nil && stopCause == nil && written < input.count && !inputFailed
            if pollAndRead(timeout: wait, limits: limits, waitForInput: waitsToWrite, deliver: deliver) {
                lastOutput = clock.now
            }
            if let marker, stopCause == nil {
                // Everything the child wrote before its marker is in the pipes by now.
                for index in readers.indices where readers[index].isOpen {
                    settle(index, deliver: deliver)
                }
                return result(.endMarker(marker))
            }
        }

        for index in readers.indices where readers[index].isOpen {
            closeReader(index, deliver: deliver)
        }
        closeInput()
        let termination = reap()
        return result(.ended(termination, stoppedBecause: stopCause))
    }

    // MARK: - Between a session's requests

    /// Whether the child can take another request: it runs, its stdin is open at its end, and
    /// its stdout is open. Output written since the last phase belongs to no request and is
    /// read and dropped.
    func isReadyForInput() -> Bool {
        guard !isReaped, inputDescriptor >= 0, !leaderHasExited() else { return false }
        for index in readers.indices where readers[index].isOpen {
            settle(index) { _, _ in }
        }
        guard readers[0].isOpen else { return false }
        var descriptor = pollfd(fd: inputDescriptor, events: Int16(POLLOUT), revents: 0)
        // A child that closed its stdin shows as a hang-up (or an error) on our end.
        if poll(&descriptor, 1, 0) > 0 && descriptor.revents & Int16(POLLHUP | POLLERR) != 0 {
            return false
        }
        return true
    }

    /// Tells the child no more input comes: it sees end-of-file on its stdin.
    func closeInput() {
        if inputDescriptor >= 0 {
            closeDescriptor(inputDescriptor)
            inputDescriptor = -1
        }
    }

    // MARK: - Reading

    private var allPipesClosed: Bool {
        !readers.contains { $0.isOpen }
    }

    // Returns whether any output was read.
    private func pollAndRead(
        timeout: Duration,
        limits: Limits,
        waitForInput: Bool,
        deliver: (StandardStream, String) -> Void
    ) -> Bool {
        var descriptors: [pollfd] = []
        var readerIndices: [Int] = []
        for index in readers.indices where readers[index].isOpen {
            descriptors.append(pollfd(fd: readers[index].descriptor, events: Int16(POLLIN), revents: 0))
            readerIndices.append(index)
        }
        // Once cancelled, the wake pipe stays readable; leaving it in would turn the grace period
        // into a busy loop. The cancellation is seen through isCancelled from then on.
        if let wakeDescriptor = limits.wakeDescriptor, let cancellation = limits.cancellation, !cancellation.isCancelled {
            descriptors.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0))
        }
        // The loop writes before it polls; this only wakes it when the child has made room.
        if waitForInput && inputDescriptor >= 0 {
            descriptors.append(pollfd(fd: inputDescriptor, events: Int16(POLLOUT), revents: 0))
        }

        let result = poll(&descriptors, nfds_t(descriptors.count), milliseconds(timeout))
        // EINTR and other failures: the caller's loop re-evaluates the deadlines and polls again.
        guard result > 0 else { return false }

        var gotOutput = false
        for (position, index) in readerIndices.enumerated() where descriptors[position].revents != 0 {
            if case .data = read(into: index, deliver: deliver) {
                gotOutput = true
            }
        }
        return gotOutput
    }

    private enum ReadResult { case data(Int), wouldBlock, closed }

    // One read per ready pipe per round, so a flood on one stream cannot starve the other stream
    // or the watchdogs.
    private func read(into index: Int, deliver: (StandardStream, String) -> Void) -> ReadResult {
        while true {
            let count = Glibc.read(readers[index].descriptor, buffer.baseAddress, buffer.count)
            if count > 0 {
                let stream = readers[index].stream
                if stream == .stdout, let stdoutBytes {
                    stdoutBytes(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
                    return .data(count)
                }
                readers[index].splitter.feed(UnsafeBufferPointer(rebasing: buffer[..<count])) { deliver(stream, $0) }
                return .data(count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            }
            // End of file, or an error that will not go away: either way this stream is over.
            closeReader(index, deliver: deliver)
            return .closed
        }
    }

    // Reads what the stream holds now, without waiting, then delivers an unterminated last line,
    // so that the next phase starts on a fresh line.
    private func settle(_ index: Int, deliver: (StandardStream, String) -> Void) {
        var total = 0
        while total < Self.settleByteLimit, case .data(let count) = read(into: index, deliver: deliver) {
            total += count
        }
        if readers[index].isOpen {
            let stream = readers[index].stream
            readers[index].splitter.finish { deliver(stream, $0) }
        }
    }

    private func closeReader(_ index: Int, deliver: (StandardStream, String) -> Void) {
        let stream = readers[index].stream
        readers[index].splitter.finish { deliver(stream, $0) }
        closeDescriptor(readers[index].descriptor)
        readers[index].descriptor = -1
    }

    // MARK: - Writing

    private enum SendResult { case sent(Int), failed }

    private func send(_ input: [UInt8], from offset: Int) -> SendResult {
        guard inputDescriptor >= 0 else { return .failed }
        var sent = 0
        while offset + sent < input.count {
            let count = input.withUnsafeBytes { bytes in
                // MSG_NOSIGNAL: a child that closed its stdin gives EPIPE, never SIGPIPE.
                Glibc.send(inputDescriptor, bytes.baseAddress! + offset + sent, input.count - offset - sent,
                           Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if count > 0 {
                sent += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                return sent > 0 ? .sent(sent) : .failed
            }
        }
        return .sent(sent)
    }

    // MARK: - The process

    private func leaderHasExited() -> Bool {
        var info = siginfo_t()
        while true {
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
                return info._sifields._sigchld.si_pid == pid
            }
            if errno == EINTR { continue }
            // ECHILD: someone else reaped it (SIGCHLD ignored, or a waitpid(-1) elsewhere).
            return true
        }
    }

    private func reap() -> ProcessTermination {
        isReaped = true
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED) != 0 {
            if errno != EINTR {
                return .exited(-1)
            }
        }
        let status = info._sifields._sigchld.si_status
        switch Int32(info.si_code) {
        case Int32(CLD_KILLED), Int32(CLD_DUMPED):
            return .signaled(status)
        default:
            return .exited(status)
        }
    }

    private func signalGroup(_ signal: Int32) {
        let groupReached = kill(-pid, signal) == 0
        // A leader that moved itself to another group is not reached by kill(-pid); SIGKILL it
        // directly so the run can never hang on it. (Not SIGTERM: a handler could run twice.)
        if !groupReached || signal == SIGKILL {
            _ = kill(pid, signal)
        }
    }
}

private func earliest(_ a: ContinuousClock.Instant?, _ b: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
    switch (a, b) {
    case let (a?, b?): min(a, b)
    case let (a?, nil): a
    case let (nil, b?): b
    case (nil, nil): nil
    }
}

// Rounded up, so that a deadline is never checked a moment before it has passed.
private func milliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
    let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: millis)
}
