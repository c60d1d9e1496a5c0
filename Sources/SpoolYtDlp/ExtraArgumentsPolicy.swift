/// Which yt-dlp options a user may add to a profile: everything except options that would
/// write outside the download folder, read or write files Spool does not own, or run another
/// program. yt-dlp's option parser accepts unambiguous prefixes of long options (`--exe` is
/// `--exec`) and groups of short flags (`-xo` is `-x -o`), so both are checked.
public enum ExtraArgumentsPolicy {
    /// Long options refused, with why.
    static let forbidden: [(String, String)] = [
        ("--output", "Spool chooses where downloads go"), ("--paths", "Spool chooses where downloads go"),
        ("--exec", "it runs commands"), ("--exec-before-download", "it runs commands"), ("--netrc-cmd", "it runs commands"),
        ("--downloader", "it runs another program"), ("--external-downloader", "it runs another program"),
        ("--downloader-args", "it passes arguments to another program"), ("--external-downloader-args", "it passes arguments to another program"),
        ("--postprocessor-args", "it passes arguments to ffmpeg, which can write anywhere"), ("--ppa", "it passes arguments to ffmpeg, which can write anywhere"),
        ("--ffmpeg-location", "Spool chooses the ffmpeg it runs"), ("--use-postprocessor", "it loads plugins"),
        ("--plugin-dirs", "it loads code"), ("--config-locations", "it reads other options from files"), ("--ignore-config", "Spool owns the configuration"),
        ("--batch-file", "it reads other URLs from files"), ("--load-info-json", "it reads files Spool does not own"),
        ("--cookies", "use the profile's cookies switch and COOKIES_FILE"), ("--cookies-from-browser", "it reads the browser profiles of the server's user"),
        ("--download-archive", "it writes files Spool does not own"), ("--cache-dir", "it writes files Spool does not own"),
        ("--print-to-file", "it writes files Spool does not own"), ("--update", "Spool updates yt-dlp itself"),
        ("--update-to", "Spool updates yt-dlp itself"), ("--alias", "it defines new options"), ("--js-runtimes", "Spool chooses the runtime"),
        ("--no-js-runtimes", "Spool chooses the runtime"), ("--remote-components", "it fetches code"),
    ]
    /// Short flags refused (`-o`, `-P`, `-a`, `-U`).
    static let forbiddenShort: [Character: String] = [
        "o": "--output", "P": "--paths", "a": "--batch-file", "U": "--update",
    ]
    /// Short flags that take a value: in a group, the rest of the group is that value.
    static let shortWithValue: Set<Character> = ["f", "r", "N", "R", "S", "I", "u", "p", "n", "o", "P", "a"]

    /// Nil when every argument may be used; else why not, naming the argument.
    public static func problem(with arguments: [String]) -> String? {
        guard arguments.count <= 50 else { return "at most 50 extra arguments" }
        for argument in arguments {
            guard argument.count <= 500 else { return "'\(argument.prefix(40))…' is longer than 500 characters" }
            guard !argument.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                return "an argument contains control characters"
            }
            if argument == "--" { return "'--' would end the options; the URL is Spool's" }
            if argument.hasPrefix("--") {
                let name = String(argument.split(separator: "=", maxSplits: 1)[0]).lowercased()
                guard name.count > 2 else { continue }
                // Exact, or an abbreviation yt-dlp would expand to a forbidden option.
                if let (option, why) = forbidden.first(where: { $0.0 == name || ($0.0.hasPrefix(name) && name.count >= 3) }) {
                    return "'\(argument)' is not allowed (\(option): \(why))"
                }
            } else if argument.hasPrefix("-"), argument.count >= 2 {
                for flag in argument.dropFirst() {
                    if let option = forbiddenShort[flag] { return "'\(argument)' is not allowed (-\(flag) is \(option))" }
                    if shortWithValue.contains(flag) { break }
                }
            }
        }
        return nil
    }
}
