import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// The library: list and search, one track, rating, delete with undo (an admin's goes to the
/// trash, a listener's hides the track for them), the trash, the likes playlist, playback
/// history and the play queue. Every read and write is the caller's own.
struct TrackRoutes: RouteCollection {
    let library: TrackLibrary
    let trash: TrashService
    let listening: ListeningService
    let removal: TrackRemoval

    func register(on routes: inout Routes) {
        routes.get("/api/tracks", .listener) { request, user in try list(request, for: user) }
        routes.get("/api/tracks/{id}", .listener) { request, user in
            let id = try request.idParameter()
            guard let track = try library.track(id, for: user.userId) else { throw DomainError.notFound("No track with id \(id).") }
            return .json(TrackRepresentation(track))
        }
        routes.put("/api/tracks/{id}/rating", .listener) { request, user in
            let id = try request.idParameter()
            let body = try request.decodeJSON(RatingRequest.self)
            return .json(TrackRepresentation(try listening.setRating(body.value, of: id, by: user)))
        }
        routes.delete("/api/tracks/{id}", .listener) { request, user in
            let id = try request.idParameter()
            let outcome = try removal.delete(id, by: user)
            return .json(DeleteReply(
                track: TrackRepresentation(outcome.track), trashed: outcome.trashed,
                undo: .init(method: "POST", url: "/api/tracks/\(id)/restore"),
                fileWasMissing: outcome.fileWasMissing))
        }
        routes.post("/api/tracks/{id}/restore", .listener) { request, user in
            .json(TrackRepresentation(try removal.restore(try request.idParameter(), by: user)))
        }
        routes.get("/api/trash", .admin) { request, user in
            .json(TrackPage(try library.trash(for: user.userId, after: try request.cursor(), limit: try request.pageLimit())))
        }
        routes.post("/api/tracks/bulk", .listener) { request, user in try bulk(request, by: user) }
        routes.delete("/api/trash", .admin) { _ in .json(["purged": try trash.purgeAll()]) }
        routes.get("/api/playlists/likes", .listener) { request, user in
            .json(TrackPage(try library.likes(of: user.userId, after: try request.cursor(), limit: try request.pageLimit())))
        }
        routes.get("/api/history", .listener) { request, user in
            let page = try library.history(of: user.userId, after: try request.cursor(), limit: try request.pageLimit())
            return .json(HistoryReply(plays: page.items.map {
                .init(track: TrackRepresentation($0.track), playedAt: $0.playedAt, position: $0.position)
            }, nextBefore: page.next?.token))
        }
        routes.get("/api/queue", .listener) { _, user in
            // The queue is stored as the player sent it; it goes back verbatim.
            return .jsonBytes(Array(#"{"queue":\#(try listening.queue(of: user) ?? "null")}"#.utf8))
        }
        routes.put("/api/queue", .listener) { request, user in
            // The queue is the player's own JSON object (track ids, the current index, where it
            // was started from), kept verbatim.
            guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                  let queue = body["queue"], JSONSerialization.isValidJSONObject(queue), queue is [String: Any] else {
                throw DomainError.invalid(field: "queue", "must be a JSON object.")
            }
            try listening.saveQueue(String(decoding: try JSONSerialization.data(withJSONObject: queue), as: UTF8.self), of: user)
            return .json(["saved": true])
        }
    }

    private func list(_ request: HTTPRequest, for user: Principal) throws -> HTTPResponse {
        var filter = TrackLibrary.Filter(userId: user.userId)
        filter.query = request.query["q"]
        // `channel` is the first API's name of the parameter.
        filter.sourceId = try request.optionalId("source") ?? request.optionalId("channel")
        if let rating = request.query["rating"], !rating.isEmpty {
            guard let value = Int(rating), [-1, 0, 1].contains(value) else {
                throw DomainError.invalid(field: "rating", "must be 1 (liked), -1 (disliked) or 0.")
            }
            filter.rating = value
        }
        filter.trashed = try request.boolean("trashed")
        if filter.trashed, !user.isAdmin {
            throw HTTPError(status: 403, code: "forbidden", message: "The trash is for admins; \(user.name) is a listener.")
        }
        // `position`: the source's own order (a playlist's), beside the library's sorts.
        if request.query["sort"] == "position" {
            filter.inSourceOrder = true
        } else {
            filter.sort = try request.oneOf("sort", TrackLibrary.Sort.self) ?? .newest
        }
        filter.limit = try request.pageLimit()
        filter.after = try request.cursor()
        return .json(TrackPage(try library.tracks(filter)))
    }

    private struct RatingRequest: Decodable { let value: Int }

    private struct BulkRequest: Decodable {
        let action: String
        let ids: [Int64]
    }

    private struct BulkReply: Encodable {
        struct Failure: Encodable { let id: Int64; let error: String }
        let tracks: [TrackRepresentation]
        let failed: [Failure]
    }

    /// One action on up to 500 selected tracks; each track succeeds or fails on its own
    /// (a read-only folder refuses a delete, a restored file's place may be taken).
    private func bulk(_ request: HTTPRequest, by user: Principal) throws -> HTTPResponse {
        let body = try request.decodeJSON(BulkRequest.self)
        guard (1...500).contains(body.ids.count) else { throw DomainError.invalid(field: "ids", "must list 1 to 500 track ids.") }
        let actions = ["like": 1, "clear": 0, "dislike": -1]
        guard actions[body.action] != nil || body.action == "delete" || body.action == "restore" else {
            throw DomainError.invalid(field: "action", "must be like, dislike, clear, delete or restore.")
        }
        var done: [TrackRepresentation] = []
        var failed: [BulkReply.Failure] = []
        for id in body.ids {
            do {
                switch body.action {
                case "delete": done.append(TrackRepresentation(try removal.delete(id, by: user).track))
                case "restore": done.append(TrackRepresentation(try removal.restore(id, by: user)))
                default: done.append(TrackRepresentation(try listening.setRating(actions[body.action]!, of: id, by: user)))
                }
            } catch {
                failed.append(.init(id: id, error: ErrorMapping.httpError(for: error)?.message ?? "internal error"))
            }
        }
        return .json(BulkReply(tracks: done, failed: failed))
    }

    private struct DeleteReply: Encodable {
        struct Undo: Encodable { let method: String; let url: String }
        let track: TrackRepresentation
        /// True: the file went to the trash (an admin); false: hidden for the caller only.
        let trashed: Bool
        let undo: Undo
        let fileWasMissing: Bool
    }

    struct HistoryReply: Encodable, JSONWritable {
        struct Play: Encodable { let track: TrackRepresentation; let playedAt: Date; let position: Double? }
        let plays: [Play]
        let nextBefore: String?

        private enum CodingKeys: String, CodingKey { case plays, nextBefore }

        /// `next_before` is `null` on the last page rather than missing.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(plays, forKey: .plays)
            try container.encode(nextBefore, forKey: .nextBefore)
        }

        /// A play without a position leaves it out, as the synthesized `Encodable` does.
        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.key("next_before"); w.string(nextBefore)
                w.key("plays")
                w.array(plays) { w, play in
                    w.object { w in
                        w.key("played_at"); w.date(play.playedAt)
                        if let position = play.position { w.key("position"); w.double(position) }
                        w.key("track"); play.track.write(to: &w)
                    }
                }
            }
        }
    }
}
