import Foundation
import SpoolHTTP
import SpoolStore

/// The library: list and search, one track, rating, delete with undo, the trash, the likes
/// playlist and playback history.
struct TracksAPI {
    let library: TrackLibrary
    let trash: TrashService
    let ratings: RatingService

    func register(on router: inout Router) {
        router.get("/api/tracks") { request in try list(request) }
        router.get("/api/tracks/{id}") { request in
            .json(TrackRepresentation(try found(library.track(try request.idParameter()), request)))
        }
        router.put("/api/tracks/{id}/rating") { request in try rate(request) }
        router.delete("/api/tracks/{id}") { request in try delete(request) }
        router.post("/api/tracks/{id}/restore") { request in
            do {
                return .json(TrackRepresentation(try found(trash.restore(try request.idParameter()), request)))
            } catch let error as TrashError {
                throw HTTPError.conflict(error.description)
            }
        }
        router.get("/api/trash") { _ in
            .json(["tracks": try trash.trashList().map(TrackRepresentation.init)])
        }
        router.delete("/api/trash") { _ in .json(["purged": try trash.purgeAll()]) }
        router.get("/api/playlists/likes") { _ in
            .json(["tracks": try library.likes().map(TrackRepresentation.init)])
        }
        router.get("/api/history") { request in try history(request) }
    }

    private func found(_ track: LibraryTrack?, _ request: HTTPRequest) throws -> LibraryTrack {
        guard let track else { throw HTTPError.notFound("No track with id \(request.pathParameters["id"] ?? "?").") }
        return track
    }

    private func list(_ request: HTTPRequest) throws -> HTTPResponse {
        var filter = TrackLibrary.Filter()
        filter.query = request.query["q"]
        if let channel = request.query["channel"], !channel.isEmpty {
            guard let id = Int64(channel), id > 0 else { throw HTTPError.badRequest("'channel' must be a channel id.", code: "invalid_field") }
            filter.channelId = id
        }
        if let rating = request.query["rating"], !rating.isEmpty {
            guard let value = Int(rating), [-1, 0, 1].contains(value) else {
                throw HTTPError.badRequest("'rating' must be 1 (liked), -1 (disliked) or 0.", code: "invalid_field")
            }
            filter.rating = value
        }
        if let trashed = request.query["trashed"] {
            guard ["true", "false", "1", "0", ""].contains(trashed) else {
                throw HTTPError.badRequest("'trashed' must be true or false.", code: "invalid_field")
            }
            filter.trashed = trashed == "true" || trashed == "1"
        }
        if let sort = request.query["sort"], !sort.isEmpty {
            guard let value = TrackLibrary.Sort(rawValue: sort) else {
                throw HTTPError.badRequest("'sort' must be one of \(TrackLibrary.Sort.allCases.map(\.rawValue).joined(separator: ", ")).", code: "invalid_field")
            }
            filter.sort = value
        }
        filter.limit = try JobsAPI.integer(request.query["limit"], name: "limit", default: 100, range: 1...500)
        filter.offset = try JobsAPI.integer(request.query["before"], name: "before", default: 0, range: 0...Int.max)
        let page = try library.tracks(filter)
        return .json(TrackPage(tracks: page.tracks.map(TrackRepresentation.init), nextBefore: page.nextOffset))
    }

    private struct RatingRequest: Decodable { let value: Int }

    private func rate(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = try request.idParameter()
        let body = try request.decodeJSON(RatingRequest.self)
        guard [-1, 0, 1].contains(body.value) else {
            throw HTTPError.badRequest("'value' must be 1 (like), 0 (clear) or -1 (dislike); got \(body.value).", code: "invalid_field")
        }
        return .json(TrackRepresentation(try found(ratings.setRating(body.value, of: id), request)))
    }

    private struct DeleteReply: Encodable {
        struct Undo: Encodable { let method: String; let url: String }
        let track: TrackRepresentation
        let undo: Undo
        let fileWasMissing: Bool
    }

    private func delete(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = try request.idParameter()
        guard let deletion = try trash.delete(id) else { throw HTTPError.notFound("No track with id \(id).") }
        return .json(DeleteReply(
            track: TrackRepresentation(deletion.track),
            undo: .init(method: "POST", url: "/api/tracks/\(id)/restore"),
            fileWasMissing: deletion.fileWasMissing))
    }

    private struct HistoryReply: Encodable {
        struct Play: Encodable { let track: TrackRepresentation; let playedAt: Date; let position: Double? }
        let plays: [Play]
    }

    private func history(_ request: HTTPRequest) throws -> HTTPResponse {
        let limit = try JobsAPI.integer(request.query["limit"], name: "limit", default: 50, range: 1...500)
        let plays = try library.history(limit: limit)
        return .json(HistoryReply(plays: plays.map { .init(track: TrackRepresentation($0.track), playedAt: $0.playedAt, position: $0.position) }))
    }
}

extension TrashService {
    /// The trash, newest deletion first.
    func trashList() throws -> [LibraryTrack] {
        try TrackLibrary(database: database).trash()
    }
}
