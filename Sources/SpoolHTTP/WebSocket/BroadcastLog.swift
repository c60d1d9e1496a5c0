/// The frames broadcast to every client, kept once for all of them; each session holds only a
/// cursor into it. Loop only.
///
/// A per-client queue made every silent client cost a copy of the backlog's bookkeeping: 500
/// clients that never read grew the server by 658 KiB each while a channel synced (issue 12).
/// Here a client that does not read costs its cursor, its socket's output buffer (at most
/// `WebSocketSession.highWater`) and the kernel's; the log itself is bounded by `capacity`
/// bytes, and a client whose cursor falls off its end is more than `capacity` bytes behind:
/// it is dropped with 1008 and reconnects with `?since=`.
///
/// Coalescing: an entry with a key (a job's progress, a job's status) is skipped when a later
/// entry has the same key, so a client that lags gets each job's newest state once, and in
/// sequence order.
struct BroadcastLog {
    struct Entry {
        let frame: [UInt8]
        let key: String?
        /// Who may receive it: sessions of other viewers step over it.
        let audience: WebSocketAudience
        /// The broadcaster's number for it; a session whose replay covered it skips it.
        let sequence: Int64?
    }

    /// Bytes of frames kept at most (the oldest go first).
    let capacity: Int
    /// Absolute index of the oldest entry kept.
    private(set) var tail = 0
    /// Absolute index the next entry will get.
    private(set) var head = 0
    /// Bytes of the frames kept.
    private(set) var byteCount = 0
    private var storage: [Entry] = []
    /// Absolute index of `storage[0]`.
    private var storageStart = 0
    /// Bytes appended before each kept entry, so a cursor's lag in bytes is one subtraction.
    private var offsets: [Int] = []
    private var appendedBytes = 0
    private var latestByKey: [String: Int] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func append(_ frame: [UInt8], key: String?, audience: WebSocketAudience = .everyone, sequence: Int64? = nil) {
        storage.append(Entry(frame: frame, key: key, audience: audience, sequence: sequence))
        offsets.append(appendedBytes)
        appendedBytes += frame.count
        byteCount += frame.count
        if let key { latestByKey[key] = head }
        head += 1
        while byteCount > capacity && head - tail > 1 { evictOldest() }
    }

    /// The entry at an absolute index in `tail..<head`.
    subscript(index: Int) -> Entry {
        storage[index - storageStart]
    }

    /// Whether a later entry carries the same key (the entry need not be sent).
    func isSuperseded(_ index: Int) -> Bool {
        guard let key = self[index].key else { return false }
        return latestByKey[key] != index
    }

    /// Bytes from `index` to the end: how far behind a cursor at `index` is.
    func bytes(from index: Int) -> Int {
        index >= head ? 0 : appendedBytes - offsets[max(index, tail) - storageStart]
    }

    private mutating func evictOldest() {
        let entry = self[tail]
        byteCount -= entry.frame.count
        if let key = entry.key, latestByKey[key] == tail { latestByKey.removeValue(forKey: key) }
        storage[tail - storageStart] = Entry(frame: [], key: nil, audience: .everyone, sequence: nil)  // the frame's memory goes now
        tail += 1
        // Drop the evicted prefix once it is half the storage: amortized O(1), bounded memory.
        let evicted = tail - storageStart
        if evicted >= 1024 && evicted * 2 >= storage.count {
            storage.removeFirst(evicted)
            offsets.removeFirst(evicted)
            storageStart = tail
        }
    }
}
