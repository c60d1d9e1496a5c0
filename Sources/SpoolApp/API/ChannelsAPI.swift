import Foundation
import GRDB
import SpoolDownloader
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// Channels: add (validated; the first sync queued at once), list with counts, one, sync now,
/// remove (keeping or deleting the files).
struct ChannelsAPI {
    let database: SpoolDatabase
    let downloader: Downloader
    let queue: JobQueue
    let libraryDirectory: String
    let syncIntervalSeconds: Int

    func register(on router: inout Router) {
        router.get("/api/channels") { _ in
            .json(["channels": try channels(nil)])
        }
        router.post("/api/channels") { request in try add(request) }
        router.get("/api/channels/{id}") { request in .json(try one(try request.idParameter())) }
        router.post("/api/channels/{id}/sync") { request in
            let id = try request.idParameter()
            _ = try one(id)
            try downloader.requestSync(of: id)
            return .json(try one(id), status: 202)
        }
        router.delete("/api/channels/{id}") { request in try remove(request) }
    }

    private struct AddRequest: Decodable { let url: String }

    private func add(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try request.decodeJSON(AddRequest.self)
        let url: String
        switch SourceURL.validate(body.url) {
        case .success(let valid): url = valid
        case .failure(let error): throw HTTPError.badRequest(error.description, code: "invalid_url")
        }
        let (channel, created) = try database.write { db -> (Channel, Bool) in
            if let existing = try Channel.filter(Column("url") == url).fetchOne(db) { return (existing, false) }
            var channel = Channel(url: url, syncIntervalSeconds: syncIntervalSeconds)
            channel.state = .syncing
            try channel.insert(db)
            return (channel, true)
        }
        // A double click or the same URL again answers with the existing channel.
        guard created else { return .json(try one(channel.id!), status: 200) }
        try downloader.requestSync(of: channel.id!)
        queue.hub.publish("channel.updated", channel)
        return .json(try one(channel.id!), status: 202)
    }

    private func one(_ id: Int64) throws -> ChannelRepresentation {
        guard let channel = try channels(id).first else { throw HTTPError.notFound("No channel with id \(id).") }
        return channel
    }

    private func channels(_ id: Int64?) throws -> [ChannelRepresentation] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT channels.*,
                  (SELECT count(*) FROM tracks WHERE tracks.channel_id = channels.id AND tracks.deleted_at IS NULL) AS downloaded,
                  (SELECT count(*) FROM jobs WHERE jobs.channel_id = channels.id AND jobs.kind = 'download'
                     AND jobs.status IN ('pending', 'running', 'retrying', 'zombie')) AS queued,
                  (SELECT count(*) FROM jobs WHERE jobs.channel_id = channels.id AND jobs.kind = 'download'
                     AND jobs.status IN ('failed', 'dead_letter', 'timeout')) AS failed
                FROM channels \(id == nil ? "" : "WHERE channels.id = ?") ORDER BY channels.id DESC
                """, arguments: id.map { [$0] } ?? [])
            return try rows.map { row in
                let channel = try Channel(row: row)
                return ChannelRepresentation(channel, counts: .init(
                    videos: max(channel.videoCount, row["downloaded"] as Int), downloaded: row["downloaded"],
                    queued: row["queued"], failed: row["failed"]))
            }
        }
    }

    /// A channel's counts (for live events about it).
    static func counts(of id: Int64, database: SpoolDatabase) throws -> ChannelRepresentation.Counts? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT video_count,
                  (SELECT count(*) FROM tracks WHERE channel_id = ? AND deleted_at IS NULL) AS downloaded,
                  (SELECT count(*) FROM jobs WHERE channel_id = ? AND kind = 'download' AND status IN ('pending', 'running', 'retrying', 'zombie')) AS queued,
                  (SELECT count(*) FROM jobs WHERE channel_id = ? AND kind = 'download' AND status IN ('failed', 'dead_letter', 'timeout')) AS failed
                FROM channels WHERE id = ?
                """, arguments: [id, id, id, id]) else { return nil }
            let downloaded: Int = row["downloaded"]
            return .init(videos: max(row["video_count"], downloaded), downloaded: downloaded, queued: row["queued"], failed: row["failed"])
        }
    }

    private struct RemoveReply: Encodable {
        let deleted: Bool
        let filesDeleted: Int
    }

    private func remove(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = try request.idParameter()
        let deleteFiles = ["true", "1"].contains(request.query["delete_files"] ?? "false")
        _ = try one(id)
        let active = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM jobs WHERE channel_id = ? AND status IN ('pending', 'running', 'retrying', 'zombie')", arguments: [id])
        }
        for job in active { _ = try? queue.cancel(job) }
        // Rows first, then files: a crash in between leaves files without rows, never rows
        // pointing at missing files.
        let files = try database.write { db -> [String] in
            var files: [String] = []
            if deleteFiles {
                let tracks = try Track.filter(Column("channel_id") == id).fetchAll(db)
                files = tracks.flatMap { [$0.filePath, $0.thumbnailPath, $0.infoPath, $0.trashPath].compactMap { $0 } }
                try Track.filter(Column("channel_id") == id).deleteAll(db)
            }
            try Channel.deleteOne(db, key: id)
            return files
        }
        var removed = 0
        for relative in files where !relative.contains("..") {
            if (try? FileManager.default.removeItem(atPath: libraryDirectory + "/" + relative)) != nil { removed += 1 }
        }
        queue.hub.publish("channel.deleted", ["id": id])
        return .json(RemoveReply(deleted: true, filesDeleted: removed))
    }
}
