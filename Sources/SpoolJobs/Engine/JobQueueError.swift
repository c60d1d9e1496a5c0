/// A user action the queue refuses, with a message for the user.
public enum JobQueueError: Error, Equatable, CustomStringConvertible {
    /// No job has this id.
    case notFound(Int64)
    /// The action makes no sense in the job's current state.
    case conflict(String)
    /// A request the queue cannot answer as asked, naming the parameter at fault.
    case invalid(field: String, String)

    public var description: String {
        switch self {
        case .notFound(let id): "No job with id \(id)."
        case .conflict(let message): message
        case .invalid(let field, let message): "'\(field)': \(message)"
        }
    }
}
