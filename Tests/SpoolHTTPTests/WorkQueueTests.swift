import Foundation
import Synchronization
import XCTest
@testable import SpoolHTTP

final class WorkQueueTests: XCTestCase {
    /// Background jobs never take the threads kept for interactive ones: a click runs while
    /// every other thread is held by blocked background work.
    func testBackgroundJobsLeaveTheReservedThreadsFree() {
        let queue = WorkQueue(label: "test", width: 4, maximumBacklog: 100, reservedForInteractive: 2)
        let gate = DispatchSemaphore(value: 0)
        let started = Mutex<[String]>([])
        for index in 0..<5 {
            XCTAssertTrue(queue.submit(priority: .background) {
                started.withLock { $0.append("background-\(index)") }
                gate.wait()
            })
        }
        let click = expectation(description: "interactive job ran while background jobs were blocked")
        XCTAssertTrue(queue.submit(priority: .interactive) { click.fulfill() })
        wait(for: [click], timeout: 5)
        let deadline = Date().addingTimeInterval(5)
        while started.withLock({ $0.count }) < 2 && Date() < deadline { usleep(1000) }
        usleep(50_000)  // time for a third background job to start, if the limit failed
        XCTAssertEqual(Set(started.withLock { $0 }), ["background-0", "background-1"], "background jobs took the reserved slots")

        for _ in 0..<5 { gate.signal() }
        XCTAssertTrue(queue.waitUntilIdle(timeout: 5))
        XCTAssertEqual(started.withLock { $0.count }, 5)
        queue.stop()
        XCTAssertFalse(queue.submit {}, "a stopped queue takes no more work")
    }

    /// When a thread frees up, a waiting interactive job goes before background jobs that
    /// have waited longer.
    func testAWaitingInteractiveJobStartsBeforeOlderBackgroundJobs() {
        let queue = WorkQueue(label: "test", width: 1, maximumBacklog: 100, reservedForInteractive: 0)
        let hold = DispatchSemaphore(value: 0)
        let order = Mutex<[String]>([])
        XCTAssertTrue(queue.submit(priority: .interactive) { hold.wait() })
        for index in 0..<3 {
            XCTAssertTrue(queue.submit(priority: .background) { order.withLock { $0.append("background-\(index)") } })
        }
        XCTAssertTrue(queue.submit(priority: .interactive) { order.withLock { $0.append("click") } })
        hold.signal()
        XCTAssertTrue(queue.waitUntilIdle(timeout: 5))
        XCTAssertEqual(order.withLock { $0 }, ["click", "background-0", "background-1", "background-2"])
        queue.stop()
    }

    /// What a job captured is released before the queue counts it as done: the server frees
    /// the event base once `waitUntilIdle` returns, and a connection's guard released later, on
    /// a queue thread holding the queue's lock, hung a shutdown inside `event_free`.
    func testAJobsCapturesAreReleasedBeforeTheQueueIsIdle() {
        final class Released: Sendable { let flag = Atomic<Bool>(false) }
        final class Capture: Sendable {
            let released: Released
            init(_ released: Released) { self.released = released }
            deinit {
                usleep(100_000)  // a slow release makes a late one certain to be seen
                released.flag.store(true, ordering: .releasing)
            }
        }
        for priority in [WorkPriority.interactive, .background] {
            let queue = WorkQueue(label: "test", width: 2, maximumBacklog: 10, reservedForInteractive: 0)
            let released = Released()
            do {
                let capture = Capture(released)
                XCTAssertTrue(queue.submit(priority: priority) { _ = capture })
            }
            XCTAssertTrue(queue.waitUntilIdle(timeout: 5))
            XCTAssertTrue(released.flag.load(ordering: .acquiring), "\(priority): the job's captures outlived waitUntilIdle")
            queue.stop()
        }
    }

    func testAFullBacklogRefusesWork() {
        let queue = WorkQueue(label: "test", width: 1, maximumBacklog: 2)
        let gate = DispatchSemaphore(value: 0)
        XCTAssertTrue(queue.submit { gate.wait() })
        XCTAssertTrue(queue.submit { gate.wait() })
        XCTAssertFalse(queue.submit {}, "a third job exceeds the backlog of 2")
        gate.signal()
        gate.signal()
        XCTAssertTrue(queue.waitUntilIdle(timeout: 5))
        queue.stop()
    }
}
