import Glibc

// Watches one spawned child on the calling thread until it is reaped: reads its output, enforces
// the time limit, the stall watchdog and cancellation, and stops its process group.
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

    private struct Reader {
        let stream: StandardStream
        var descriptor: Int32
        var splitter: LineSplitter
        var isOpen: Bool { descriptor >= 0 }
    }

    private let spec: ProcessSpec
    private let pid: pid_t
    private let cancellation: ProcessCancellation?
    private let wakeDescriptor: Int32?
    private let clock = ContinuousClock()
    private var readers: [Reader]
    private var tail: OutputTail

    init(spec: ProcessSpec, child: SpawnedChild, cancellation: ProcessCancellation?, wakeDescriptor: Int32?) {
        self.spec = spec
        self.pid = child.pid
        self.cancellation = cancellation
        self.wakeDescriptor = wakeDescriptor
        self.readers = [
            Reader(stream: .stdout, descriptor: child.stdoutDescriptor, splitter: LineSplitter(lineByteLimit: spec.lineByteLimit)),
            Reader(stream: .stderr, descriptor: child.stderrDescriptor, splitter: LineSplitter(lineByteLimit: spec.lineByteLimit)),
        ]
        self.tail = OutputTail(capacity: spec.tailLineLimit)
    }

    deinit {
        for reader in readers where reader.isOpen {
            closeDescriptor(reader.descriptor)
        }
    }

    func run(onLine: (StandardStream, String) -> Void) -> ProcessOutcome {
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.readBufferSize)
        defer { buffer.deallocate() }

        let started = clock.now
        let timeDeadline = spec.timeLimit.map { started + $0 }
        var lastOutput = started
        var reason = ProcessOutcome.Reason.finished
        var graceDeadline: ContinuousClock.Instant?   // set when a stop is requested
        var killSent = false
        var leaderExited: ContinuousClock.Instant?
        var drainDeadline: ContinuousClock.Instant?  // set when the group is swept after the leader exited
        var idleWait: Duration = .milliseconds(1)

        func deliver(_ stream: StandardStream, _ text: String) {
            tail.append(OutputLine(stream: stream, text: text))
            onLine(stream, text)
        }

        while true {
            let now = clock.now
            if leaderExited == nil && leaderHasExited() {
                leaderExited = now
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
                    var stopReason: ProcessOutcome.Reason?
                    if cancellation?.isCancelled == true {
                        stopReason = .cancelled
                    } else if let timeDeadline, now >= timeDeadline {
                        stopReason = .timedOut
                    } else if let stall = spec.stallTimeout, now >= lastOutput + stall {
                        stopReason = .stalled
                    }
                    if let stopReason {
                        reason = stopReason
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
                    wakeAt = earliest(timeDeadline, spec.stallTimeout.map { lastOutput + $0 })
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
            if pollAndRead(timeout: wait, buffer: buffer, deliver: deliver) {
                lastOutput = clock.now
            }
        }

        for index in readers.indices where readers[index].isOpen {
            closeReader(index, deliver: deliver)
        }
        let termination = reap()
        return ProcessOutcome(
            processID: pid,
            termination: termination,
            reason: reason,
            tail: tail.lines,
            duration: started.duration(to: clock.now))
    }

    private var allPipesClosed: Bool {
        !readers.contains { $0.isOpen }
    }

    // Returns whether any output was read.
    private func pollAndRead(
        timeout: Duration,
        buffer: UnsafeMutableBufferPointer<UInt8>,
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
        if let wakeDescriptor, let cancellation, !cancellation.isCancelled {
            descriptors.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0))
        }

        let result = poll(&descriptors, nfds_t(descriptors.count), milliseconds(timeout))
        // EINTR and other failures: the caller's loop re-evaluates the deadlines and polls again.
        guard result > 0 else { return false }

        var gotOutput = false
        for (position, index) in readerIndices.enumerated() where descriptors[position].revents != 0 {
            if read(into: index, buffer: buffer, deliver: deliver) {
                gotOutput = true
            }
        }
        return gotOutput
    }

    // One read per ready pipe per round, so a flood on one stream cannot starve the other stream
    // or the watchdogs.
    private func read(
        into index: Int,
        buffer: UnsafeMutableBufferPointer<UInt8>,
        deliver: (StandardStream, String) -> Void
    ) -> Bool {
        while true {
            let count = Glibc.read(readers[index].descriptor, buffer.baseAddress, buffer.count)
            if count > 0 {
                let stream = readers[index].stream
                readers[index].splitter.feed(UnsafeBufferPointer(rebasing: buffer[..<count])) { deliver(stream, $0) }
                return true
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return false }
            }
            // End of file, or an error that will not go away: either way this stream is over.
            closeReader(index, deliver: deliver)
            return false
        }
    }

    private func closeReader(_ index: Int, deliver: (StandardStream, String) -> Void) {
        let stream = readers[index].stream
        readers[index].splitter.finish { deliver(stream, $0) }
        closeDescriptor(readers[index].descriptor)
        readers[index].descriptor = -1
    }

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
