import Foundation
import SpoolCore
import SpoolHTTP

/// Channels: add (validated; the first sync queued at once), list with counts, one, sync now
/// (a full re-list with `?full=true`), remove (keeping or deleting the files).
struct ChannelRoutes: RouteCollection {
    let channels: ChannelService

    func register(on routes: inout Routes) {
        routes.get("/api/channels") { _ in
            .json(["channels": try channels.list().map(ChannelRepresentation.init)])
        }
        routes.post("/api/channels") { request in
            let body = try request.decodeJSON(AddRequest.self)
            let (snapshot, created) = try channels.add(url: body.url)
            // The same URL again answers with the existing channel, not a second one.
            return .json(ChannelRepresentation(snapshot), status: created ? 202 : 200)
        }
        routes.get("/api/channels/{id}") { request in
            .json(ChannelRepresentation(try channels.snapshot(try request.idParameter())))
        }
        routes.post("/api/channels/{id}/sync") { request in
            let id = try request.idParameter()
            _ = try channels.snapshot(id)
            try channels.requestSync(of: id, full: try request.boolean("full"))
            return .json(ChannelRepresentation(try channels.snapshot(id)), status: 202)
        }
        routes.delete("/api/channels/{id}") { request in
            let removal = try channels.remove(try request.idParameter(), deleteFiles: try request.boolean("delete_files"))
            return .json(RemoveReply(deleted: true, filesDeleted: removal.filesDeleted))
        }
    }

    private struct AddRequest: Decodable { let url: String }

    private struct RemoveReply: Encodable {
        let deleted: Bool
        let filesDeleted: Int
    }
}
