import XCTest
import Synchronization
@testable import SpoolHTTP

final class EventLoopTests: XCTestCase {
    func testTheLoopKnowsItsOwnThread() throws {
        let loop = try EventLoop()
        loop.start(name: "test.loop")
        defer {
            loop.execute { loop.exitLoop() }
            loop.waitUntilStopped()
            loop.free()
        }
        XCTAssertFalse(loop.inEventLoop)
        let seen = Mutex<Bool?>(nil)
        let done = expectation(description: "ran on the loop")
        loop.execute {
            seen.withLock { $0 = loop.inEventLoop }
            loop.assertInEventLoop()  // would stop a debug build off the loop
            done.fulfill()
        }
        wait(for: [done], timeout: 5)
        XCTAssertEqual(seen.withLock { $0 }, true)
    }

    func testACancelledTimerNeverFires() throws {
        let loop = try EventLoop()
        loop.start(name: "test.loop")
        defer {
            loop.execute { loop.exitLoop() }
            loop.waitUntilStopped()
            loop.free()
        }
        final class Timers: @unchecked Sendable { var list: [LoopTimer] = [] }  // loop only
        let timers = Timers()
        let fired = Mutex<[String]>([])
        let done = expectation(description: "the second timer fired")
        loop.execute {
            let cancelled = LoopTimer(loop: loop) { fired.withLock { $0.append("cancelled") } }
            let kept = LoopTimer(loop: loop) {
                fired.withLock { $0.append("kept") }
                done.fulfill()
            }
            timers.list = [cancelled, kept]
            cancelled.schedule(after: 0.05)
            kept.schedule(after: 0.2)
            cancelled.cancel()
        }
        wait(for: [done], timeout: 5)
        XCTAssertEqual(fired.withLock { $0 }, ["kept"])
        let freed = expectation(description: "timers freed on the loop")
        loop.execute {
            timers.list = []
            freed.fulfill()
        }
        wait(for: [freed], timeout: 5)
    }
}
