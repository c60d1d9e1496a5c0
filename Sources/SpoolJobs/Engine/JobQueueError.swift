/// A user action the queue refuses, with a message for the user.
public enum JobQueueError: Error, Equatable, CustomStringConvertible {
    /// No job has this id.
    case notFound(Int64)
    /// The action makes no sense in the job's current state.
    case conflict(String)

    public var description: String {
        switch self {
        case .notFound(let id): "No job with id \(id)."
        case .conflict(let message): message
        }
    }
}
