import Foundation
import SpoolProcess

/// A JavaScript runtime yt-dlp can use: since 2025.11, full YouTube support needs one (without
/// it formats go missing and downloads fail with "Requested format is not available").
/// yt-dlp is told about it with `--js-runtimes NAME:PATH`.
public struct JSRuntime: Sendable, Equatable, Codable {
    /// `deno`, `node`, `bun` or `quickjs` (yt-dlp's names).
    public var name: String
    public var path: String
    /// What `<runtime> --version` printed first, when it runs.
    public var version: String?

    public init(name: String, path: String, version: String?) {
        self.name = name
        self.path = path
        self.version = version
    }
}

/// Where yt-dlp is and how to run it.
///
/// When `YTDLP_PATH` is the `yt-dlp` script of a Python virtual environment (what the set-up
/// and the container install), Spool runs that environment's interpreter with `-m yt_dlp`, and
/// puts the update overlay (`YTDLP_UPDATE_DIR`, where `YtDlpUpdater` installs newer versions
/// with pip) first on `PYTHONPATH`: an update survives restarts, never needs write access to
/// the environment itself (read-only in the image), and is switched by one directory rename.
/// Any other executable (a distribution package, a standalone binary) runs as it is and is
/// never updated by Spool.
public struct YtDlpInstallation: Sendable {
    public let executable: String
    /// The environment's interpreter, when `executable` belongs to a virtual environment.
    public let python: String?
    /// Newer yt-dlp versions installed by Spool; used when it holds one.
    public let overlay: String?
    public let runtime: JSRuntime?
    /// The `nice` increment every yt-dlp runs with (`DOWNLOAD_NICENESS`, see
    /// `ProcessSpec.niceness`): listings, downloads and their ffmpeg are background work.
    public let niceness: Int32

    public init(executable: String, overlay: String?, runtimePath: String?, niceness: Int32 = 0) {
        self.executable = executable
        self.niceness = niceness
        let python = Self.environmentPython(of: executable)
        self.python = python
        self.overlay = python == nil ? nil : overlay
        self.runtime = Self.locateRuntime(configured: runtimePath, executable: executable)
    }

    /// The overlay directory when it holds a yt-dlp newer than the environment's own: a new
    /// image (or a `pip install -U` of the environment) may bring a newer one than an update
    /// installed months ago, and must not stay hidden behind it.
    public var activeOverlay: String? {
        guard let overlay, FileManager.default.fileExists(atPath: overlay + "/yt_dlp/__init__.py") else { return nil }
        guard let overlayVersion = Self.distributionVersion(in: overlay) else { return overlay }
        guard let python, let baseVersion = Self.environmentVersion(python: python) else { return overlay }
        return YtDlpUpdater.compare(overlayVersion, baseVersion) == .orderedDescending ? overlay : nil
    }

    /// The version pip recorded for yt-dlp in a folder (`yt_dlp-<version>.dist-info`).
    static func distributionVersion(in folder: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard let info = names.first(where: { $0.hasPrefix("yt_dlp-") && $0.hasSuffix(".dist-info") }) else { return nil }
        return String(info.dropFirst("yt_dlp-".count).dropLast(".dist-info".count))
    }

    /// The version of the yt-dlp installed in the virtual environment itself
    /// (`<venv>/lib/python3.X/site-packages`).
    static func environmentVersion(python: String) -> String? {
        let root = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for folder in versions where folder.hasPrefix("python") {
            if let version = distributionVersion(in: root.appendingPathComponent(folder).appendingPathComponent("site-packages").path) {
                return version
            }
        }
        return nil
    }

    /// Why Spool cannot update this yt-dlp, or nil when it can.
    public var notUpdatableReason: String? {
        if python == nil {
            return "yt-dlp at \(executable) is not in a Python virtual environment (a distribution package or a standalone binary); update it the way it was installed, or point YTDLP_PATH at the .venv the set-up makes."
        }
        if overlay == nil { return "YTDLP_UPDATE_DIR is not set." }
        return nil
    }

    /// How to run yt-dlp with `arguments`: the program, its arguments and environment.
    public func command(_ arguments: [String], overlay chosen: String? = nil) -> ProcessSpec {
        var environment = ProcessSpec.currentEnvironment()
        environment["LC_ALL"] = "C.UTF-8"
        environment["PYTHONUNBUFFERED"] = "1"
        // A user's PYTHONPATH must not shadow the environment's yt-dlp.
        environment.removeValue(forKey: "PYTHONPATH")
        var spec: ProcessSpec
        if let python {
            if let overlay = chosen ?? activeOverlay { environment["PYTHONPATH"] = overlay }
            spec = ProcessSpec(executablePath: python, arguments: ["-m", "yt_dlp"] + arguments, environment: environment)
        } else {
            spec = ProcessSpec(executablePath: executable, arguments: arguments, environment: environment)
        }
        spec.niceness = niceness
        return spec
    }

    /// `yt-dlp --version` of the installation (with `overlay` when given), or nil when it
    /// does not run.
    public func version(overlay chosen: String? = nil) -> String? {
        var spec = command(["--version"], overlay: chosen)
        spec.timeLimit = .seconds(30)
        var lines: [String] = []
        guard let outcome = try? ChildProcess.run(spec, onLine: { stream, line in if stream == .stdout { lines.append(line) } }),
              outcome.isSuccess, let first = lines.first?.trimmingCharacters(in: .whitespaces),
              first.first?.isNumber == true else { return nil }
        return first
    }

    /// The interpreter of the virtual environment `executable` lives in: `bin/yt-dlp` beside
    /// `bin/python3`, under a folder with `pyvenv.cfg`.
    static func environmentPython(of executable: String) -> String? {
        let resolved = URL(fileURLWithPath: executable)
        let bin = resolved.deletingLastPathComponent()
        let root = bin.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("pyvenv.cfg").path) else { return nil }
        for name in ["python3", "python"] {
            let candidate = bin.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `JS_RUNTIME_PATH`, else the `deno` the set-up installed beside yt-dlp, else `deno` on PATH.
    static func locateRuntime(configured: String?, executable: String) -> JSRuntime? {
        var candidates: [String] = []
        if let configured, !configured.isEmpty { candidates.append(configured) }
        candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("deno").path)
        if let onPath = ExecutableSearch.find("deno") { candidates.append(onPath) }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
            // yt-dlp's names; QuickJS's binary is `qjs`.
            let known = [("deno", "deno"), ("node", "node"), ("bun", "bun"), ("quickjs", "quickjs"), ("qjs", "quickjs")]
                .first { name.hasPrefix($0.0) }?.1 ?? "deno"
            return JSRuntime(name: known, path: path, version: runtimeVersion(path))
        }
        return nil
    }

    /// `deno --version` prints `deno 2.5.6 (stable, release, x86_64-unknown-linux-gnu)`.
    static func runtimeVersion(_ path: String) -> String? {
        let spec = ProcessSpec(executablePath: path, arguments: ["--version"], timeLimit: .seconds(20))
        var first: String?
        guard let outcome = try? ChildProcess.run(spec, onLine: { stream, line in
            if stream == .stdout, first == nil { first = line }
        }), outcome.isSuccess, let first else { return nil }
        let words = first.split(separator: " ")
        return words.count >= 2 ? String(words[1]) : first
    }
}

/// Finds executables on PATH (child processes are spawned by absolute path: no shell, no
/// PATH lookup at spawn time).
public enum ExecutableSearch {
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
