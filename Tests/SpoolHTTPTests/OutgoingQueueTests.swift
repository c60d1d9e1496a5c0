import XCTest
@testable import SpoolHTTP

final class OutgoingQueueTests: XCTestCase {
    func testKeepsOrderAndCoalescesByKeyInPlace() {
        var queue = OutgoingQueue()
        queue.append([1], key: nil)
        queue.append([2], key: "progress-7")
        queue.append([3], key: "status-7")
        queue.append([4], key: "progress-7")  // replaces [2], keeps its place
        queue.append([5], key: nil)
        XCTAssertEqual(queue.count, 4)
        XCTAssertEqual(queue.popFirst(), [1])
        XCTAssertEqual(queue.popFirst(), [4])
        // Once sent, a key starts a new message at the end.
        queue.append([6], key: "progress-7")
        XCTAssertEqual(queue.popFirst(), [3])
        XCTAssertEqual(queue.popFirst(), [5])
        XCTAssertEqual(queue.popFirst(), [6])
        XCTAssertNil(queue.popFirst())
        XCTAssertEqual(queue.count, 0)
    }

    func testLongRunsStayInOrderAcrossCompaction() {
        var queue = OutgoingQueue()
        var expected: [UInt8] = []
        var received: [UInt8] = []
        for round in 0..<20 {
            for index in 0..<300 {
                let value = UInt8((round * 300 + index) % 251)
                queue.append([value], key: nil)
                expected.append(value)
            }
            for _ in 0..<250 { received.append(queue.popFirst()![0]) }
        }
        while let frame = queue.popFirst() { received.append(frame[0]) }
        XCTAssertEqual(received, expected)
    }

    /// A queue that never empties (a steady backlog) keeps its storage bounded, in order.
    func testASteadyBacklogStaysBoundedAndInOrder() {
        var fifo = FIFO<Int>()
        var next = 0
        var expected = 0
        for _ in 0..<100 { fifo.append(next); next += 1 }
        for _ in 0..<50_000 {
            fifo.append(next)
            next += 1
            XCTAssertEqual(fifo.popFirst(), expected)
            expected += 1
        }
        XCTAssertEqual(fifo.count, 100)
        XCTAssertLessThan(fifo.storedCount, 2_500, "taken elements were never dropped")
    }
}
