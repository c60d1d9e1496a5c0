/// Argument vectors for yt-dlp. Never a shell: each argument is one element, and the URL always
/// comes after `--` so it can never be read as an option.
public enum YtDlpArguments {
    /// What yt-dlp prints when `--match-filters` skips a video (it then exits 0 without a file).
    public static let filterSkipMarker = "does not pass filter"

    /// The progress line Spool parses (see `ProgressLine`).
    public static let progressTemplate =
        "download:SPOOLPROG %(progress.status)s %(progress.downloaded_bytes)s %(progress.total_bytes)s "
        + "%(progress.total_bytes_estimate)s %(progress.speed).0f %(progress.eta)s %(progress._percent).1f %(info.id)s"

    /// Lists a channel, playlist or video without touching its media: one JSON object per
    /// entry on stdout, printed as yt-dlp pages through the source (`--lazy-playlist`), so the
    /// first entries arrive within seconds even on a 20,000-video channel.
    /// - Parameter limit: stop after this many entries (a preview).
    public static func listing(_ url: String, options: YtDlpOptions, runtime: JSRuntime? = nil, limit: Int? = nil) -> [String] {
        var arguments = ["--flat-playlist", "--lazy-playlist", "-j", "--no-colors", "--ignore-no-formats-error"]
        if let limit { arguments += ["--playlist-end", String(max(1, limit))] }
        arguments += common(options, runtime: runtime)
        return arguments + ["--", url]
    }

    /// Downloads one video into `directory` as `<id>.<ext>`, with its info JSON and thumbnail,
    /// printing progress lines and, last, the final file path.
    /// - Parameter extractor: the listing's extractor for the entry (`Youtube`): with
    ///   `--use-extractors`, yt-dlp skips matching the URL against ~1,900 extractors' patterns,
    ///   most of a short download's CPU time.
    public static func download(
        _ url: String, into directory: String, options: YtDlpOptions, runtime: JSRuntime? = nil, extractor: String? = nil
    ) -> [String] {
        var arguments = [
            "--no-colors", "--newline", "--progress", "--progress-template", progressTemplate,
            "--no-playlist", "--no-write-playlist-metafiles", "--write-info-json", "--write-thumbnail",
            "--no-mtime", "-o", directory + "/%(id)s.%(ext)s", "--print", "after_move:filepath",
            // `--print` implies `--quiet`, which would hide "does not pass filter" (a video a
            // match filter skipped would look like a download that lost its file).
            "--no-quiet",
        ]
        if let extractor, !extractor.isEmpty, extractor.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            arguments += ["--use-extractors", extractor]
        }
        if let format = options.format {
            arguments += ["-f", format]
        } else if options.audioFormat != nil {
            arguments += ["-f", "bestaudio/best"]
        } else if let height = options.maxHeight {
            arguments += ["-f", "bv*[height<=\(height)]+ba/b[height<=\(height)]/b"]
        }
        if let audio = options.audioFormat {
            arguments += ["-x", "--audio-format", audio]
            if let quality = options.audioQuality { arguments += ["--audio-quality", quality] }
        }
        if let filter = options.matchFilter { arguments += ["--match-filters", filter] }
        if let ffmpeg = options.ffmpegLocation { arguments += ["--ffmpeg-location", ffmpeg] }
        if let rate = options.rateLimit { arguments += ["--limit-rate", rate] }
        arguments += common(options, runtime: runtime)
        return arguments + ["--", url]
    }

    private static func common(_ options: YtDlpOptions, runtime: JSRuntime?) -> [String] {
        var arguments: [String] = []
        // An explicit runtime replaces yt-dlp's defaults; clearing them first makes a chosen
        // Node or Bun win over the Deno yt-dlp would otherwise prefer.
        if let runtime { arguments += ["--no-js-runtimes", "--js-runtimes", "\(runtime.name):\(runtime.path)"] }
        if let cookies = options.cookiesFile { arguments += ["--cookies", cookies] }
        if let proxy = options.proxy { arguments += ["--proxy", proxy] }
        return arguments + options.extraArguments
    }
}
