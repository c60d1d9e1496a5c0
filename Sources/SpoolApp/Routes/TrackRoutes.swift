import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// The library: list and search, one track, rating, delete with undo, the trash, the likes
/// playlist and playback history.
struct TrackRoutes: RouteCollection {
    let library: TrackLibrary
    let trash: TrashService
    let ratings: RatingService

    func register(on routes: inout Routes) {
        routes.get("/api/tracks") { request in try list(request) }
        routes.get("/api/tracks/{id}") { request in
            let id = try request.idParameter()
            guard let track = try library.track(id) else { throw DomainError.notFound("No track with id \(id).") }
            return .json(TrackRepresentation(track))
        }
        routes.put("/api/tracks/{id}/rating") { request in
            let id = try request.idParameter()
            let body = try request.decodeJSON(RatingRequest.self)
            return .json(TrackRepresentation(try ratings.setRating(body.value, of: id)))
        }
        routes.delete("/api/tracks/{id}") { request in
            let id = try request.idParameter()
            let deletion = try trash.delete(id)
            return .json(DeleteReply(
                track: TrackRepresentation(deletion.track),
                undo: .init(method: "POST", url: "/api/tracks/\(id)/restore"),
                fileWasMissing: deletion.fileWasMissing))
        }
        routes.post("/api/tracks/{id}/restore") { request in
            .json(TrackRepresentation(try trash.restore(try request.idParameter())))
        }
        routes.get("/api/trash") { request in
            let page = try library.trash(after: try request.cursor(), limit: try request.pageLimit())
            return .json(TrackPage(page))
        }
        routes.post("/api/tracks/bulk") { request in try bulk(request) }
        routes.delete("/api/trash") { _ in .json(["purged": try trash.purgeAll()]) }
        routes.get("/api/playlists/likes") { request in
            .json(TrackPage(try library.likes(after: try request.cursor(), limit: try request.pageLimit())))
        }
        routes.get("/api/history") { request in
            let page = try library.history(after: try request.cursor(), limit: try request.pageLimit())
            return .json(HistoryReply(plays: page.items.map {
                .init(track: TrackRepresentation($0.track), playedAt: $0.playedAt, position: $0.position)
            }, nextBefore: page.next?.token))
        }
    }

    private func list(_ request: HTTPRequest) throws -> HTTPResponse {
        var filter = TrackLibrary.Filter()
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
        filter.sort = try request.oneOf("sort", TrackLibrary.Sort.self) ?? .newest
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
    private func bulk(_ request: HTTPRequest) throws -> HTTPResponse {
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
                case "delete": done.append(TrackRepresentation(try trash.delete(id).track))
                case "restore": done.append(TrackRepresentation(try trash.restore(id)))
                default: done.append(TrackRepresentation(try ratings.setRating(actions[body.action]!, of: id)))
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
