import CLibEvent
import Foundation

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

    public init() throws {
        guard Self.threadingEnabled, let base = event_base_new() else {
            throw HTTPServerError.eventLoopUnavailable
        }
        self.base = base
    }

    /// Runs `block` on the loop thread at its next iteration. Safe from any thread.
    public func execute(_ block: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(BlockBox(block)).toOpaque()
        let result = event_base_once(base, -1, Int16(EV_TIMEOUT), { _, _, argument in
            Unmanaged<BlockBox>.fromOpaque(argument!).takeRetainedValue().block()
        }, box, nil)
        if result != 0 {
            Unmanaged<BlockBox>.fromOpaque(box).release()
        }
    }

    /// Runs `block` on the loop thread after `seconds`.
    func schedule(after seconds: Double, _ block: @escaping @Sendable () -> Void) {
        var delay = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        let box = Unmanaged.passRetained(BlockBox(block)).toOpaque()
        if event_base_once(base, -1, Int16(EV_TIMEOUT), { _, _, argument in
            Unmanaged<BlockBox>.fromOpaque(argument!).takeRetainedValue().block()
        }, box, &delay) != 0 {
            Unmanaged<BlockBox>.fromOpaque(box).release()
        }
    }

    /// Starts the loop thread.
    func start(name: String) {
        let thread = Thread { [self] in
            event_base_dispatch(base)
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
