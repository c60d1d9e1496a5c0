import Foundation

/// Finds the tools Spool runs, since child processes are spawned by absolute path (no shell,
/// no PATH lookup at spawn time).
enum ExecutableLocator {
    /// The yt-dlp the set-up installed (`.venv/bin/yt-dlp` of the working directory), else the
    /// one on PATH, else the bare name (reported as not running in `/api/health`).
    static func defaultYtDlp() -> String {
        let local = FileManager.default.currentDirectoryPath + "/.venv/bin/yt-dlp"
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        return find("yt-dlp") ?? "yt-dlp"
    }

    /// The first executable `name` on PATH.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
