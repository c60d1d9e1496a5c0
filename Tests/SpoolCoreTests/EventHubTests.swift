import Foundation
import SpoolStore
import XCTest
@testable import SpoolCore

final class EventHubTests: XCTestCase {
    func testEventsAreNumberedAndDelivered() {
        let hub = EventHub(ringCapacity: 8)
        let box = SequenceBox()
        let subscription = hub.subscribe { event in box.append(event.sequence) }
        hub.publish(.trackPurged(trackId: 1))
        hub.publish(.sourceDeleted(sourceId: 2))
        XCTAssertEqual(box.values, [1, 2])
        subscription.cancel()
        hub.publish(.trackPurged(trackId: 3))
        XCTAssertEqual(box.values, [1, 2], "a cancelled subscription receives nothing")
        XCTAssertEqual(hub.lastSequence, 3)
    }

    func testReplayAfterASequenceAndTooOld() {
        let hub = EventHub(ringCapacity: 4)
        for index in 1...10 { hub.publish(.trackPurged(trackId: Int64(index))) }
        XCTAssertEqual(hub.events(after: 8)?.map(\.sequence), [9, 10])
        XCTAssertEqual(hub.events(after: 6)?.map(\.sequence), [7, 8, 9, 10])
        XCTAssertNil(hub.events(after: 5), "event 6 left the ring: the client must refetch")
        XCTAssertEqual(hub.events(after: 10)?.count, 0)
    }

    /// Eight threads publishing at once: every subscriber sees every event in sequence order
    /// (numbering and delivery used to be separate, and a reader saw `seq` go back).
    func testConcurrentPublishersAreDeliveredInSequenceOrder() {
        let hub = EventHub(ringCapacity: 64)
        let box = SequenceBox()
        let subscription = hub.subscribe { event in box.append(event.sequence) }
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<2_000 { hub.publish(.trackPurged(trackId: Int64(thread * 10_000 + index))) }
        }
        subscription.cancel()
        let values = box.values
        XCTAssertEqual(values.count, 16_000)
        XCTAssertEqual(values, values.sorted(), "delivered out of sequence order")
    }

    func testEveryEventHasAWireNameAndTheNamesAreUnique() {
        let names = SpoolEvent.Name.allCases.map(\.rawValue)
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertTrue(names.allSatisfy { $0.contains(".") })
    }
}

final class SequenceBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int64] = []
    func append(_ value: Int64) { lock.withLock { stored.append(value) } }
    var values: [Int64] { lock.withLock { stored } }
}
