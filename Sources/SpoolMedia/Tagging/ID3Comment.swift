/// Adds a `COMM` (comment) frame to the ID3v2.3 tag ffmpeg wrote at the start of an mp3.
///
/// ffmpeg 5.1's ID3 writer has no `COMM` frame: it stores a "comment" key as
/// `TXXX:comment`, a user-defined text that players do not show as the comment. Spool writes the
/// tag's other frames with ffmpeg and then this one frame itself, rewriting the tag header with
/// the new size; the audio frames after the tag are copied unchanged.
///
/// ID3v2.3 rather than 2.4: Windows Explorer and Windows Media Player read only 2.3, as do many
/// car and portable players, while every current library (TagLib in Navidrome, Jellyfin and
/// Plex; mutagen) reads both. 2.3 is also what yt-dlp's own `--embed-thumbnail` writes for mp3.
/// The date then goes into `TYER` (year) and `TDAT` (day and month), which ffmpeg splits from
/// "2024-05-17" itself and mutagen and TagLib join back.
enum ID3Comment {
    /// The comment's language: ISO 639-2 "eng"; a URL has none, and an empty or "XXX" language
    /// hides the comment in some players.
    static let language = Array("eng".utf8)

    static func write(from source: String, to destination: String, comment: String) throws {
        let input = try RawFile.openForReading(source)
        let header = try input.read(at: 0, count: 10)
        var frames: [UInt8] = []
        var padding = 0
        var audioStart: UInt64 = 0
        if header.count == 10, header[0...2].elementsEqual("ID3".utf8) {
            guard header[3] == 3 else {
                throw MediaTaggingError.unexpectedStructure("\(source) has an ID3v2.\(header[3]) tag, not 2.3")
            }
            guard header[5] & 0xC0 == 0 else {
                throw MediaTaggingError.unexpectedStructure("\(source) has an unsynchronised or extended ID3 header")
            }
            let size = syncsafe(header, 6)
            let body = try input.read(at: 10, count: size)
            guard body.count == size else { throw MediaTaggingError.unexpectedStructure("\(source): the ID3 tag is cut short") }
            let framesEnd = try endOfFrames(body)
            frames = Array(body[..<framesEnd])
            padding = size - framesEnd
            audioStart = 10 + UInt64(size)
        }
        frames += frame(comment: comment)
        let total = frames.count + padding
        guard total < 1 << 28 else { throw MediaTaggingError.unexpectedStructure("the ID3 tag would exceed 256 MB") }

        let output = try RawFile.create(destination)
        try output.write(Array("ID3".utf8) + [3, 0, 0] + syncsafeBytes(total))
        try output.write(frames + [UInt8](repeating: 0, count: padding))
        try output.copy(from: input, offset: audioStart, length: try input.size - audioStart)
        try output.syncAndClose()
    }

    /// Where the frames end and the padding (zero bytes) begins.
    static func endOfFrames(_ body: [UInt8]) throws -> Int {
        var offset = 0
        while offset + 10 <= body.count, body[offset] != 0 {
            let size = Int(readUInt32(body, offset + 4))   // v2.3 frame sizes are plain integers
            guard offset + 10 + size <= body.count else {
                throw MediaTaggingError.unexpectedStructure("an ID3 frame overruns its tag")
            }
            offset += 10 + size
        }
        return offset
    }

    /// A v2.3 `COMM` frame: encoding, language, empty description, text. ISO-8859-1 when every
    /// character fits it (mutagen and TagLib write URLs so), else UTF-16 with a byte order mark.
    static func frame(comment: String) -> [UInt8] {
        var body: [UInt8]
        if comment.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) {
            body = [0] + language + [0] + comment.unicodeScalars.map { UInt8($0.value) }
        } else {
            let bom: [UInt8] = [0xFF, 0xFE]
            body = [1] + language + bom + [0, 0] + bom
            for unit in comment.utf16 { body += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        }
        var frame = Array("COMM".utf8)
        appendUInt32(&frame, UInt32(body.count))
        return frame + [0, 0] + body
    }

    static func syncsafe(_ bytes: [UInt8], _ at: Int) -> Int {
        (0..<4).reduce(0) { $0 << 7 | Int(bytes[at + $1] & 0x7F) }
    }

    static func syncsafeBytes(_ value: Int) -> [UInt8] {
        (0..<4).map { UInt8(value >> (21 - 7 * $0) & 0x7F) }
    }
}
