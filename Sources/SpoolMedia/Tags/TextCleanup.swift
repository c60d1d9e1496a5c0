/// Small text repairs for tag values taken from video metadata.
enum TextCleanup {
    /// Trims, turns every run of white space or control characters (newlines, tabs, NUL) into
    /// one space. A tag is one line in every player, and a NUL would end it early in ID3.
    static func collapseWhitespace<S: StringProtocol>(_ text: S) -> String {
        var result = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace { result.append(" ") }
            pendingSpace = false
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    /// The value trimmed, or `nil` when nothing is left.
    static func nonEmpty(_ text: String?) -> String? {
        guard let text else { return nil }
        let cleaned = collapseWhitespace(text)
        return cleaned.isEmpty ? nil : cleaned
    }

    private static let quotePairs: [(Character, Character)] = [("\"", "\""), ("'", "'"), ("\u{201C}", "\u{201D}"), ("\u{2018}", "\u{2019}"), ("\u{00AB}", "\u{00BB}"), ("\u{300C}", "\u{300D}")]

    /// `"Title"` → `Title`, for "Artist - "Title"" video titles.
    static func stripSurroundingQuotes(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, let last = text.last else { return text }
        for (open, close) in quotePairs where first == open && last == close {
            let inner = text.dropFirst().dropLast()
            // Only one pair, around the whole: "'Til" - "I Do" is not a quoted title.
            if !inner.contains(open) && !inner.contains(close) {
                return collapseWhitespace(inner)
            }
        }
        return text
    }

    /// Words of which a bracketed video-title decoration is made: "(Official Music Video)",
    /// "[HD]", "(Lyrics)", "[4K Visualizer]". A bracket with any other word ("(Live)",
    /// "(feat. X)", "(Remix)", "(Official Remix)") is part of the title and stays.
    static let decorationWords: Set<String> = [
        "official", "music", "video", "audio", "lyric", "lyrics", "visualizer", "visualiser", "hd", "hq",
        "4k", "1080p", "720p", "mv", "m/v", "clip", "videoclip", "officiel", "oficial", "with",
        "remastered", "in", "full", "high", "quality",
    ]
    /// Of which one at least must be present, so "(With You)" or "(In Full)" stay.
    private static let decorationCores: Set<String> = [
        "video", "audio", "lyric", "lyrics", "visualizer", "visualiser", "hd", "hq", "4k", "1080p", "720p",
        "mv", "m/v", "clip", "videoclip",
    ]

    /// Removes trailing bracketed decorations, repeatedly: "Song (Official Video) [HD]" → "Song".
    static func stripTitleDecorations(_ title: String) -> String {
        var text = title
        while let last = text.last, last == ")" || last == "]" {
            let open: Character = last == ")" ? "(" : "["
            guard let start = text.lastIndex(of: open), start > text.startIndex else { break }
            let inner = text[text.index(after: start)..<text.index(before: text.endIndex)].lowercased()
            let words = inner.split(whereSeparator: { $0.isWhitespace || $0 == "-" || $0 == "," }).map(String.init)
            guard !words.isEmpty, words.allSatisfy(decorationWords.contains), words.contains(where: decorationCores.contains) else { break }
            text = collapseWhitespace(text[..<start])
        }
        return text
    }
}
