/// The text of an ffmetadata file (`;FFMETADATA1`), which ffmpeg reads as an input
/// (`-f ffmetadata -i tags.txt`) and maps onto the output with `-map_metadata`.
///
/// Tags go through a file rather than `-metadata key=value` arguments because Linux limits one
/// argument to 128 KiB (`MAX_ARG_STRLEN`), and an Ogg cover travels as a base64 Vorbis comment
/// of about 4/3 of the JPEG's size: a 150 KB cover would not fit.
enum FFMetadataFile {
    /// The file's text for `tags`, in the given order. Keys and values are escaped as the format
    /// requires (`=`, `;`, `#`, `\` and newline get a backslash).
    static func text(_ tags: [(key: String, value: String)]) -> String {
        var text = ";FFMETADATA1\n"
        for (key, value) in tags {
            text += escape(key) + "=" + escape(value) + "\n"
        }
        return text
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "=", ";", "#", "\\", "\n": escaped.append("\\"); escaped.append(character)
            case "\r\n": escaped.append("\\\n")
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
