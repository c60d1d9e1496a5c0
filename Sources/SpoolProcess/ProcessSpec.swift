/// Everything needed to run one child process: what to execute, in which environment, and the
/// limits that bound how long it may run and how much of its output is kept.
///
/// The program is executed directly from an argument vector; no shell ever parses a command
/// line, so arguments never need quoting and cannot inject commands.
///
/// ```swift
/// let spec = ProcessSpec(
///     executablePath: "/usr/bin/yt-dlp",
///     arguments: ["--newline", url],
///     timeLimit: .seconds(3600),
///     stallTimeout: .seconds(120))
/// ```
public struct ProcessSpec: Sendable, Hashable {
    /// The program to run. An absolute path is strongly advised: there is no `PATH` lookup, and a
    /// relative path is resolved against ``workingDirectory`` when one is set.
    public var executablePath: String

    /// The arguments after the program name. `argv[0]` is ``executablePath``.
    public var arguments: [String]

    /// The complete environment of the child, or `nil` to inherit the environment of this process.
    ///
    /// To extend the inherited environment, start from ``ProcessSpec/currentEnvironment()``.
    public var environment: [String: String]?

    /// The directory the child starts in, or `nil` to inherit the current directory.
    public var workingDirectory: String?

    /// The longest the child may run, counted from its start; `nil` means no limit.
    ///
    /// When it passes, the child's process group is stopped and the outcome reports
    /// ``ProcessOutcome/Reason/timedOut``.
    public var timeLimit: Duration?

    /// The longest the child may stay silent on both stdout and stderr; `nil` disables the watchdog.
    ///
    /// When it passes, the child's process group is stopped and the outcome reports
    /// ``ProcessOutcome/Reason/stalled``.
    public var stallTimeout: Duration?

    /// How long the process group gets to exit after `SIGTERM` before it receives `SIGKILL`.
    public var killGrace: Duration

    /// How many of the last output lines (stdout and stderr together) the outcome keeps.
    public var tailLineLimit: Int

    /// The most bytes the kept lines may hold together, counting each line's UTF-8 text plus 32
    /// bytes for its slot; older lines are dropped first, and a single line longer than this is
    /// cut. With ``tailLineLimit`` alone, a caller that raised ``lineByteLimit`` to 1 MiB for JSON
    /// lines could keep 200 MiB of a flooding child's output.
    public var tailByteLimit: Int

    /// The longest line, in UTF-8 bytes, that is delivered. Longer lines are cut to this size and
    /// the rest of them is dropped, so a stream without newlines cannot grow memory.
    public var lineByteLimit: Int

    /// How much lower than this process's own the child's CPU priority is: a `nice` increment,
    /// 0 (the same) to 19 (only what nothing else wants). Children it starts inherit it, as
    /// yt-dlp's ffmpeg does. Background work such as downloads runs lower, so that on a
    /// two-core home server the requests of someone using the app are not queued behind three
    /// downloads converting audio (issue 12's soak: 0.53 s for a page of tracks otherwise).
    public var niceness: Int32 = 0

    /// Creates a specification. Only the executable is required; the defaults suit a
    /// well-behaved program that should run without limits.
    public init(
        executablePath: String,
        arguments: [String] = [],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        timeLimit: Duration? = nil,
        stallTimeout: Duration? = nil,
        killGrace: Duration = .seconds(2),
        tailLineLimit: Int = 200,
        lineByteLimit: Int = 4096,
        tailByteLimit: Int = 64 * 1024
    ) {
        self.executablePath = executablePath
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeLimit = timeLimit
        self.stallTimeout = stallTimeout
        self.killGrace = killGrace
        self.tailLineLimit = tailLineLimit
        self.lineByteLimit = lineByteLimit
        self.tailByteLimit = tailByteLimit
    }
}
