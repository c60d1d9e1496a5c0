import Foundation
import SpoolProcess
import Synchronization

/// Long-lived yt-dlp processes for downloads: each imports yt_dlp once and then runs one job per
/// request through `yt_dlp.main()` (the driver script in `Driver/`, compiled into the binary).
///
/// Why: a download in its own `yt-dlp` process costs ~1.4 CPU-s on this class of machine, of
/// which ~0.35 s is `import yt_dlp` and ~0.45 s matching the URL against 1,751 extractors; in a
/// warm driver the same job costs ~0.33 CPU-s. 200 fixture downloads, 3 at a time, took 101–120 s
/// with three drivers against 563–688 s with one process per job (docs/benchmarks.md,
/// docs/features/ytdlp-driver.md).
///
/// Only a yt-dlp in a Python virtual environment (the set-up's and the container's) can host a
/// driver; any other installation keeps one process per job. Listings and `--version` checks
/// always run as their own processes.
///
/// ```swift
/// let drivers = YtDlpDrivers(installation: installation, scriptFolder: dataDirectory)
/// let run = try runner.download(arguments, cancellation: token, drivers: drivers) { line in … }
/// drivers?.closeAll()   // after an update switched versions, and at shutdown
/// ```
///
/// A session serves one job at a time; the pool hands an idle one to each running download, so
/// there are never more drivers than downloads running at once (`WORKERS`).
public final class YtDlpDrivers: Sendable {
    /// Jobs a driver serves before it is retired: its memory settles at ~57 MiB after ~50 jobs
    /// and stays there through 200; retiring at 100 bounds any slow leak in an extractor.
    public static let defaultRequestsPerProcess = 100

    /// The driver script, as compiled into the binary.
    public static var script: [UInt8] { PackageResources.spool_ytdlp_driver_py }

    public let installation: YtDlpInstallation
    /// Where the script was written (`<DATA_DIR>/ytdlp-driver-<digest>.py`).
    public let scriptPath: String
    let requestsPerProcess: Int

    private struct State {
        var idle: [ProcessSession] = []
        /// Sessions handed out before the last `closeAll()` are closed when they come back.
        var generation = 0
        var closed = false
    }
    private let state = Mutex(State())

    /// Writes the driver script into `scriptFolder` and returns a pool, or nil when yt-dlp is not
    /// in a virtual environment (no interpreter to host the driver) or the script cannot be written.
    public init?(installation: YtDlpInstallation, scriptFolder: String,
                 requestsPerProcess: Int = YtDlpDrivers.defaultRequestsPerProcess) {
        guard installation.python != nil,
              let path = Self.writeScript(into: scriptFolder) else { return nil }
        self.installation = installation
        self.scriptPath = path
        self.requestsPerProcess = max(1, requestsPerProcess)
    }

    /// The script under a name that changes with its content, so that a running older Spool's
    /// drivers (same data folder, during an upgrade) never see a rewrite of their file.
    static func writeScript(into folder: String) -> String? {
        let bytes = script
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a, enough to tell versions apart
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let path = folder + "/ytdlp-driver-" + String(hash, radix: 16) + ".py"
        if let existing = FileManager.default.contents(atPath: path), [UInt8](existing) == bytes { return path }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o644]),
              rename(temporary, path) == 0 else {
            unlink(temporary)
            return nil
        }
        return path
    }

    /// How the driver runs: yt-dlp's interpreter with exactly the environment a `python -m
    /// yt_dlp` process gets (the update overlay on `PYTHONPATH`), read when a session is made, so
    /// sessions made after an update use the new version.
    func spec() -> ProcessSpec {
        var spec = installation.command([])
        spec.arguments = ["-u", scriptPath, "--argv0", installation.executable]
        spec.killGrace = .seconds(1)
        spec.tailLineLimit = 60
        spec.lineByteLimit = 1 << 20
        return spec
    }

    /// Runs `body` with a session of its own; the session goes back to the pool afterwards.
    func withSession<T>(_ body: (ProcessSession) throws -> T) throws -> T {
        let (session, generation) = try checkOut()
        defer { checkIn(session, generation: generation) }
        return try body(session)
    }

    private func checkOut() throws -> (ProcessSession, Int) {
        let (reused, generation) = state.withLock { state in (state.idle.popLast(), state.generation) }
        if let reused { return (reused, generation) }
        return (try ProcessSession(spec(), requestsPerProcess: requestsPerProcess), generation)
    }

    private func checkIn(_ session: ProcessSession, generation: Int) {
        let keep = state.withLock { state -> Bool in
            guard !state.closed, state.generation == generation else { return false }
            state.idle.append(session)
            return true
        }
        if !keep { session.close() }
    }

    /// Ends every idle driver now and every busy one when its job ends; the next job starts a
    /// fresh one (after a yt-dlp update, the new version).
    public func closeAll() {
        let idle = state.withLock { state -> [ProcessSession] in
            state.generation += 1
            defer { state.idle.removeAll() }
            return state.idle
        }
        for session in idle { session.close() }
    }

    /// Ends every driver for good (at shutdown, after running jobs were stopped).
    public func shutdown() {
        state.withLock { $0.closed = true }
        closeAll()
    }

    /// Drivers waiting for a job.
    public var idleCount: Int { state.withLock { $0.idle.count } }
}

extension YtDlpRunner {
    /// A download: in a driver when `drivers` is given, else in its own process. Either way the
    /// result is what a `yt-dlp` process with these arguments would give: its output lines, its
    /// exit status and stderr tail for ``FailureClassifier``.
    public func download(
        _ arguments: [String], cancellation: ProcessCancellation, drivers: YtDlpDrivers?, timeLimit: Duration? = nil,
        onStdout: (String) -> Void, onStderr: (String) -> Void = { _ in }
    ) throws(StartError) -> Run {
        guard let drivers else {
            return try run(arguments, cancellation: cancellation, timeLimit: timeLimit, onStdout: onStdout, onStderr: onStderr)
        }
        var tail = BoundedLines(capacity: stderrLineLimit)
        let id = Self.requestID()
        let prefix = "SPOOL-YTDLP-DRIVER-END \(id) "
        let outcome: SessionOutcome
        do {
            let body = try JSONSerialization.data(withJSONObject: ["id": id, "argv": arguments], options: [.withoutEscapingSlashes])
            let request = SessionRequest(line: String(decoding: body, as: UTF8.self), endMarkerPrefix: prefix, timeLimit: timeLimit)
            outcome = try drivers.withSession { session in
                try session.perform(request, cancellation: cancellation) { stream, line in
                    switch stream {
                    case .stdout:
                        onStdout(line)
                    case .stderr:
                        tail.append(line)
                        onStderr(line)
                    }
                }
            }
        } catch {
            throw StartError(description: "the yt-dlp driver could not be started (\(drivers.installation.python ?? "?")): \(error)")
        }
        return Run(outcome: Self.processOutcome(of: outcome, prefix: prefix), stderrTail: tail.lines)
    }

    /// A driver's answer in the terms of a process: the marker's status is the exit status; a
    /// driver that died mid-job ended "the process" the same way; a driver that stopped reading
    /// looks like a killed process (transient: the next job gets a fresh driver).
    static func processOutcome(of outcome: SessionOutcome, prefix: String) -> ProcessOutcome {
        let reason: ProcessOutcome.Reason
        var termination = outcome.termination ?? .signaled(SIGKILL)
        switch outcome.reason {
        case .completed:
            reason = .finished
            let status = outcome.endMarker.flatMap { Int32($0.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)) }
            termination = .exited(status ?? 1)
        case .childExited, .inputClosed: reason = .finished
        case .timedOut: reason = .timedOut
        case .stalled: reason = .stalled
        case .cancelled: reason = .cancelled
        }
        return ProcessOutcome(processID: outcome.processID, termination: termination, reason: reason,
                              tail: outcome.tail, duration: outcome.duration)
    }

    /// 32 hex digits: the end marker must be impossible for a job's own output to contain.
    static func requestID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let value = generator.next() as UInt64
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
