import Foundation

/// Which video a media file is, from what lies in and beside it. The clues, strongest first:
///
/// 1. **The `.info.json` sidecar** (`<stem>.info.json`): yt-dlp's own record, `id`.
/// 2. **The `SPOOL_VIDEO_ID` tag** Spool writes into every file (`docs/features/tagging.md`):
///    survives any renaming.
/// 3. **`[id]` at the end of the name**, yt-dlp's default template (`%(title)s [%(id)s]`) and
///    Spool's layout. Taken when it has YouTube's shape (11 letters, digits, `-` or `_`), or when
///    a download archive or a source's listing confirms it: "Song [Remastered]" or "[HD]" must
///    not become videos called "Remastered" or "HD".
/// 4. **A line of a yt-dlp `--download-archive` file** (`<extractor> <id>`) in the file's folder
///    or a folder above it. The archive names no files, so a line is tied to a file when the id
///    appears in the file's name as a whole word: not touching a letter or digit on either side
///    (`20240104 ep-003.m4a`, `Title-dQw4w9WgXcQ.mp3`, `dQw4w9WgXcQ.opus`). When several ids
///    appear, the longest wins; ids shorter than 4 characters are never matched in names.
/// 5. **A YouTube URL in the comment or `purl` tag** (`watch?v=`, `youtu.be/`, `/shorts/`,
///    `/live/`, `/embed/`), which yt-dlp's `--embed-metadata` writes.
enum VideoIdentity {
    /// Where an id came from (the report and logs say it).
    enum Origin: String, Sendable {
        case sidecar, tag, name, archive, url
    }

    /// What is known about one media file.
    struct Clues {
        /// The file's name (not its path).
        var fileName: String
        var sidecarId: String?
        /// Embedded tags (keys lowercased, as `MediaTags` keeps them).
        var tags: [String: String] = [:]
        /// Ids listed by the download archives that cover the file's folder.
        var archiveIds: Set<String> = []
        /// Ids Spool knows from elsewhere (a source listed them, a track or tombstone has them):
        /// they confirm a bracketed id that does not look like YouTube's.
        var knownIds: Set<String> = []
    }

    static func identify(_ clues: Clues) -> (id: String, origin: Origin)? {
        if let id = clues.sidecarId.flatMap(cleaned) { return (id, .sidecar) }
        if let id = clues.tags["spool_video_id"].flatMap(cleaned) { return (id, .tag) }
        let stem = stem(of: clues.fileName)
        if let id = bracketedId(in: stem),
           isYouTubeShaped(id) || clues.archiveIds.contains(id) || clues.knownIds.contains(id) {
            return (id, .name)
        }
        if let id = archiveMatch(in: stem, ids: clues.archiveIds) { return (id, .archive) }
        for key in ["comment", "purl", "description"] {
            if let value = clues.tags[key], let id = youTubeId(inURL: value) { return (id, .url) }
        }
        return nil
    }

    /// The name without its last extension (`a.b.m4a` → `a.b`; `mystery` stays).
    static func stem(of name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The text of a `[…]` group that ends the stem (white space after it allowed), when it
    /// holds one word of id characters.
    static func bracketedId(in stem: String) -> String? {
        let trimmed = stem.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("]"), let open = trimmed.lastIndex(of: "[") else { return nil }
        let inner = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        guard !inner.isEmpty, inner.count <= 64, inner.unicodeScalars.allSatisfy(isIdScalar) else { return nil }
        return inner
    }

    /// YouTube's video ids: 11 characters of `A–Z a–z 0–9 - _`.
    static func isYouTubeShaped(_ id: String) -> Bool {
        id.unicodeScalars.count == 11 && id.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "-" || $0 == "_" }
    }

    /// The longest archive id that appears in `stem` as a whole word.
    static func archiveMatch(in stem: String, ids: Set<String>) -> String? {
        guard !ids.isEmpty else { return nil }
        let scalars = Array(stem.unicodeScalars)
        var best: String?
        // Every run of id characters, and every part of it between `-`/`_`/`.`, is a candidate;
        // looking them up is cheaper than searching the name for each of thousands of ids.
        var start = 0
        while start < scalars.count {
            guard isIdScalar(scalars[start]), start == 0 || !isAlphanumeric(scalars[start - 1]) else {
                start += 1
                continue
            }
            var end = start
            while end < scalars.count, isIdScalar(scalars[end]) {
                end += 1
                let wordEnds = end == scalars.count || !isAlphanumeric(scalars[end])
                guard wordEnds, end - start >= 4 else { continue }
                let candidate = String(String.UnicodeScalarView(scalars[start..<end]))
                if ids.contains(candidate), candidate.count > (best?.count ?? 0) { best = candidate }
            }
            start += 1
        }
        return best
    }

    /// The video id of a YouTube URL found in `text`, if any.
    static func youTubeId(inURL text: String) -> String? {
        guard let range = text.range(of: #"https?://[^\s"'<>]+"#, options: .regularExpression),
              let components = URLComponents(string: String(text[range])), let host = components.host?.lowercased()
        else { return nil }
        let path = components.path.split(separator: "/").map(String.init)
        var candidate: String?
        if host == "youtu.be" {
            candidate = path.first
        } else if host == "youtube.com" || host.hasSuffix(".youtube.com") || host == "youtube-nocookie.com" || host.hasSuffix(".youtube-nocookie.com") {
            if path.first == "watch" {
                candidate = components.queryItems?.first { $0.name == "v" }?.value
            } else if path.count >= 2, ["shorts", "live", "embed", "v"].contains(path[0]) {
                candidate = path[1]
            }
        }
        return candidate.flatMap { isYouTubeShaped($0) ? $0 : nil }
    }

    /// An id as stored: trimmed, at most 200 characters, without control characters or `/`.
    static func cleaned(_ text: String) -> String? {
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty, id.count <= 200,
              !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" }) else { return nil }
        return id
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isIdScalar(_ scalar: Unicode.Scalar) -> Bool {
        isAlphanumeric(scalar) || scalar == "-" || scalar == "_" || scalar == "." || scalar == ":"
    }
}
