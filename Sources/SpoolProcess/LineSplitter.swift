import Glibc

// Turns the bytes of one stream into lines.
//
// Terminators: "\n", "\r" and "\r\n" (one line, not two). A "\r" that would end an empty line is
// ignored, because progress output redraws with a leading "\r" ("\r[download]  1.0%") and that
// must not produce empty lines; an empty line ended by "\n" is real and is kept.
//
// Memory is bounded by `lineByteLimit`: once a line reaches the limit, it is delivered cut to the
// limit (at a UTF-8 character boundary) and the rest of it is dropped up to the next terminator.
struct LineSplitter {
    let lineByteLimit: Int
    private var pending: [UInt8] = []
    private var discardingRestOfLine = false
    private var previousByteWasCarriageReturn = false

    init(lineByteLimit: Int) {
        precondition(lineByteLimit > 0)
        self.lineByteLimit = lineByteLimit
        pending.reserveCapacity(min(lineByteLimit, 1024))
    }

    /// The number of bytes held for the line in progress; never more than `lineByteLimit`.
    var pendingByteCount: Int { pending.count }

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, emit: (String) -> Void) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var position = 0
        // Positions of the next "\n" and "\r", found with memchr (C speed, which matters for
        // megabytes of garbage) and cached so that every byte is scanned at most once per kind.
        var nextNewline = -1
        var nextReturn = -1
        while position < count {
            if nextNewline < position { nextNewline = Self.find(10, in: base, from: position, count: count) }
            if nextReturn < position { nextReturn = Self.find(13, in: base, from: position, count: count) }
            let terminator = min(nextNewline, nextReturn)
            let segment = UnsafeBufferPointer(start: base + position, count: terminator - position)
            if !segment.isEmpty {
                previousByteWasCarriageReturn = false
                append(segment, emit: emit)
            }
            guard terminator < count else { return }
            endLine(with: base[terminator], afterEmptySegment: segment.isEmpty, emit: emit)
            position = terminator + 1
        }
    }

    /// Delivers the unterminated last line, if any, when the stream ends.
    mutating func finish(emit: (String) -> Void) {
        if !discardingRestOfLine && !pending.isEmpty {
            emit(String(decoding: pending, as: UTF8.self))
        }
        pending.removeAll(keepingCapacity: false)
        discardingRestOfLine = false
        previousByteWasCarriageReturn = false
    }

    private mutating func append(_ segment: UnsafeBufferPointer<UInt8>, emit: (String) -> Void) {
        guard !discardingRestOfLine else { return }
        let room = lineByteLimit - pending.count
        if segment.count <= room {
            pending.append(contentsOf: segment)
            return
        }
        // The line is too long: cut it, backing off so a multi-byte character is not split
        // (segment[cut] is the first byte left out; a continuation byte means we are mid-character).
        var cut = room
        while cut > 0 && cut > room - 3 && segment[cut] & 0xC0 == 0x80 {
            cut -= 1
        }
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: segment[..<cut]))
        emit(String(decoding: pending, as: UTF8.self))
        pending.removeAll(keepingCapacity: true)
        discardingRestOfLine = true
    }

    private mutating func endLine(with byte: UInt8, afterEmptySegment: Bool, emit: (String) -> Void) {
        if byte == 13 {
            if discardingRestOfLine {
                discardingRestOfLine = false
            } else if !pending.isEmpty {
                emit(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            }
            previousByteWasCarriageReturn = true
            return
        }
        // "\n"
        let isSecondHalfOfCRLF = previousByteWasCarriageReturn && afterEmptySegment
        previousByteWasCarriageReturn = false
        if isSecondHalfOfCRLF { return }
        if discardingRestOfLine {
            discardingRestOfLine = false
            return
        }
        emit(String(decoding: pending, as: UTF8.self))
        pending.removeAll(keepingCapacity: true)
    }

    private static func find(_ byte: UInt8, in base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        guard let found = memchr(base + start, Int32(byte), count - start) else { return count }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}
