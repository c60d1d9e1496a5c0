import Foundation
import GRDB
import SpoolStore

/// Which source an imported file belongs to.
///
/// - **A source Spool has**: its remote id equals the sidecar's `playlist_id` or `channel_id`,
///   or its URL equals the sidecar's `playlist_webpage_url`, `channel_url` or `uploader_url`, or
///   the file's `SPOOL_SOURCE_URL` tag. A playlist is looked for before the channel (a file
///   downloaded from a playlist the user mirrors belongs to that playlist). URLs are compared
///   without scheme, `www.`/`m.`/`music.`, trailing `/`, and a YouTube channel's tab
///   (`/videos`, `/streams`, …), so `https://www.youtube.com/@name/videos` matches `…/@name`.
/// - **Else a new source**, from the sidecar's `channel_url`, else `uploader_url`, else the
///   playlist's URL, else the `SPOOL_SOURCE_URL` tag, through `SourceService.add`. It is added
///   **paused**: no sync and no download until the user resumes it. An import of 300 files
///   from a channel of 2,000 videos must not start downloading the other 1,700 behind the user's
///   back; a resumed source syncs at the next scheduler check and then downloads exactly what
///   the folder lacked (the adopted videos are known). The report lists the sources created.
/// - **A file with no source of its own** (its id came from the name, an archive or a tag
///   without `SPOOL_SOURCE_URL`) takes the source that already listed the video, if exactly one
///   did; else its folder's, when every other file of that folder that names a source names the
///   same one (yt-dlp's `%(channel)s/%(title)s` layouts). Else it is adopted without a source.
final class ImportSourceResolver {
    struct Known {
        let id: Int64
        let title: String?
    }

    private let database: SpoolDatabase
    private let sources: SourceService
    private var byRemoteId: [String: Known] = [:]
    private var byURL: [String: Known] = [:]
    /// Sources created by this import (also those of an earlier attempt of the same job).
    private(set) var created: [ImportReport.CreatedSource]

    init(database: SpoolDatabase, sources: SourceService, created: [ImportReport.CreatedSource]) throws {
        self.database = database
        self.sources = sources
        self.created = created
        let rows = try database.read { db in try Row.fetchAll(db, sql: "SELECT id, url, remote_id, title FROM sources") }
        for row in rows {
            remember(Known(id: row["id"], title: row["title"]), url: row["url"], remoteId: row["remote_id"])
        }
    }

    private func remember(_ known: Known, url: String?, remoteId: String?) {
        if let remoteId, !remoteId.isEmpty, byRemoteId[remoteId] == nil { byRemoteId[remoteId] = known }
        if let key = url.flatMap(Self.normalized), byURL[key] == nil { byURL[key] = known }
    }

    /// The source named by a file's sidecar or tags; creates it (paused) when Spool has none.
    /// Nil when nothing names one, or the URL is not one Spool can add.
    func source(sidecar: ImportSidecar?, sourceURLTag: String?, titleHint: String?) throws -> Known? {
        let remoteIds = [sidecar?.playlistId, sidecar?.channelId].compactMap { $0 }
        let urls = [sidecar?.playlistURL, sidecar?.channelURL, sidecar?.uploaderURL, sourceURLTag].compactMap { $0 }
        for id in remoteIds { if let known = byRemoteId[id] { return known } }
        for url in urls { if let key = Self.normalized(url), let known = byURL[key] { return known } }
        // Create from the channel when there is one, else from what the file was listed in.
        let candidates: [(url: String?, title: String?)] = [
            (sidecar?.channelURL, sidecar?.channel ?? sidecar?.uploader),
            (sidecar?.uploaderURL, sidecar?.uploader ?? sidecar?.channel),
            (sidecar?.playlistURL, sidecar?.playlistTitle),
            (sourceURLTag, titleHint),
        ]
        for candidate in candidates {
            guard let url = candidate.url, (try? SourceService.validated(url)) != nil else { continue }
            var options = SourceService.AddOptions()
            options.paused = true
            options.title = candidate.title
            let snapshot: SourceSnapshot, wasCreated: Bool
            do {
                (snapshot, wasCreated) = try sources.add(url: url, options: options)
            } catch let already as SourceService.AlreadyAdded {
                // Another spelling of a source Spool has (`SourceURL.key`): that one is the file's.
                (snapshot, wasCreated) = (try sources.snapshot(already.existingId), false)
            }
            let known = Known(id: snapshot.source.id!, title: snapshot.source.title)
            remember(known, url: snapshot.source.url, remoteId: snapshot.source.remoteId)
            // The sidecar's ids name the new source too (its first sync learns them as well).
            for id in remoteIds where byRemoteId[id] == nil { byRemoteId[id] = known }
            for other in urls { if let key = Self.normalized(other), byURL[key] == nil { byURL[key] = known } }
            if wasCreated {
                created.append(ImportReport.CreatedSource(id: known.id, url: snapshot.source.url, title: known.title))
            }
            return known
        }
        return nil
    }

    /// A source by id, with its title as stored now.
    func known(_ id: Int64) throws -> Known? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT id, title FROM sources WHERE id = ?", arguments: [id]).map { Known(id: $0["id"], title: $0["title"]) }
        }
    }

    /// For each of `videoIds` that exactly one source listed: that source.
    func listingSources(of videoIds: [String]) throws -> [String: Known] {
        var result: [String: Known] = [:]
        for chunk in stride(from: 0, to: videoIds.count, by: 500).map({ Array(videoIds[$0..<min($0 + 500, videoIds.count)]) }) {
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            let rows = try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT e.video_id, min(e.source_id) AS source_id, count(*) AS sources, s.title
                    FROM source_entries e JOIN sources s ON s.id = e.source_id
                    WHERE e.video_id IN (\(marks)) GROUP BY e.video_id
                    """, arguments: StatementArguments(chunk))
            }
            for row in rows where (row["sources"] as Int) == 1 {
                result[row["video_id"]] = Known(id: row["source_id"], title: row["title"])
            }
        }
        return result
    }

    /// A URL as compared: no scheme, host without `www.`/`m.`/`music.`, no trailing `/`, and a
    /// YouTube channel URL without its tab.
    static func normalized(_ url: String) -> String? {
        guard let components = URLComponents(string: url.trimmingCharacters(in: .whitespaces)),
              var host = components.host?.lowercased(), !host.isEmpty else { return nil }
        for prefix in ["www.", "m.", "music."] where host.hasPrefix(prefix) { host.removeFirst(prefix.count) }
        var parts = components.path.split(separator: "/").map(String.init)
        let tabs: Set<String> = ["videos", "featured", "streams", "shorts", "live", "playlists", "podcasts", "releases"]
        if host == "youtube.com", parts.count == 2 || parts.count == 3, let last = parts.last, tabs.contains(last.lowercased()),
           parts[0].hasPrefix("@") || (parts.count == 3 && ["channel", "c", "user"].contains(parts[0])) {
            parts.removeLast()
        }
        var key = host + (components.port.map { ":\($0)" } ?? "") + "/" + parts.joined(separator: "/")
        if let query = components.percentEncodedQuery, !query.isEmpty { key += "?" + query }
        return key
    }
}
