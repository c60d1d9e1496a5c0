import CLibEvent
import Foundation
import Synchronization

/// A libevent `event_base` driven by one dedicated thread. Only that thread touches libevent
/// objects; other threads hand work to it with `execute`.
public final class EventLoop: @unchecked Sendable {
    /// `evthread_use_pthreads()` must run once, before the first base is made; after it
    /// `event_base_once` (and so `execute`) is safe from any thread.
    private static let threadingEnabled: Bool = {
        evthread_use_pthreads() == 0
    }()

    let base: OpaquePointer
    private var thread: Thread?
    private let stopped = DispatchSemaphore(value: 0)
    /// The loop thread's id while it runs (0 before it starts and after it stops).
    private let loopThread = Atomic<UInt>(0)

    public init() throws {
        guard Self.threadingEnabled, let base = event_base_new() else {
            throw HTTPServerError.eventLoopUnavailable
        }
        self.base = base
    }

    /// Whether the caller runs on the loop thread.
    public var inEventLoop: Bool {
        loopThread.load(ordering: .acquiring) == UInt(pthread_self())
    }

    /// Stops a debug build when loop-only state is touched from another thread, as NIO's
    /// `assertInEventLoop` does; compiled out of release builds, where it would cost a load per
    /// call on the hottest path.
    ///
    /// Before the loop starts and after it stops, the thread that owns the server (start-up,
    /// shutdown) may touch that state: nothing else can run then.
    @inline(__always)
    func assertInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        let owner = loopThread.load(ordering: .acquiring)
        precondition(owner == 0 || owner == UInt(pthread_self()),
                     "loop-only state touched off the loop thread", file: file, line: line)
        #endif
    }

    /// Runs `block` on the loop thread at its next iteration. Safe from any thread.
    public func execute(_ block: @escaping @Sendable () -> Void) {
        schedule(delay: nil, block)
    }

    /// Runs `block` on the loop thread after `seconds`. Safe from any thread; cannot be
    /// cancelled (use a `LoopTimer` for that).
    func schedule(after seconds: Double, _ block: @escaping @Sendable () -> Void) {
        var delay = timeval(seconds: seconds)
        schedule(delay: &delay, block)
    }

    private func schedule(delay: UnsafePointer<timeval>?, _ block: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(BlockBox(block)).toOpaque()
        if event_base_once(base, -1, Int16(EV_TIMEOUT), { _, _, argument in
            Unmanaged<BlockBox>.fromOpaque(argument!).takeRetainedValue().block()
        }, box, delay) != 0 {
            Unmanaged<BlockBox>.fromOpaque(box).release()
        }
    }

    /// Starts the loop thread.
    func start(name: String) {
        let thread = Thread { [self] in
            loopThread.store(UInt(pthread_self()), ordering: .releasing)
            // Runs until `exitLoop`, even while no event is pending (a server between its
            // listener's removal and its last reply, a loop that only runs `execute`d blocks).
            event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY)
            loopThread.store(0, ordering: .releasing)
            stopped.signal()
        }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    /// Asks the loop to return after the current iteration (call on the loop thread).
    func exitLoop() {
        event_base_loopexit(base, nil)
    }

    /// Blocks until the loop thread has returned.
    func waitUntilStopped() {
        stopped.wait()
        stopped.signal()
    }

    /// Frees the base; call only once the loop has stopped and nothing else will `execute`.
    func free() {
        event_base_free(base)
    }
}

private final class BlockBox {
    let block: @Sendable () -> Void
    init(_ block: @escaping @Sendable () -> Void) { self.block = block }
}

/// A cancellable one-shot timer on the loop (a libevent timer event) with a fixed action.
/// Loop only: created, scheduled and cancelled on the loop thread. Its last reference may end
/// on a work-queue thread (a connection's guard captured by a handler's job): `event_free` is
/// safe there, since libevent locks the base (`evthread_use_pthreads`) and waits for a
/// callback that runs at that moment; the server frees the base only once every job is gone
/// (`WorkQueue.run`).
///
/// `EventLoop.schedule(after:)` cannot be taken back; per-connection deadlines are set and
/// cleared on every request, and a connection that closes must not leave a callback behind
/// that would touch it. The action is given once: re-arming a timer then allocates nothing.
final class LoopTimer {
    private let loop: EventLoop
    private let action: () -> Void
    private var event: OpaquePointer?
    private(set) var isScheduled = false

    init(loop: EventLoop, action: @escaping () -> Void) {
        self.loop = loop
        self.action = action
    }

    deinit {
        if let event { event_free(event) }
    }

    /// Runs the action after `seconds`, replacing an earlier schedule.
    func schedule(after seconds: Double) {
        loop.assertInEventLoop()
        if event == nil {
            event = event_new(loop.base, -1, 0, { _, _, argument in
                let timer = Unmanaged<LoopTimer>.fromOpaque(argument!).takeUnretainedValue()
                timer.isScheduled = false
                timer.action()
            }, Unmanaged.passUnretained(self).toOpaque())
        }
        guard let event else { return }
        isScheduled = true
        var delay = timeval(seconds: seconds)
        event_add(event, &delay)
    }

    func cancel() {
        loop.assertInEventLoop()
        guard isScheduled, let event else { return }
        isScheduled = false
        event_del(event)
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = max(0, seconds).rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int((max(0, seconds) - whole) * 1_000_000))
    }
}
