/// Why a file is not a playable media file. Thrown by ``MediaProbe/probe(_:checkEnd:)`` for the
/// file's own faults, so a library import can list the file with ``reason`` and go on.
public struct MediaRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The file cannot be read at all: missing, a directory, no permission, empty.
        case unreadable
        /// The content is not audio or video: text, an image, a subtitle file, random bytes, or a
        /// media file so damaged that ffprobe cannot recognise it (an mp4 without its `moov`).
        case notMedia = "not_media"
        /// A recognised media file whose data is broken or cut short.
        case damaged
    }

    public var kind: Kind
    /// One sentence for a user, naming what is wrong, e.g. "the data ends at 15.0 s of the
    /// declared 30.0 s (the file is cut short)".
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(kind.rawValue): \(reason)" }
}
