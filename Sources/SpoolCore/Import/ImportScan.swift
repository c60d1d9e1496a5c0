import Foundation

/// The files of an import's folder, folder by folder, parents before their children (so a
/// download archive is read before the files below it are identified). Names only: what a
/// file *is* is decided from its content later (`ImportContent`, ffprobe).
///
/// Not examined: hidden files and folders (a leading `.`: the library's own `.partial` and
/// `.trash`, Spool's `.spool-tagging-*` scratch folders, macOS `._` files), and anything that is
/// not a regular file or a folder (FIFOs, sockets, devices). Symbolic links are not followed,
/// neither to files nor to folders: a link could lead outside the folder, or into the library,
/// or loop; each is listed in the report so the user can import what it points to.
struct ImportScan {
    struct Folder {
        /// Absolute, without links.
        let path: String
        /// Regular files to examine (not sidecars), sorted.
        var files: [String] = []
        /// `.info.json` sidecars by the stem they describe (`X.info.json` → `X`).
        var sidecars: [String: String] = [:]
        /// Symbolic links (to files or folders), not followed.
        var links: [String] = []
    }

    var folders: [Folder] = []

    /// Every file the walk found: what the progress counts toward.
    var fileCount: Int {
        folders.reduce(0) { $0 + $1.files.count + $1.sidecars.count + $1.links.count }
    }

    static let sidecarSuffix = ".info.json"

    /// Walks `root` (absolute, link-free) depth first. `isCancelled` is checked per folder.
    static func walk(_ root: String, isCancelled: () -> Bool = { false }) -> ImportScan {
        var scan = ImportScan()
        var pending = [root]
        while let path = pending.popLast(), !isCancelled() {
            var folder = Folder(path: path)
            var children: [String] = []
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for name in names where !name.hasPrefix(".") {
                let full = path + "/" + name
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    children.append(full)
                case S_IFLNK:
                    folder.links.append(name)
                case S_IFREG:
                    if name.lowercased().hasSuffix(sidecarSuffix), name.count > sidecarSuffix.count {
                        folder.sidecars[String(name.dropLast(sidecarSuffix.count))] = name
                    } else {
                        folder.files.append(name)
                    }
                default:
                    continue
                }
            }
            scan.folders.append(folder)
            // Reversed, so that popping visits them in name order.
            pending.append(contentsOf: children.reversed())
        }
        return scan
    }
}

/// What a file is, from its first bytes, before ffprobe is asked: text (perhaps a yt-dlp
/// download archive) and pictures are told apart without starting a process, which matters in
/// a folder where every video has a thumbnail, a description and subtitles beside it.
///
/// Safe for media: every container Spool plays has a NUL byte or bytes that are not UTF-8 in
/// its first 4 KB (box sizes in MP4, `ID3\x03\x00`, `fLaC\x00`, `OggS\x00`, frame sync `0xFF`
/// in MPEG audio, EBML's `0x1A45DFA3`), so none of them reads as text.
enum ImportContent: Equatable {
    /// Lines of `<extractor> <id>`: yt-dlp's `--download-archive` file, with its ids.
    case archive(Set<String>)
    case text
    /// A picture (JPEG, PNG, WebP, GIF), by its signature.
    case image(String)
    /// Anything else: for ffprobe to judge.
    case other
    /// Cannot be opened (the reason).
    case unreadable(String)

    static let sniffLength = 4096
    /// A download archive of 100,000 videos is about 2 MB.
    static let archiveSizeLimit = 64 << 20

    static func sniff(_ path: String) -> ImportContent {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .unreadable(String(cString: strerror(errno)).lowercased())
        }
        defer { try? handle.close() }
        let head: [UInt8]
        do {
            head = [UInt8](try handle.read(upToCount: sniffLength) ?? Data())
        } catch {
            return .unreadable("\(error)")
        }
        if head.isEmpty { return .unreadable("the file is empty") }
        if let format = imageFormat(head) { return .image(format) }
        guard isText(head) else { return .other }
        // Any two words per line look like `<extractor> <id>`: a text file under a media
        // file's name ("notes.m4a") is a broken media file to report, never an archive.
        let suffix = (path as NSString).pathExtension.lowercased()
        guard !mediaExtensions.contains(suffix), looksLikeArchive(head), let ids = archiveIds(path) else { return .text }
        return .archive(ids)
    }

    /// Extensions of audio and video files: a file named so is never taken for an archive.
    static let mediaExtensions: Set<String> = ["m4a", "mp3", "mp4", "m4v", "webm", "mkv", "opus", "ogg", "oga", "flac", "wav", "aac", "mov", "avi"]

    static func imageFormat(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "JPEG" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "PNG" }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "WebP" }
        if bytes.starts(with: Array("GIF8".utf8)) { return "GIF" }
        return nil
    }

    /// No NUL byte, and valid UTF-8 (a character cut by the end of the sample allowed).
    static func isText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.contains(0) else { return false }
        for cut in 0...min(3, bytes.count - 1) {
            if String(validating: bytes.dropLast(cut), as: UTF8.self) != nil { return true }
        }
        return false
    }

    /// Whether every complete line of the sample is `<extractor> <id>` (yt-dlp writes the
    /// extractor's key in lower case: `youtube`, `generic`, `soundcloud`).
    static func looksLikeArchive(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        // `\r\n` is one Character in Swift: split on every kind of line end.
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
        if bytes.count == sniffLength, text.last?.isNewline != true { lines = Array(lines.dropLast()) }
        return !lines.isEmpty && lines.allSatisfy { archiveLine($0) != nil }
    }

    static func archiveLine(_ line: Substring) -> String? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }),
              !parts[1].unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { return nil }
        return String(parts[1])
    }

    /// Every id of an archive file, or nil when a line breaks the pattern (then it is not one).
    static func archiveIds(_ path: String) -> Set<String>? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size <= archiveSizeLimit,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        var ids = Set<String>()
        for line in String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            guard let id = archiveLine(line) else { return nil }
            ids.insert(id)
        }
        return ids.isEmpty ? nil : ids
    }
}
