import SpoolMedia

/// The content type and file extension of an imported file, from what ffprobe found in it
/// rather than from its name: a renamed `episode.dat` that holds an m4a is served as
/// `audio/mp4`, and `--move` names it `.m4a`.
enum ImportedMedia {
    static func kind(of info: MediaInfo, fileName: String) -> (contentType: String, fileExtension: String) {
        let audio = info.isAudioOnly
        switch info.container {
        case .mp4: return audio ? ("audio/mp4", "m4a") : ("video/mp4", "mp4")
        case .mp3: return ("audio/mpeg", "mp3")
        case .flac: return ("audio/flac", "flac")
        case .ogg:
            let opus = info.audioStreams.first?.codec == "opus"
            return ("audio/ogg", opus ? "opus" : "ogg")
        case .webm: return (audio ? "audio/webm" : "video/webm", "webm")
        case .matroska: return audio ? ("audio/x-matroska", "mka") : ("video/x-matroska", "mkv")
        case .other(let demuxer):
            // wav, aac (ADTS), avi …: the name's extension when it agrees with the table,
            // else the demuxer's first name.
            let named = fileName.contains(".") ? String(fileName.split(separator: ".").last!).lowercased() : ""
            let byName = MediaTypes.contentType(forFileName: fileName)
            if !named.isEmpty, byName != "application/octet-stream", !byName.hasPrefix("image/"), byName != "application/json" {
                return (byName, named)
            }
            let first = demuxer.split(separator: ",").first.map(String.init) ?? "bin"
            let type = MediaTypes.contentType(forFileName: "x." + first)
            return (type == "application/octet-stream" ? (audio ? "audio/\(first)" : "video/\(first)") : type, first)
        }
    }
}
