import Foundation
import Synchronization
import XCTest
@testable import SpoolHTTP

final class WorkQueueTests: XCTestCase {
    /// Background jobs never take the slots kept for interactive ones, and a waiting
    /// interactive job starts before waiting background jobs.
    func testInteractiveJobsKeepTheirSlotsAndGoFirst() {
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

        // Fill the two free slots with interactive work, queue one more of each kind, then
        // free one slot: the interactive one must start first.
        let hold = DispatchSemaphore(value: 0)
        for _ in 0..<2 { XCTAssertTrue(queue.submit(priority: .interactive) { hold.wait() }) }
        let order = Mutex<[String]>([])
        let interactiveRan = expectation(description: "queued interactive job ran")
        XCTAssertTrue(queue.submit(priority: .interactive) {
            order.withLock { $0.append("interactive") }
            interactiveRan.fulfill()
        })
        hold.signal()
        wait(for: [interactiveRan], timeout: 5)
        XCTAssertEqual(order.withLock { $0 }, ["interactive"])
        hold.signal()
        for _ in 0..<5 { gate.signal() }
        XCTAssertTrue(queue.waitUntilIdle(timeout: 5))
        XCTAssertEqual(started.withLock { $0.count }, 5)
        queue.stop()
        XCTAssertFalse(queue.submit {}, "a stopped queue takes no more work")
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
