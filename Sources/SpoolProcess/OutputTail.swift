// The last lines of a child's output: at most `lineLimit` of them, and at most `byteLimit` bytes
// counting each line's text plus `lineOverhead` for its slot, in a ring buffer so that appending
// never shifts the array.
//
// Both bounds matter: a count alone lets a caller that raised `lineByteLimit` for long JSON lines
// (1 MiB) keep 60 such lines, 60 MiB, of a child that floods them; and charging each line its slot
// keeps a flood of empty lines from filling a million-line ring with 24-byte slots.
struct OutputTail {
    // The slot of one line in `storage` (stream and String, rounded up).
    static let lineOverhead = 32

    let lineLimit: Int
    let byteLimit: Int
    // A ring of `count` lines starting at `oldest`; it grows only when full, so it never holds
    // more slots than lines were ever kept at once.
    private var storage: [OutputLine] = []
    private var oldest = 0
    private var count = 0
    private(set) var byteCount = 0

    init(lineLimit: Int, byteLimit: Int) {
        self.lineLimit = max(0, lineLimit)
        self.byteLimit = max(0, byteLimit)
    }

    mutating func append(_ line: OutputLine) {
        let room = byteLimit - Self.lineOverhead
        guard lineLimit > 0, room >= 0 else { return }
        var line = line
        if line.text.utf8.count > room {
            line.text = Self.prefix(of: line.text, bytes: room)
        }
        let cost = line.text.utf8.count + Self.lineOverhead
        while count > 0 && (count == lineLimit || byteCount + cost > byteLimit) {
            removeOldest()
        }
        if count == storage.count {
            if oldest != 0 {
                storage = Array(storage[oldest...] + storage[..<oldest])
                oldest = 0
            }
            storage.append(line)
        } else {
            storage[(oldest + count) % storage.count] = line
        }
        count += 1
        byteCount += cost
    }

    var lines: [OutputLine] {
        (0..<count).map { storage[(oldest + $0) % storage.count] }
    }

    private mutating func removeOldest() {
        byteCount -= storage[oldest].text.utf8.count + Self.lineOverhead
        // Release the text now rather than when the slot is reused.
        storage[oldest].text = ""
        oldest = (oldest + 1) % storage.count
        count -= 1
    }

    // The longest prefix of `text` of at most `bytes` UTF-8 bytes that does not split a character.
    private static func prefix(of text: String, bytes: Int) -> String {
        let utf8 = text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: bytes)
        // utf8[end] is the first byte left out; a continuation byte means `end` is mid-character.
        while end > utf8.startIndex && utf8[end] & 0xC0 == 0x80 {
            end = utf8.index(before: end)
        }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }
}
