import XCTest
@testable import SpoolStore

final class EventHubTests: XCTestCase {
    func testEventsAreNumberedAndDelivered() {
        let hub = EventHub(ringCapacity: 8)
        let received = ErrorBox()
        let box = SequenceBox()
        let subscription = hub.subscribe { event in box.append(event.sequence) }
        hub.publish("job.status", "a")
        hub.publish("job.progress", "b")
        XCTAssertEqual(box.values, [1, 2])
        subscription.cancel()
        hub.publish("job.status", "c")
        XCTAssertEqual(box.values, [1, 2], "a cancelled subscription receives nothing")
        XCTAssertEqual(received.count, 0)
        XCTAssertEqual(hub.lastSequence, 3)
    }

    func testReplayAfterASequenceAndTooOld() {
        let hub = EventHub(ringCapacity: 4)
        for index in 1...10 { hub.publish("e", index) }
        XCTAssertEqual(hub.events(after: 8)?.map(\.sequence), [9, 10])
        XCTAssertEqual(hub.events(after: 6)?.map(\.sequence), [7, 8, 9, 10])
        XCTAssertNil(hub.events(after: 5), "event 6 left the ring: the client must refetch")
        XCTAssertEqual(hub.events(after: 10)?.count, 0)
    }
}

final class SequenceBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int64] = []
    func append(_ value: Int64) { lock.withLock { stored.append(value) } }
    var values: [Int64] { lock.withLock { stored } }
}
