/// Content types of the files a library holds (media and artwork), by extension: the one
/// table, used when a track is saved and when its files are served.
public enum MediaTypes {
    public static func contentType(forFileName name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return byExtension[ext] ?? "application/octet-stream"
    }

    static let byExtension: [String: String] = [
        "m4a": "audio/mp4", "mp4a": "audio/mp4", "aac": "audio/aac", "mp3": "audio/mpeg",
        "opus": "audio/ogg", "ogg": "audio/ogg", "oga": "audio/ogg", "flac": "audio/flac", "wav": "audio/wav",
        "weba": "audio/webm", "webm": "video/webm", "mp4": "video/mp4", "m4v": "video/mp4", "mkv": "video/x-matroska", "mov": "video/quicktime",
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
        "json": "application/json",
    ]
}
