import ArgumentParser
import SpoolApp

/// `spool library import DIR [--move]` (`LibraryImportCommand` does the work).
struct LibraryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library", abstract: "Work with the library's files.", subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Adopt the media files of a folder into the library (a second run adds nothing).",
            discussion: """
                Media files are recognised by their content (ffprobe). A file's video id comes from its .info.json, its \
                SPOOL_VIDEO_ID tag, a YouTube-shaped [id] in its name, a yt-dlp --download-archive file, or a YouTube URL in \
                its comment tag; its source from the .info.json's channel or playlist (a source Spool does not have yet is \
                added paused: nothing downloads until you resume it). Unreadable files are listed with the reason.

                In place (the default), nothing is moved or changed, and the folder must lie inside LIBRARY_DIR. With --move, \
                the files move into the library's layout. When a server runs on the database, the import runs there \
                (AUTH_TOKEN is sent); otherwise in this process. Ctrl-C cancels it; running it again goes on.
                """)

        @Argument(help: "The folder to import.")
        var folder: String

        @Flag(help: "Move the files into the library's layout.")
        var move = false

        @Flag(name: .customLong("in-place"), help: "Adopt the files where they are (the default; the folder must lie inside LIBRARY_DIR).")
        var inPlace = false

        func validate() throws {
            if move && inPlace { throw ValidationError("Choose --move or --in-place, not both.") }
        }

        func run() throws {
            let status = LibraryImportCommand.run(settings: try loadSettings(), folder: folder, move: move)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
