import Foundation

/// Who a playlist file in `LIBRARY_DIR/Playlists/` belongs to, as its marker line says: a
/// source's list, or one user's likes.
public enum PlaylistOwner: Hashable, Sendable, CustomStringConvertible {
    case source(Int64)
    case likes(userId: Int64)

    public var description: String {
        switch self {
        case .source(let id): "source \(id)"
        case .likes(let userId): "Likes of user \(userId)"
        }
    }
}

/// The text of one playlist file: extended M3U, UTF-8, one `#EXTINF` line and one path per
/// track, paths relative to the playlist's own folder (`../<file_path>`).
///
/// ```
/// #EXTM3U
/// #PLAYLIST:Imagine Dragons
/// # Written by Spool for source 12; edits are overwritten.
/// #EXTINF:187,Imagine Dragons - Believer
/// ../Imagine Dragons/Believer [7wtfhZwyrcc].m4a
/// ```
///
/// Why this shape: Navidrome resolves a relative line against the playlist's folder and cannot
/// read `file://` or percent-encoded lines (navidrome#1215), so paths are written as they are
/// on disk; `#PLAYLIST:` names the list in Navidrome, and Jellyfin and mpv skip it like any
/// other comment. The marker line is what makes a file Spool's: only files that carry it are
/// ever rewritten or removed, so a user's own `.m3u8` beside them is never touched.
struct PlaylistDocument {
    /// Bytes read from the head of a file to find its marker: the marker is the third line,
    /// after `#EXTM3U` and a `#PLAYLIST:` line of at most a few hundred bytes.
    static let headBytes = 2048

    private(set) var text: String
    private(set) var count = 0

    /// Starts a document: the header, the list's name, and the marker naming its owner.
    init(name: String, owner: PlaylistOwner) {
        text = "#EXTM3U\n#PLAYLIST:\(Self.oneLine(name))\n\(Self.marker(for: owner))\n"
    }

    /// The line that makes a file Spool's.
    static func marker(for owner: PlaylistOwner) -> String {
        "# Written by Spool for \(owner); edits are overwritten."
    }

    /// Appends one track, shown as `<artist> - <title>` (just the title when it starts with the
    /// artist already, as "Artist - Title" videos do). `filePath` is relative to the library; a
    /// path that could not be resolved inside it (absolute, `..`, a line break that would split
    /// the entry) is left out and reported as false.
    @discardableResult
    mutating func append(filePath: String, title: String, artist: String?, duration: Double?) -> Bool {
        guard Self.isPlayable(filePath) else { return false }
        let seconds = duration.flatMap { $0.isFinite && $0 >= 0 ? Int($0.rounded()) : nil } ?? -1
        let title = Self.oneLine(title)
        // Appended piece by piece: no intermediate string per line (20,000 lines per list).
        text += "#EXTINF:"
        text += String(seconds)
        text += ","
        if let artist = artist.map(Self.oneLine), !artist.isEmpty, !title.hasPrefix(artist + " - ") {
            text += artist
            text += " - "
        }
        text += title
        text += "\n../"
        text += filePath
        text += "\n"
        count += 1
        return true
    }

    var data: Data { Data(text.utf8) }

    /// Whether a library-relative path can be a line of the playlist: relative, inside the
    /// library (no `.` or `..` part, no empty part), on one line. One pass over the bytes: a
    /// 20,000-track list checks 20,000 paths.
    static func isPlayable(_ filePath: String) -> Bool {
        var partLength = 0
        var dots = 0
        for byte in filePath.utf8 {
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0:
                return false
            case UInt8(ascii: "/"):
                if partLength == 0 || partLength == dots && dots <= 2 { return false }
                partLength = 0
                dots = 0
            default:
                partLength += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return partLength > 0 && !(partLength == dots && dots <= 2)
    }

    /// Text on one line: line breaks and other control characters become spaces. Text without
    /// any (nearly every title) is returned as it is, after one pass over its bytes.
    static func oneLine(_ text: String) -> String {
        // C0 controls and DEL are single bytes; C1 controls (U+0080–U+009F) start with 0xC2.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control ? " " : scalar
        }))
    }

    /// The owner named by the marker in the head of a file, or nil when it has none (a file
    /// Spool did not write).
    static func owner(inHead head: Data) -> PlaylistOwner? {
        let text = String(decoding: head, as: UTF8.self)
        // `isNewline`: a file saved with CRLF line ends ("\r\n" is one Character) counts too.
        for line in text.split(maxSplits: 8, omittingEmptySubsequences: false, whereSeparator: \.isNewline).prefix(8) {
            guard line.hasPrefix("# Written by Spool for "), line.hasSuffix("; edits are overwritten.") else { continue }
            let subject = line.dropFirst("# Written by Spool for ".count).dropLast("; edits are overwritten.".count)
            if subject.hasPrefix("source "), let id = Int64(subject.dropFirst("source ".count)) { return .source(id) }
            if subject.hasPrefix("Likes of user "), let id = Int64(subject.dropFirst("Likes of user ".count)) { return .likes(userId: id) }
        }
        return nil
    }
}
