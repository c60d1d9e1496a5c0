/// Splits a video title of the form "Artist - Title" into its two parts, and only when the left
/// part really is an artist.
///
/// The rule, in order:
/// 1. The separator is a dash with white space on both sides: " - ", " – " (en dash),
///    " — " (em dash), " ― " (horizontal bar) or " − " (minus sign). A dash inside a word
///    ("Jay-Z", "Blink-182", "Re-Run") never separates, nor does one inside brackets
///    ("Song (Artist - Remix)"). Only the first separator counts: "A - B - Live" is artist "A",
///    title "B - Live".
/// 2. If the left part is the uploader's name (compared on letters and digits only, with the
///    channel suffixes " - Topic", "VEVO", "Official" removed), the split is taken whatever the
///    right part says: "Queen - Live at Wembley" by "Queen Official" is Queen's.
/// 3. Otherwise the split is refused when the left part is not a name: only digits and
///    punctuation ("01 - Intro", "2024 - Recap"), a generic word ("Live - 2024",
///    "Official - …", "Full Album - …") or a numbered part ("Episode 3 - …", "Part 2 - …").
/// 4. Otherwise the split is refused when the right part only qualifies a version of what is on
///    the left: a year ("Song - 2024"), "Live", "Live at/in/from …", "Remastered 2011",
///    "2011 Remaster", "Radio Edit", "Acoustic Version", "Official Video", "Lyrics", …
///    ("Oasis - Live Forever" is still split: "Live Forever" is a title, not "Live at …").
/// 5. Otherwise the title is split.
public enum ArtistTitleSplit {
    /// The dashes that separate artist and title when surrounded by white space.
    static let dashes: Set<Character> = ["-", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}"]

    /// Returns the artist and title of `title`, or `nil` when it is not an "Artist - Title".
    public static func split(_ title: String, uploader: String? = nil) -> (artist: String, title: String)? {
        guard let (left, right) = firstSeparation(title) else { return nil }
        let artist = TextCleanup.collapseWhitespace(left)
        let rest = TextCleanup.stripSurroundingQuotes(TextCleanup.collapseWhitespace(right))
        guard !artist.isEmpty, !rest.isEmpty else { return nil }
        if let uploader, let name = comparableName(uploader), name == comparableName(artist) {
            return (artist, rest)
        }
        if !isName(artist) || isVersionQualifier(rest) { return nil }
        return (artist, rest)
    }

    /// The text before and after the first dash that has white space on both sides and is not
    /// inside brackets.
    static func firstSeparation(_ title: String) -> (Substring, Substring)? {
        let characters = Array(title)
        var depth = 0
        var index = 1
        while index < characters.count - 1 {
            let character = characters[index]
            switch character {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth = max(0, depth - 1)
            default:
                if depth == 0, dashes.contains(character),
                   characters[index - 1].isWhitespace, characters[index + 1].isWhitespace {
                    let start = title.index(title.startIndex, offsetBy: index)
                    return (title[..<start], title[title.index(after: start)...])
                }
            }
            index += 1
        }
        return nil
    }

    /// Lowercased letters and digits, without the suffixes YouTube and labels add to an artist's
    /// channel name; `nil` when nothing is left.
    static func comparableName(_ name: String) -> String? {
        var text = name.lowercased()
        if text.hasSuffix(" - topic") { text.removeLast(" - topic".count) }
        var letters = String(text.filter { $0.isLetter || $0.isNumber })
        for suffix in ["vevo", "official", "music"] where letters.hasSuffix(suffix) && letters.count > suffix.count {
            letters.removeLast(suffix.count)
        }
        if letters.hasPrefix("official") && letters.count > "official".count { letters.removeFirst("official".count) }
        return letters.isEmpty ? nil : letters
    }

    /// Words that name what a video is, not who made it.
    static let genericLeftWords: Set<String> = [
        "live", "official", "lyrics", "lyric", "audio", "video", "full album", "album", "remix", "cover",
        "intro", "outro", "interlude", "trailer", "teaser", "preview", "bonus", "demo", "acoustic",
        "instrumental", "karaoke", "tutorial", "review", "reaction", "podcast", "stream", "livestream",
        "highlights", "compilation", "mix", "playlist", "new", "premiere", "unboxing", "vlog",
    ]
    /// Words that start a numbered part: "Episode 3", "Part 2", "Vol. 1".
    static let numberedLeftWords: Set<String> = [
        "episode", "ep", "part", "pt", "chapter", "day", "week", "vol", "volume", "track", "season",
        "lesson", "session", "round", "level", "disc", "cd", "act", "book",
    ]

    static func isName(_ left: String) -> Bool {
        let lower = left.lowercased()
        if !lower.contains(where: { $0.isLetter }) { return false }   // "01", "2024", "#3", "1."
        if genericLeftWords.contains(lower) { return false }
        let words = lower.split(whereSeparator: { $0.isWhitespace }).map { $0.trimmingSuffix(".") }
        if words.count == 2, numberedLeftWords.contains(words[0]),
           words[1].allSatisfy({ $0.isNumber || $0 == "#" }) || isRomanNumeral(words[1]) {
            return false
        }
        return true
    }

    static func isVersionQualifier(_ right: String) -> Bool {
        let lower = right.lowercased()
        let words = lower.split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ")" }).map(String.init)
        guard let first = words.first else { return false }
        let isYear = { (word: String) in word.count == 4 && word.allSatisfy(\.isNumber) }
        if words.count == 1 && isYear(first) { return true }
        // "Live", "Live 2024", "Live at Wembley", "Live in Paris", "Live from …", "Live on …",
        // "Live @ …", "Live Version", "Live Session", "Live Acoustic"
        if first == "live" {
            if words.count == 1 { return true }
            let second = words[1]
            if isYear(second) || ["at", "in", "from", "on", "@", "version", "session", "acoustic", "performance"].contains(second) {
                return true
            }
            return false
        }
        // "Remastered", "Remastered 2011", "2011 Remaster", "2011 Remastered Version", "Remaster"
        let withoutYears = words.filter { !isYear($0) }
        if let head = withoutYears.first, head.hasPrefix("remaster"),
           withoutYears.dropFirst().allSatisfy({ ["version", "edition"].contains($0) }) {
            return true
        }
        let phrase = withoutYears.joined(separator: " ")
        return versionPhrases.contains(phrase)
    }

    static let versionPhrases: Set<String> = [
        "radio edit", "single edit", "album edit", "extended edit", "original edit", "clean edit",
        "radio version", "single version", "album version", "extended version", "original version",
        "clean version", "explicit version", "extended mix", "original mix", "radio mix", "club mix",
        "acoustic", "acoustic version", "instrumental", "instrumental version", "demo", "demo version",
        "mono", "mono version", "stereo", "stereo version", "karaoke", "karaoke version",
        "official video", "official music video", "official audio", "official lyric video",
        "official visualizer", "music video", "lyric video", "lyrics video", "lyrics", "lyric", "audio",
        "video", "visualizer", "visualiser", "hd", "hq", "4k", "full album", "bonus track", "unplugged",
        "sped up", "slowed", "slowed reverb", "slowed + reverb", "nightcore",
    ]

    private static func isRomanNumeral(_ word: String) -> Bool {
        !word.isEmpty && word.count <= 5 && word.allSatisfy { "ivxl".contains($0) }
    }
}

private extension Substring {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : String(self)
    }
}
