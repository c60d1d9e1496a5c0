import Glibc

/// A switch that stops a running child process from any thread.
///
/// Create one before ``ChildProcess/run(_:cancellation:onLine:)`` and keep it where other threads
/// can reach it; calling ``cancel()`` stops the child's process group (`SIGTERM`, then `SIGKILL`
/// after ``ProcessSpec/killGrace``) and the run returns with ``ProcessOutcome/Reason/cancelled``.
///
/// Cancelling is permanent: a run started with an already cancelled token spawns the process and
/// stops it at once, so callers see a single code path for cancellation.
public final class ProcessCancellation: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `lock`.
    private let lock = Lock()
    private var cancelled = false
    // Write ends of the wake-up pipes of the runs watching this token. Writing one byte wakes
    // their poll() at once instead of at the next tick.
    private var wakeDescriptors: [Int32] = []

    /// Creates a token that is not cancelled.
    public init() {}

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool {
        lock.withLock { cancelled }
    }

    /// Stops every run watching this token. Safe to call from any thread, any number of times.
    public func cancel() {
        lock.withLock {
            guard !cancelled else { return }
            cancelled = true
            for descriptor in wakeDescriptors {
                Self.wake(descriptor)
            }
        }
    }

    func register(wakeDescriptor descriptor: Int32) {
        lock.withLock {
            wakeDescriptors.append(descriptor)
            if cancelled { Self.wake(descriptor) }
        }
    }

    // Must be called before the descriptor is closed: holding the lock guarantees cancel() never
    // writes into a descriptor number that was closed and reused by someone else.
    func unregister(wakeDescriptor descriptor: Int32) {
        lock.withLock {
            wakeDescriptors.removeAll { $0 == descriptor }
        }
    }

    private static func wake(_ descriptor: Int32) {
        var byte: UInt8 = 1
        // Non-blocking: if the pipe is full, a wake-up is already pending, which is all we need.
        while write(descriptor, &byte, 1) < 0 && errno == EINTR {}
    }
}
