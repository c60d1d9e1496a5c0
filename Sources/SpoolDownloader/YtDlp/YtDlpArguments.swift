/// Argument vectors for yt-dlp. Never a shell: each argument is one element, and the URL always
/// comes after `--` so it can never be read as an option.
public enum YtDlpArguments {
    /// The progress line Spool parses (see `ProgressLine`).
    public static let progressTemplate =
        "download:SPOOLPROG %(progress.status)s %(progress.downloaded_bytes)s %(progress.total_bytes)s "
        + "%(progress.total_bytes_estimate)s %(progress.speed).0f %(progress.eta)s %(progress._percent).1f %(info.id)s"

    /// Lists a channel or playlist without touching its media.
    public static func listing(_ url: String, options: YtDlpOptions) -> [String] {
        var arguments = ["--flat-playlist", "-J", "--no-colors"]
        arguments += common(options)
        return arguments + ["--", url]
    }

    /// Downloads one video into `directory` as `<id>.<ext>`, with its info JSON and thumbnail,
    /// printing progress lines and, last, the final file path.
    public static func download(_ url: String, into directory: String, options: YtDlpOptions) -> [String] {
        var arguments = [
            "--no-colors", "--newline", "--progress", "--progress-template", progressTemplate,
            "--no-playlist", "--no-write-playlist-metafiles", "--write-info-json", "--write-thumbnail",
            "--no-mtime", "-o", directory + "/%(id)s.%(ext)s", "--print", "after_move:filepath",
        ]
        if let format = options.format {
            arguments += ["-f", format]
        } else if options.audioFormat != nil {
            arguments += ["-f", "bestaudio/best"]
        }
        if let audio = options.audioFormat {
            arguments += ["-x", "--audio-format", audio]
        }
        if let ffmpeg = options.ffmpegLocation { arguments += ["--ffmpeg-location", ffmpeg] }
        if let rate = options.rateLimit { arguments += ["--limit-rate", rate] }
        arguments += common(options)
        return arguments + ["--", url]
    }

    private static func common(_ options: YtDlpOptions) -> [String] {
        var arguments: [String] = []
        if let cookies = options.cookiesFile { arguments += ["--cookies", cookies] }
        if let proxy = options.proxy { arguments += ["--proxy", proxy] }
        return arguments + options.extraArguments
    }
}
