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
        routes.get("/api/trash") { _ in
            .json(["tracks": try library.trash().map(TrackRepresentation.init)])
        }
        routes.delete("/api/trash") { _ in .json(["purged": try trash.purgeAll()]) }
        routes.get("/api/playlists/likes") { _ in
            .json(["tracks": try library.likes().map(TrackRepresentation.init)])
        }
        routes.get("/api/history") { request in
            let limit = try request.integer("limit", default: 50, in: 1...500)
            let plays = try library.history(limit: limit)
            return .json(HistoryReply(plays: plays.map {
                .init(track: TrackRepresentation($0.track), playedAt: $0.playedAt, position: $0.position)
            }))
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
        filter.limit = try request.integer("limit", default: 100, in: 1...500)
        filter.after = try request.cursor()
        let page = try library.tracks(filter)
        return .json(TrackPage(tracks: page.tracks.map(TrackRepresentation.init), nextBefore: page.next?.token))
    }

    private struct RatingRequest: Decodable { let value: Int }

    private struct DeleteReply: Encodable {
        struct Undo: Encodable { let method: String; let url: String }
        let track: TrackRepresentation
        let undo: Undo
        let fileWasMissing: Bool
    }

    private struct HistoryReply: Encodable {
        struct Play: Encodable { let track: TrackRepresentation; let playedAt: Date; let position: Double? }
        let plays: [Play]
    }
}
