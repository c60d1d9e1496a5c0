import Foundation
import SpoolYtDlp

/// Finds the tools Spool runs, since child processes are spawned by absolute path (no shell,
/// no PATH lookup at spawn time).
enum ExecutableLocator {
    /// The yt-dlp the set-up installed (`.venv/bin/yt-dlp` of the working directory), else the
    /// one on PATH, else the bare name (reported as not running in `/api/health`).
    static func defaultYtDlp() -> String {
        let local = FileManager.default.currentDirectoryPath + "/.venv/bin/yt-dlp"
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        return ExecutableSearch.find("yt-dlp") ?? "yt-dlp"
    }
}
