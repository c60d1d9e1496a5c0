import Foundation
import SpoolYtDlp

/// Finds the tools Spool runs, since child processes are spawned by absolute path (no shell,
/// no PATH lookup at spawn time).
enum ExecutableLocator {
    /// The yt-dlp the set-up installed (`.venv/bin/yt-dlp` of the working directory), else the
    /// one on PATH, else the bare name (reported as not running in `/api/health`).
    static func defaultYtDlp() -> String {
        projectTool("yt-dlp")
    }

    /// The apprise CLI, found the same way (`scripts/setup.sh` installs it into `.venv`).
    static func defaultApprise() -> String {
        projectTool("apprise")
    }

    private static func projectTool(_ name: String) -> String {
        let local = FileManager.default.currentDirectoryPath + "/.venv/bin/" + name
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        return ExecutableSearch.find(name) ?? name
    }
}
