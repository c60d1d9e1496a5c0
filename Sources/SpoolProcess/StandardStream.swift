/// The output stream of a child a line came from.
///
/// Named `StandardStream` rather than `OutputStream` so that it never collides with
/// `Foundation.OutputStream` in files that import both modules.
public enum StandardStream: Sendable, Hashable, CustomStringConvertible {
    /// The child's standard output (file descriptor 1).
    case stdout
    /// The child's standard error (file descriptor 2).
    case stderr

    public var description: String {
        switch self {
        case .stdout: "stdout"
        case .stderr: "stderr"
        }
    }
}
