/// Why a file could not be tagged. Whatever the reason, the original file is unchanged and no
/// temporary file is left beside it.
public enum MediaTaggingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The container is one Spool does not tag (wav, raw aac, avi, …); the file is fine as it is.
    case unsupportedFormat(String)
    /// ffmpeg could not write the tagged copy; the message holds its error lines.
    case ffmpegFailed(String)
    /// A file operation failed (a full disk, a read-only folder), named with its path.
    case fileSystem(String)
    /// The tagged copy was written but does not match the original (streams, duration, tags).
    case verificationFailed(String)
    /// The file's structure is not what ffmpeg writes (an MP4 without a movie box, a fragmented
    /// MP4, an ID3 tag of another version).
    case unexpectedStructure(String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let format): "Spool does not tag \(format) files"
        case .ffmpegFailed(let message): "ffmpeg could not write the tagged copy: \(message)"
        case .fileSystem(let message): message
        case .verificationFailed(let message): "The tagged copy is wrong: \(message)"
        case .unexpectedStructure(let message): "Unexpected file structure: \(message)"
        }
    }
}
