// The last `capacity` lines, in a ring buffer so that appending never shifts the array.
struct OutputTail {
    let capacity: Int
    private var storage: [OutputLine] = []
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        storage.reserveCapacity(min(self.capacity, 1024))
    }

    mutating func append(_ line: OutputLine) {
        guard capacity > 0 else { return }
        if storage.count < capacity {
            storage.append(line)
        } else {
            storage[oldest] = line
            oldest = (oldest + 1) % capacity
        }
    }

    var lines: [OutputLine] {
        Array(storage[oldest...] + storage[..<oldest])
    }
}
