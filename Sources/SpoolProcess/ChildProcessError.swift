/// Why a child process could not be started. When this error is thrown, no process is left
/// running and no file descriptor is left open.
public enum ChildProcessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The executable does not exist (or a directory on its path does not).
    case executableNotFound(path: String)
    /// The path exists but cannot be executed: a directory, a file without execute permission,
    /// a file on a `noexec` mount (`EACCES`, `EPERM`), or a file the kernel does not recognise as
    /// a program, such as a script without a `#!` line (`ENOEXEC`).
    case notExecutable(path: String, errno: Int32)
    /// The working directory does not exist or cannot be entered.
    case workingDirectoryUnavailable(path: String, errno: Int32)
    /// The specification cannot be run as given; the message says why.
    case invalidSpecification(String)
    /// A system call failed while preparing or spawning the process, for example because the
    /// process ran out of file descriptors.
    case systemCallFailed(call: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .executableNotFound(let path):
            return "Cannot run \(path): no such file"
        case .notExecutable(let path, let code):
            return "Cannot run \(path): not executable (\(errorMessage(code)))"
        case .workingDirectoryUnavailable(let path, let code):
            return "Cannot use \(path) as working directory: \(errorMessage(code))"
        case .invalidSpecification(let message):
            return "Invalid process specification: \(message)"
        case .systemCallFailed(let call, let path, let code):
            return "Cannot run \(path): \(call) failed: \(errorMessage(code))"
        }
    }
}
