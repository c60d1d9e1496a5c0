import SpoolSubsonic

/// Every Subsonic id Spool hands out: a kind prefix and a number, so a handler knows what an id
/// names without a lookup (`star?id=` may name a song, an album or an artist; `getCoverArt?id=`
/// any of them). Source 0 holds the tracks whose source was removed.
///
/// | id | names |
/// |---|---|
/// | `ar-12` | source 12 as an artist |
/// | `al-12` | source 12's album (one per source until sources have tabs) |
/// | `tr-4711` | track 4711 as a song |
/// | `pl-likes` | the user's Likes as a playlist |
/// | `pl-src-12` | source 12 as a playlist |
/// | `pl-3` | the user playlist 3 |
enum SubsonicID: Hashable, CustomStringConvertible {
    case artist(Int64)
    case album(Int64)
    case song(Int64)
    case likes
    case sourcePlaylist(Int64)
    case playlist(Int64)

    var description: String {
        switch self {
        case .artist(let id): "ar-\(id)"
        case .album(let id): "al-\(id)"
        case .song(let id): "tr-\(id)"
        case .likes: "pl-likes"
        case .sourcePlaylist(let id): "pl-src-\(id)"
        case .playlist(let id): "pl-\(id)"
        }
    }

    /// Reads an id; nil for anything Spool never handed out (an unknown prefix, a number that
    /// is not one, a negative number).
    init?(_ text: String) {
        func number(_ digits: Substring, allowZero: Bool) -> Int64? {
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy(\.isASCIIDigit), let value = Int64(digits) else { return nil }
            return value > 0 || (allowZero && value == 0) ? value : nil
        }
        if text == "pl-likes" {
            self = .likes
        } else if text.hasPrefix("pl-src-"), let id = number(text.dropFirst(7), allowZero: true) {
            self = .sourcePlaylist(id)
        } else if text.hasPrefix("pl-"), let id = number(text.dropFirst(3), allowZero: false) {
            self = .playlist(id)
        } else if text.hasPrefix("ar-"), let id = number(text.dropFirst(3), allowZero: true) {
            self = .artist(id)
        } else if text.hasPrefix("al-"), let id = number(text.dropFirst(3), allowZero: true) {
            self = .album(id)
        } else if text.hasPrefix("tr-"), let id = number(text.dropFirst(3), allowZero: false) {
            self = .song(id)
        } else {
            return nil
        }
    }

    /// An id that must name a song: anything else is code 70.
    static func song(_ text: String) throws(SubsonicError) -> Int64 {
        guard case .song(let id)? = SubsonicID(text) else { throw .notFound("Song '\(excerpt(text))'") }
        return id
    }

    static func excerpt(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "…"
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
