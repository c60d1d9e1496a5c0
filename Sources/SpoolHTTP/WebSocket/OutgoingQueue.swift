/// A session's messages waiting for room in the socket's buffer, oldest first.
///
/// A message with a coalescing key replaces the unsent message of the same key in place (a
/// job's newest progress or status makes the older one pointless). Appending, replacing and
/// taking the oldest are O(1) (`FIFO` plus an index by key): with thousands of queued messages
/// per slow client and an event for every client, linear scans made the loop thread the
/// bottleneck of a busy feed.
struct OutgoingQueue {
    private final class Message {
        var frame: [UInt8]
        let key: String?
        init(frame: [UInt8], key: String?) {
            self.frame = frame
            self.key = key
        }
    }

    private var messages = FIFO<Message>()
    private var byKey: [String: Message] = [:]

    /// Messages waiting.
    var count: Int { messages.count }

    mutating func append(_ frame: [UInt8], key: String?) {
        if let key, let queued = byKey[key] {
            queued.frame = frame
            return
        }
        let message = Message(frame: frame, key: key)
        messages.append(message)
        if let key { byKey[key] = message }
    }

    /// Takes the oldest message's frame.
    mutating func popFirst() -> [UInt8]? {
        guard let message = messages.popFirst() else { return nil }
        if let key = message.key { byKey.removeValue(forKey: key) }
        return message.frame
    }
}
