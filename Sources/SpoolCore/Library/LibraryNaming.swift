import Foundation

/// Safe file and folder names for the library: no `/`, no control characters, no leading dot,
/// at most 120 UTF-8 bytes per part (cut at a character boundary), never empty.
public enum LibraryNaming {
    public static func safeName(_ text: String, limit: Int = 120) -> String {
        var cleaned = String(text.unicodeScalars.map { scalar -> Character in
            if scalar == "/" || scalar == "\\" { return "-" }
            if scalar.properties.generalCategory == .control || scalar == "\u{0}" { return " " }
            return Character(scalar)
        })
        cleaned = cleaned.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        var result = ""
        for character in cleaned {
            if result.utf8.count + String(character).utf8.count > limit { break }
            result.append(character)
        }
        result = result.trimmingCharacters(in: .whitespaces)
        return result.isEmpty ? "untitled" : result
    }
}
