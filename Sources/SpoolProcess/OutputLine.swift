/// One line of a child's output, without its terminator, decoded as UTF-8 (invalid bytes become
/// U+FFFD) and at most ``ProcessSpec/lineByteLimit`` bytes long.
public struct OutputLine: Sendable, Hashable, CustomStringConvertible {
    /// The stream the line was read from.
    public var stream: StandardStream
    /// The text of the line.
    public var text: String

    /// Creates a line.
    public init(stream: StandardStream, text: String) {
        self.stream = stream
        self.text = text
    }

    public var description: String { "[\(stream)] \(text)" }
}
