import XCTest
@testable import SpoolHTTP

final class BroadcastLogTests: XCTestCase {
    /// Reads what a client at `cursor` would be sent, as the session does.
    private func drain(_ log: BroadcastLog, from cursor: Int) -> [UInt8] {
        (max(cursor, log.tail)..<log.head).filter { !log.isSuperseded($0) }.map { log[$0].frame[0] }
    }

    func testALaggingClientGetsEachKeysNewestEntryOnceInOrder() {
        var log = BroadcastLog(capacity: 1 << 20)
        log.append([1], key: nil)
        log.append([2], key: "progress-7")
        log.append([3], key: "status-7")
        log.append([4], key: "progress-7")  // supersedes [2]
        log.append([5], key: nil)
        XCTAssertEqual(drain(log, from: 0), [1, 3, 4, 5])
        // A client that had already been sent [2] still gets the newer progress.
        XCTAssertEqual(drain(log, from: 2), [3, 4, 5])
        log.append([6], key: "status-7")
        XCTAssertEqual(drain(log, from: 0), [1, 4, 5, 6])
    }

    func testTheLogKeepsAtMostItsCapacityAndMeasuresLagInBytes() {
        var log = BroadcastLog(capacity: 1000)
        for index in 0..<50 { log.append([UInt8](repeating: UInt8(index), count: 100), key: nil) }
        XCTAssertEqual(log.head, 50)
        XCTAssertEqual(log.tail, 40, "the oldest entries go first")
        XCTAssertEqual(log.byteCount, 1000)
        XCTAssertEqual(log.bytes(from: 45), 500)
        XCTAssertEqual(log.bytes(from: 50), 0)
    }

    func testAnEvictedKeyNoLongerSupersedesAnything() {
        var log = BroadcastLog(capacity: 2)
        log.append([1], key: "a")
        log.append([2], key: "b")
        log.append([3], key: "a")  // evicts [1]
        XCTAssertEqual(log.tail, 1)
        XCTAssertEqual(drain(log, from: 0), [2, 3])
    }

    func testALongRunStaysInOrderAcrossCompaction() {
        var log = BroadcastLog(capacity: 300)
        var cursor = 0
        var received: [UInt8] = []
        for value in 0..<20_000 {
            log.append([UInt8(value % 251)], key: nil)
            if value % 3 == 0 {
                while cursor < log.head { received.append(log[cursor].frame[0]); cursor += 1 }
            }
        }
        while cursor < log.head { received.append(log[cursor].frame[0]); cursor += 1 }
        XCTAssertEqual(received, (0..<20_000).map { UInt8($0 % 251) })
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
