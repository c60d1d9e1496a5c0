/// A first-in, first-out queue whose append and take are O(1) (an array and a read index).
///
/// `Array.removeFirst` shifts every element: with thousands of queued items, as in a slow
/// WebSocket client's send queue or a work-queue backlog, that made each take O(n). The taken
/// prefix is dropped once it is at least half the storage, so a queue that never empties (a
/// steady backlog) does not grow without bound either.
struct FIFO<Element> {
    private var storage: [Element] = []
    /// Index of the oldest element in `storage`.
    private var head = 0

    /// Elements waiting.
    var count: Int { storage.count - head }

    var isEmpty: Bool { count == 0 }

    /// Elements held, taken ones not yet dropped included (what a steady backlog costs).
    var storedCount: Int { storage.count }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    /// Takes the oldest element.
    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }
}
