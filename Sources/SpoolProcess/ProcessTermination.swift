/// How a child process ended, as reported by the kernel.
public enum ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    /// The process called `exit` with this status (0 through 255).
    ///
    /// `-1` means the status was lost because something else in this process reaped the child
    /// (`SIGCHLD` set to `SIG_IGN`, or a `waitpid(-1)` elsewhere), which the runner cannot prevent.
    case exited(Int32)
    /// The process was killed by this signal number (for example `SIGKILL`, 9).
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code):
            return "exited with code \(code)"
        case .signaled(let signal):
            return "killed by \(ProcessTermination.signalName(signal))"
        }
    }

    /// A readable name for a signal number, such as `SIGTERM`, for logs and error messages.
    public static func signalName(_ signal: Int32) -> String {
        // Linux numbering (x86-64 and arm64 agree for all of these).
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
            7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
            13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}
