/// Adds iTunes freeform atoms (`----:<mean>:<name>`) to an MP4 that ffmpeg wrote, and puts its
/// movie box (`moov`) before the media data (`mdat`) so a browser can start playing at once.
///
/// ffmpeg's MP4 muxer writes only the iTunes atoms it knows (`©nam`, `©ART`, `trkn`, …); a
/// custom key needs `-movflags use_metadata_tags`, which switches the whole `ilst` to QuickTime
/// `mdta` keys that iTunes, TagLib and mutagen do not read as iTunes tags. So Spool lets ffmpeg
/// write the known tags with the movie box last (its default), then writes the final file
/// itself: the other top-level boxes copied as they are, the movie box with the freeform atoms
/// appended to `moov/udta/meta/ilst`, placed before the first `mdat`, and every chunk offset in
/// `stco`/`co64` moved by the distance its `mdat` moved.
enum MP4Freeform {
    /// The freeform namespace of custom tags: the one iTunes, Mp3tag, foobar2000 and Picard show
    /// and preserve. A private namespace (`com.spool`) is hidden or dropped by some of them.
    static let mean = "com.apple.iTunes"

    struct TopBox {
        var type: String
        var offset: UInt64
        var size: UInt64
    }

    /// Writes `destination` from `source` with `items` (name, value) added as freeform atoms.
    static func write(from source: String, to destination: String, items: [(name: String, value: String)]) throws {
        let input = try RawFile.openForReading(source)
        let boxes = try topLevelBoxes(input)
        guard let moovIndex = boxes.firstIndex(where: { $0.type == "moov" }) else {
            throw MediaTaggingError.unexpectedStructure("\(source) has no movie box (moov)")
        }
        if boxes.contains(where: { $0.type == "moof" }) {
            throw MediaTaggingError.unexpectedStructure("\(source) is a fragmented MP4")
        }
        let moovBox = boxes[moovIndex]
        guard moovBox.size < 1 << 30 else {
            throw MediaTaggingError.unexpectedStructure("the movie box of \(source) is \(moovBox.size) bytes")
        }
        var moov = try input.read(at: moovBox.offset, count: Int(moovBox.size))
        for item in items {
            moov = try append(freeformItem(name: item.name, value: item.value), at: ["udta", "meta", "ilst"], in: moov)
        }

        let others = boxes.enumerated().filter { $0.offset != moovIndex }.map(\.element)
        let firstMediaData = others.firstIndex { $0.type == "mdat" } ?? others.count
        // Before the first mdat when possible; where it was when the offsets would not fit stco.
        var order: [TopBox?] = Array(others[..<firstMediaData]) + [nil] + Array(others[firstMediaData...])
        var patched = moov
        if !(try patchChunkOffsets(&patched, boxes: boxes, order: order)) {
            order = Array(boxes[..<moovIndex]) + [nil] + Array(boxes[(moovIndex + 1)...])
            patched = moov
            guard try patchChunkOffsets(&patched, boxes: boxes, order: order) else {
                throw MediaTaggingError.unexpectedStructure("chunk offsets of \(source) do not fit")
            }
        }

        let output = try RawFile.create(destination)
        for box in order {
            if let box {
                try output.copy(from: input, offset: box.offset, length: box.size)
            } else {
                try output.write(patched)
            }
        }
        try output.syncAndClose()
    }

    // MARK: - Top-level layout

    static func topLevelBoxes(_ file: RawFile) throws -> [TopBox] {
        let fileSize = try file.size
        var boxes: [TopBox] = []
        var offset: UInt64 = 0
        while offset < fileSize {
            let header = try file.read(at: offset, count: 16)
            guard header.count >= 8 else { throw structure("a box header is cut short at byte \(offset)", file) }
            var size = UInt64(readUInt32(header, 0))
            let type = fourCC(header, 4)
            if size == 1 {
                guard header.count == 16 else { throw structure("a 64-bit box header is cut short", file) }
                size = readUInt64(header, 8)
            } else if size == 0 {
                size = fileSize - offset
            }
            guard size >= 8, offset + size <= fileSize else {
                throw structure("box \(type) at byte \(offset) claims \(size) bytes", file)
            }
            boxes.append(TopBox(type: type, offset: offset, size: size))
            offset += size
        }
        return boxes
    }

    /// Moves every chunk offset of `moov` (already edited) to where its bytes land in `order`,
    /// where `nil` stands for the movie box. Returns false when an offset no longer fits a
    /// 32-bit `stco` entry.
    static func patchChunkOffsets(_ moov: inout [UInt8], boxes: [TopBox], order: [TopBox?]) throws -> Bool {
        var moved: [(old: UInt64, size: UInt64, new: UInt64)] = []
        var position: UInt64 = 0
        for box in order {
            if let box {
                moved.append((box.offset, box.size, position))
                position += box.size
            } else {
                position += UInt64(moov.count)
            }
        }
        moved.sort { $0.old < $1.old }
        func relocate(_ offset: UInt64) throws -> UInt64 {
            guard let box = moved.last(where: { $0.old <= offset }), offset < box.old + box.size else {
                throw MediaTaggingError.unexpectedStructure("a chunk offset (\(offset)) points outside the media data")
            }
            return offset - box.old + box.new
        }

        var fits = true
        try forEachBox(in: moov, range: boxBody(moov, 0), containers: ["trak", "mdia", "minf", "stbl"]) { type, range in
            guard type == "stco" || type == "co64" else { return }
            let entrySize = type == "stco" ? 4 : 8
            guard range.count >= 8 else { throw MediaTaggingError.unexpectedStructure("\(type) is cut short") }
            let count = Int(readUInt32(moov, range.lowerBound + 4))
            guard range.count >= 8 + count * entrySize else { throw MediaTaggingError.unexpectedStructure("\(type) is cut short") }
            for entry in 0..<count {
                let at = range.lowerBound + 8 + entry * entrySize
                if entrySize == 4 {
                    let new = try relocate(UInt64(readUInt32(moov, at)))
                    guard new <= UInt64(UInt32.max) else { fits = false; return }
                    writeUInt32(&moov, at, UInt32(new))
                } else {
                    writeUInt64(&moov, at, try relocate(readUInt64(moov, at)))
                }
            }
        }
        return fits
    }

    // MARK: - Boxes in memory

    /// Returns the whole box `box` with `payload` appended to the body of its descendant at
    /// `path`, creating any missing box on the way, and every size on the way updated.
    static func append(_ payload: [UInt8], at path: ArraySlice<String>, in box: [UInt8]) throws -> [UInt8] {
        let type = fourCC(box, 4)
        let body = boxBody(box, 0)
        let childrenStart = body.lowerBound + (type == "meta" && isFullBoxMeta(box, body) ? 4 : 0)
        guard let next = path.first else {
            return makeBox(type, Array(box[body]) + payload)
        }
        var newBody = Array(box[body.lowerBound..<childrenStart])
        var found = false
        var offset = childrenStart
        while offset + 8 <= body.upperBound {
            let size = try childSize(box, offset, limit: body.upperBound)
            let child = Array(box[offset..<(offset + size)])
            if !found && fourCC(child, 4) == next {
                newBody += try append(payload, at: path.dropFirst(), in: child)
                found = true
            } else {
                newBody += child
            }
            offset += size
        }
        if !found {
            newBody += try append(payload, at: path.dropFirst(), in: emptyBox(next))
        }
        return makeBox(type, newBody)
    }

    /// An ISO `meta` box starts with version and flags (four zero bytes); Apple's QuickTime
    /// `meta` starts with a child box directly.
    private static func isFullBoxMeta(_ box: [UInt8], _ body: Range<Int>) -> Bool {
        body.count >= 4 && readUInt32(box, body.lowerBound) == 0
    }

    private static func emptyBox(_ type: String) -> [UInt8] {
        guard type == "meta" else { return makeBox(type, []) }
        // hdlr: version/flags, pre_defined, handler "mdir", reserved "appl" 0 0, empty name.
        let handler = makeBox("hdlr", [0, 0, 0, 0] + [0, 0, 0, 0] + Array("mdir".utf8) + Array("appl".utf8)
            + [UInt8](repeating: 0, count: 8) + [0])
        return makeBox("meta", [0, 0, 0, 0] + handler)
    }

    static func freeformItem(name: String, value: String) -> [UInt8] {
        let mean = makeBox("mean", [0, 0, 0, 0] + Array(Self.mean.utf8))
        let nameBox = makeBox("name", [0, 0, 0, 0] + Array(name.utf8))
        // data: type 1 = UTF-8 text, locale 0.
        let data = makeBox("data", [0, 0, 0, 1, 0, 0, 0, 0] + Array(value.utf8))
        return makeBox("----", mean + nameBox + data)
    }

    static func makeBox(_ type: String, _ body: [UInt8]) -> [UInt8] {
        var box: [UInt8] = []
        box.reserveCapacity(body.count + 8)
        appendUInt32(&box, UInt32(body.count + 8))
        box += Array(type.utf8)
        return box + body
    }

    /// The body (after the header) of the box starting at `offset`.
    static func boxBody(_ bytes: [UInt8], _ offset: Int) -> Range<Int> {
        let size32 = readUInt32(bytes, offset)
        if size32 == 1 {
            return (offset + 16)..<(offset + Int(readUInt64(bytes, offset + 8)))
        }
        return (offset + 8)..<(size32 == 0 ? bytes.count : offset + Int(size32))
    }

    private static func childSize(_ bytes: [UInt8], _ offset: Int, limit: Int) throws -> Int {
        var size = Int(readUInt32(bytes, offset))
        if size == 1 { size = Int(readUInt64(bytes, offset + 8)) } else if size == 0 { size = limit - offset }
        guard size >= 8, offset + size <= limit else {
            throw MediaTaggingError.unexpectedStructure("box \(fourCC(bytes, offset + 4)) overruns its parent")
        }
        return size
    }

    /// Calls `visit` for every box in `range`, descending into `containers`.
    static func forEachBox(in bytes: [UInt8], range: Range<Int>, containers: Set<String>,
                           _ visit: (String, Range<Int>) throws -> Void) throws {
        var offset = range.lowerBound
        while offset + 8 <= range.upperBound {
            let size = try childSize(bytes, offset, limit: range.upperBound)
            let type = fourCC(bytes, offset + 4)
            let body = boxBody(bytes, offset)
            if containers.contains(type) {
                try forEachBox(in: bytes, range: body, containers: containers, visit)
            } else {
                try visit(type, body)
            }
            offset += size
        }
    }

    private static func structure(_ message: String, _ file: RawFile) -> MediaTaggingError {
        .unexpectedStructure("\(file.path): \(message)")
    }
}

// MARK: - Big-endian integers

func readUInt32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
}

func readUInt64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
    UInt64(readUInt32(bytes, at)) << 32 | UInt64(readUInt32(bytes, at + 4))
}

func writeUInt32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
    for index in 0..<4 { bytes[at + index] = UInt8(value >> (24 - 8 * UInt32(index)) & 0xFF) }
}

func writeUInt64(_ bytes: inout [UInt8], _ at: Int, _ value: UInt64) {
    writeUInt32(&bytes, at, UInt32(value >> 32))
    writeUInt32(&bytes, at + 4, UInt32(value & 0xFFFF_FFFF))
}

func appendUInt32(_ bytes: inout [UInt8], _ value: UInt32) {
    bytes += [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

func fourCC(_ bytes: [UInt8], _ at: Int) -> String {
    String(decoding: bytes[at..<(at + 4)], as: UTF8.self)
}
